#!/usr/bin/env bash
# Train the reference model on a GPU machine with the project's own command line, as it was done
# for data/checkpoints/ (see data/checkpoints/README.md). Usage: benchmarks/train_reference_gpu.sh OUTDIR [extra flags]
# OUTDIR must not hold a run already (the command line refuses to replace one): add --overwrite to
# replace it, or --resume to continue an interrupted one (its checkpoint decides the settings).
# The log (OUTDIR/reference.log) starts with the exact command, the GPU and the software versions.
set -euo pipefail
out=${1:?usage: benchmarks/train_reference_gpu.sh OUTDIR [extra flags]}
shift
mkdir -p "$out"
cmd=(python3 -m convmixer_lab.train --preset reference --time-budget 400 --device cuda
     --checkpoint-dir "$out" --no-progress --json "$@")
{
  echo "command: PYTHONPATH=. ${cmd[*]}"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "gpu: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || echo none)"
  python3 -c "import sys, torch; print('python', sys.version.split()[0], 'torch', torch.__version__)"
  start=$(date +%s)
  PYTHONPATH=. PYTHONUNBUFFERED=1 "${cmd[@]}"
  echo "wall time of the command: $(( $(date +%s) - start )) s"
} 2>&1 | tee "$out/reference.log"
rm -f "$out/last.pt"  # the resumable checkpoint (optimizer state too) is not shipped; model.pt is
