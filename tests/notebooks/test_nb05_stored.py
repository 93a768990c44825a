"""Notebook 05 as stored: the stored run, tables and experiments show what the exercises and the prose
claim about them, and the stored reference facts match the checkpoint's log and README."""

from __future__ import annotations

import json
import re
from pathlib import Path

from convmixer_lab.exercises import exercise, nb05
from convmixer_lab.presets import MODELS

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "05_train_small_convmixer.ipynb"


def stored_outputs() -> list[tuple[str, str]]:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    return [("".join(c["source"]), "".join("".join(o.get("text", "")) for o in c.get("outputs", [])))
            for c in cells if c["cell_type"] == "code"]


def markdown_cells() -> list[tuple[str, str]]:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    return [(c["cell_type"], "".join(c["source"])) for c in cells if c["cell_type"] == "markdown"]


def markdown_with(phrase: str) -> str:
    """The one markdown cell that holds ``phrase``, its line breaks turned into spaces."""
    (text,) = [" ".join(text.split()) for _, text in markdown_cells() if phrase in " ".join(text.split())]
    return text


def output_of(marker: str) -> str:
    (out,) = [out for src, out in stored_outputs() if marker in src]
    return out


def percents(line: str) -> list[int]:
    return [int(v) for v in re.findall(r"(\d+)%", line)]


def test_stored_run_has_train_accuracy_below_validation_in_epoch_1():
    """Exercise 05.2's premise."""
    lines = output_of("history = fit(").splitlines()
    first = percents(next(line for line in lines if line.startswith("epoch 1:")))
    assert first[0] < first[1]
    assert "test accuracy, scored once at the end" in lines[-1]


def test_stored_block_comparison_collapses_for_the_tutorial_block_only():
    """Section 5 and the summary: with every seed the tutorial's block falls far in eval mode, the
    paper's stays close. The rows name the blocks so that "seed" means only the random seed."""
    rows = [line for line in output_of("runs, seconds, accuracy = ").splitlines() if ", seed " in line]
    assert len(rows) == 6
    for line in rows:
        assert line.startswith(("paper block (2 BatchNorms), seed ",
                                "tutorial block (shared BatchNorm), seed "))
        train_mode, eval_mode = percents(line)
        if line.startswith("paper"):
            assert train_mode - eval_mode <= 5, line
        else:
            assert train_mode - eval_mode >= 10, line


def test_stored_statistics_show_the_blend_and_the_predicted_weight():
    out = output_of("a, b, r = (torch.cat")
    rows = {line[:38].strip(): [float(v) for v in re.findall(r"-?\d+\.\d+", line[38:])]
            for line in out.splitlines() if line.startswith(("tutorial:", "paper:"))}
    names = ("1st input (after depthwise)", "2nd input (after pointwise)", "stored by the shared norm")
    first, second, stored = (rows[f"tutorial: {name}"] for name in names)
    for i in range(6):  # mean and variance of 3 seeds: the stored value lies between the two inputs'
        assert min(first[i], second[i]) < stored[i] < max(first[i], second[i])
    w = float(re.search(r"(\d+) means and variances of all 3 seeds: best fit w = (\d\.\d+)", out).group(2))
    assert "384 means and variances" in out  # 64 channels x (mean, variance) x 3 seeds, as the prose says
    assert abs(w - nb05.WEIGHT) < 0.05  # what exercise 05.3 expects, measured
    assert "Exercise 05.3: you predicted 0.47" in out and "Exercise 05.3: your prediction was right." in out


def scale_factors() -> dict[str, list[tuple[float, float]]]:
    """The stored table of eval mode's scale factors: per row, (lowest, highest) over the seeds, per layer."""
    out = output_of("def factors(block, seed, layer)")
    return {line[:38].strip(): [(float(lo), float(hi)) for lo, hi in re.findall(r"(\d\.\d+)-(\d\.\d+)", line)]
            for line in out.splitlines() if line.startswith(("tutorial:", "paper:"))}


def test_stored_scale_factors_cover_every_layer_as_the_prose_says():
    """Section 5's prose: layer 1's two inputs scaled by about 0.6 and 1.25, the paper's norms all between
    0.9 and 1.05, layers 3 and 4 pushed apart the other way round, layer 2 only a little."""
    table = scale_factors()
    depth = MODELS["small"]["depth"]
    assert len(table) == 4 and all(len(spans) == depth for spans in table.values())
    first = table["tutorial: 1st input (after depthwise)"]
    second = table["tutorial: 2nd input (after pointwise)"]
    assert 0.55 <= first[0][0] and first[0][1] <= 0.65 and 1.2 <= second[0][0] and second[0][1] <= 1.3
    for layer in (2, 3):
        assert first[layer][0] > 1.05 and second[layer][1] < 0.95
    assert 0.9 <= first[1][0] and first[1][1] <= 1.1 and 0.9 <= second[1][0] and second[1][1] <= 1.1
    for row in ("paper: input of norm1", "paper: input of norm2"):
        assert all(0.9 <= lo and hi <= 1.05 for lo, hi in table[row])
    prose = markdown_with("The numbers carry the explanation")
    assert "about 0.6 and 1.25" in prose and "between 0.9 and 1.05" in prose


def test_stored_experiment_supports_answer_b_of_05_4():
    out = output_of("variants = {")
    rows = {line[:26].strip(): line for line in out.splitlines()[1:4]}
    accuracy = {name: percents(line)[0] for name, line in rows.items()}
    params = {name: int(line[26:37].replace(",", "")) for name, line in rows.items()}
    assert params["p=2, k=3"] < params["p=4, k=3 (small preset)"] < params["p=4, k=7"]
    base, p2, k7 = accuracy["p=4, k=3 (small preset)"], accuracy["p=2, k=3"], accuracy["p=4, k=7"]
    spread = int(re.search(r"a spread of (\d+) points", out).group(1))
    seeds = percents(out.splitlines()[-1])
    assert seeds[0] == base and spread == max(seeds) - min(seeds)
    assert p2 < base < k7  # p=2 the least accurate in this one run
    assert 0.5 * spread <= k7 - base <= 1.5 * spread  # k=7's lead is about the seed spread, as (b) says
    assert k7 > max(seeds)  # (c)'s premise holds: only its conclusion is wrong
    assert exercise("05.4").answer == "b" and "about the size of the seed spread" in exercise("05.4").text("option.b")


def test_stored_reference_facts_match_its_log_and_readme():
    """Section 6 discloses how the reference was trained; every fact it states is in its files."""
    folder = NOTEBOOK.parent.parent / "data" / "checkpoints"
    log, readme = (folder / "reference.log").read_text(), (folder / "README.md").read_text()
    assert "--time-budget 400" in log and "60,000 training images" in log and "'augment': True" in log
    assert "'epochs': 60" in log and "(42.945 epochs)" in log
    assert re.search(r"ran\s+three\s+such\s+runs\s+at\s+once", readme)
    gpu_logs = [p for p in (folder / "alternatives").glob("*.log") if "--device cuda" in p.read_text()]
    assert len(gpu_logs) == 2
    out = output_of("info = read_checkpoint_state(")
    assert "trained for 42.9 of 60 planned epochs (stopped by --time-budget 400 seconds); augment=True" in out
    assert "test_accuracy" in out and "val_accuracy" not in out
    assert "95.0% at the end, highest 95.1% (epoch 41)" in out and "test accuracy, measured now: 95.0%" in out
    prose = markdown_with("How this model was trained")
    for fact in ("all 60,000 training images", "5,000 validation images", "three runs", "400 seconds",
                 "42.9 of the 60 planned epochs", "not the one with the highest test accuracy"):
        assert fact in prose, fact


def test_stored_confidence_closes_the_loop_with_the_smoothing_target():
    out = output_of("confidence, _ = probabilities.max(dim=1)")
    median, above = re.search(r"median (\d\.\d+); above 0.95 for (\d+) of them", out).groups()
    assert median == "0.91"
    assert f"Only {above} of the 10,000 test images" in markdown_with("The median top-class")


def test_stored_kernel_counts_support_the_prose():
    out = output_of("for layer in (0, len(reference.mixer_layers) - 1)")
    pattern = (r"layer (\d+): largest \|weight\| at the centre (\d+), one step up, down, left or right "
               r"(\d+), one step diagonally (\d+), farther out (\d+) \(of 256")
    counts = {int(layer): [int(v) for v in numbers] for layer, *numbers in re.findall(pattern, out)}
    assert set(counts) == {1, 8} and all(sum(c) == 256 for c in counts.values())
    assert counts[1][1] > 128 and counts[8][3] > 128  # layer 1: mostly next to the centre; layer 8: farther
    shares = [tuple(int(v) for v in found) for found in re.findall(
        r"the largest \|weight\| as a share of its kernel's 49 \|weights\| added up: "
        r"median (\d+)%, highest (\d+)%", out)]
    halves = [tuple(int(v) for v in found) for found in re.findall(
        r"to reach half of that sum: fewest (\d+) \(the most concentrated kernel\), median (\d+)", out)]
    assert len(shares) == 2 and all(highest < 50 for _, highest in shares)  # no kernel is one neighbour alone
    assert len(halves) == 2 and all(fewest >= 3 for fewest, _ in halves)  # "every kernel blends several"
    (median_1, highest_1), (median_8, _) = shares
    (fewest_1, half_1), (fewest_8, _) = halves
    prose = markdown_with("In layer 1 most kernels")
    assert "weighs that neighbour more, by absolute value, than any other patch" in prose
    assert f"a median {median_1}% of the kernel's 49 |weights| added up, and {highest_1}% at most" in prose
    assert (f"even the most concentrated kernel needs {fewest_1} of its |weights| to reach half of that sum, "
            f"and the median kernel {half_1}: every kernel blends several patches") in prose
    assert f"(a median of {median_8}%; half of the sum takes at least {fewest_8} weights)" in prose
    assert "hands each patch the value of one neighbour" not in prose


def test_kernel_figures_say_what_their_colours_mean():
    """Both kernel figures draw each kernel on its own scale (plot.kernel_grid, its colour bar from -1 to
    +1, tests/unit/test_plot_05.py); the prose says so before the first of them."""
    prose = markdown_with("so each filter is 2x2 pixels")
    assert "full red (+1 on the colour bar) or full blue (-1), and white is 0" in prose
    assert sum("plot.kernel_grid(" in src for src, _ in stored_outputs()) == 2


def test_stored_stem_counts_split_into_three_patterns():
    out = output_of("n_positive % 4 == 0")
    one_sign, two, three = (int(re.search(pattern, out).group(1)) for pattern in
                            (r"one sign: (\d+)", r"2 against 2: (\d+)", r"3 against 1: (\d+)"))
    assert one_sign + two + three == 256
    single = int(re.search(r"other three together: (\d+) of 256", out).group(1))
    assert f"in {single} filters, of any pattern" in markdown_with("Four numbers are too few")


def test_stored_image_counts_add_up_to_the_prose():
    out = output_of('load_fashion_mnist("test")')
    assert "train: (60000, 28, 28)" in out and "test:  (10000, 28, 28)" in out
    assert "on **Fashion-MNIST**, 70,000 greyscale photos" in markdown_with("# 05 · Train a small ConvMixer")


def test_train_mode_batches_and_the_listened_pass_hold_1000_images():
    """Section 5's prose: train mode normalises 1,000 validation images at a time (evaluate's own default is
    100, the same logits in eval mode), and the hooks listen during one pass over 1,000 of them."""
    (runs_source,) = [src for src, _ in stored_outputs() if "def short_run(" in src]
    assert "evaluate(m, x_val, y_val, batch_size=1000, batch_statistics=True)" in runs_source
    assert "(1,000 at a time)" in markdown_with("only normalises each batch of validation images")
    (hooks_source,) = [src for src, _ in stored_outputs() if "def norm_inputs(" in src]
    assert hooks_source.count("x_val[:1000]") == 2 and "batch_size=len(x)" in hooks_source
    assert "one train-mode pass over 1,000 validation images" in markdown_with("forward pre-hook")


def test_stored_standardisation_holds_on_the_training_images_alone():
    out = output_of("kept = x_train[train_idx]")
    assert "the 55,000 images to train on alone: mean 0.00" in out and ", std 1.00" in out


def test_stored_inline_epoch_equals_the_package():
    out = output_of("package_losses.append(loss.item())")
    assert "all 40 losses equal: True; weights equal afterwards: True" in out
    by_hand, package = (line.split(":", 1)[1] for line in out.splitlines()[:2])
    assert by_hand.strip() == package.strip()


def test_exercises_come_in_reading_order():
    """05.1 in section 3, 05.2 in section 4, 05.3 in section 5, then 05.4 and 05.5; the text says so."""
    asked = [key for src, _ in stored_outputs() for key in re.findall(r'exercise\("(05\.\d)"\)', src)]
    assert asked == ["05.1", "05.2", "05.3", "05.4", "05.5"]
    assert "(Exercises 05.1, 05.2 and 05.3 were in sections 3, 4 and 5.)" in markdown_with("## 7 · Exercises")


def test_experiment_times_training_in_cpu_seconds_on_one_thread():
    """The runs are timed with the process's CPU time on one thread, and the timing cell prints each run's
    CPU-time ratio beside its MACs ratio (the MACs ratios are the same on every machine)."""
    (source,) = [src for src, _ in stored_outputs() if "def short_run(" in src]
    assert "with one_thread():" in source and "clock=time.process_time" in source
    out = output_of("base_seconds, base_macs = ")
    rows = {line[:26].strip(): line for line in out.splitlines()[1:4]}
    assert out.splitlines()[0].split() == ["CPU-seconds", "CPU", "time", "ratio", "MACs", "ratio"]
    base = re.search(r"CPU time ratio = a run's CPU-seconds / (\d+\.\d\d), those of the small preset's "
                     r"seed-0 run, timed in section 5", out).group(1)
    assert rows["p=4, k=3 (small preset)"].split()[-3] == base  # the base, printed where the ratios are
    assert all(re.fullmatch(r"\d+\.\d\d", line.split()[-3]) for line in rows.values())
    macs = {name: float(re.findall(r"(\d+\.\d)x", line)[-1]) for name, line in rows.items()}
    assert macs == {"p=4, k=3 (small preset)": 1.0, "p=2, k=3": round(nb05.MAC_RATIO_P2, 1),
                    "p=4, k=7": round(nb05.MAC_RATIO_K7, 1)}
    prose = markdown_with("The cell after it prints how long each run trained")
    assert "`time.process_time`" in prose and "not as a rule" in prose


def test_check_your_understanding_does_not_ask_again_about_halving_p():
    """Halving p and its four times the MACs is asked in notebooks 01 and 04; 05 only shows its run."""
    questions = markdown_with("## Check your understanding")
    assert "MACs" not in questions and "CPU-seconds on one thread" in questions
