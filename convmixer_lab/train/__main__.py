"""``python -m convmixer_lab.train ...``: the trainer's command line (``train/cli.py``)."""
from convmixer_lab.train.cli import main

raise SystemExit(main())
