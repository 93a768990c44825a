"""Notebook 06's committed results: they follow the protocol, and they hold every number the notebook's
prose states (sections 4, 6 and 8, the appendix, exercise 06.5's solution)."""

from __future__ import annotations

import math

import pytest

from convmixer_lab.compare import (
    ABLATIONS,
    CONFIGS,
    CPU_BUDGET,
    EPOCHS,
    LR_CHOICE,
    LR_GRID,
    PEERS,
    RECIPE,
    TRAIN_IMAGES,
    describe,
    load_results,
    part,
    run_config,
)
from convmixer_lab.data import fashion_mnist_tensors
from convmixer_lab.exercises import exercise, nb06
from convmixer_lab.spread import difference, holm, summarize


@pytest.fixture(scope="module")
def results():
    return load_results()


@pytest.fixture(scope="module")
def rows(results):
    return summarize(part(results, "main"))


def test_the_committed_results_follow_the_protocol(results):
    protocol = results["protocol"]
    assert (protocol["epochs"], protocol["train_images"], protocol["cpu_budget"]) == (
        EPOCHS, TRAIN_IMAGES, CPU_BUDGET)
    assert protocol["lr_grid"] == list(LR_GRID) and protocol["seeds"] == [0, 1, 2]
    assert protocol["lr_seed"] == 0
    assert protocol["recipe"] == {k: v for k, v in RECIPE.items() if k != "lr"}
    assert protocol["threads_per_run"] == 1
    assert protocol["data"] == {"train": 16_000, "val": 5_000, "test": 10_000} and protocol["jobs"] == 2
    assert results["lr_choice"] == LR_CHOICE
    grid, main, cpu = (part(results, p) for p in ("lr_search", "main", "cpu_time"))
    assert sorted((r["name"], r["lr"]) for r in grid) == sorted((f, lr) for f in PEERS for lr in LR_GRID)
    assert sorted((r["name"], r["seed"]) for r in main) == sorted((n, s) for n in CONFIGS for s in (0, 1, 2))
    assert sorted((r["name"], r["seed"]) for r in cpu) == sorted((n, s) for n in PEERS for s in (0, 1, 2))
    for r in grid + main:
        assert r["config"] == CONFIGS[r["name"]][1]
        assert (r["params"], r["macs"]) == tuple(describe(r["name"]).values())
        assert (r["threads"], r["time_budget"], r["epochs"], r["steps"]) == (1, None, 1.0, 125)
        assert r["val_accuracy"] == max(r["history"]["val_accuracy"])
        assert r["recipe"] == dict(RECIPE, lr=r["lr"])
    for r in main:
        assert r["lr"] == LR_CHOICE[CONFIGS[r["name"]][0]]  # the ablations at ConvMixer's rate
    copied = [r for r in main if r.get("copied")]
    assert sorted(r["name"] for r in copied) == sorted(PEERS) and all(r["seed"] == 0 for r in copied)
    for r in copied:  # the grid's run at the chosen rate, the same run
        same = next(g for g in grid if (g["name"], g["lr"]) == (r["name"], r["lr"]))
        assert {k: v for k, v in r.items() if k not in ("part", "copied")} == {
            k: v for k, v in same.items() if k != "part"}
    assert sorted(r["order"] for r in cpu) == list(range(12))
    assert [[r["name"], r["seed"]] for r in sorted(cpu, key=lambda r: r["order"])] == results["cpu_order"]
    assert all(r["time_budget"] == CPU_BUDGET and r["clock"] == "cpu" and r["load_average"] > 0 for r in cpu)


def test_section_4_the_learning_rate_search(results):
    val = {f"{r['name']} {r['lr']:g}": round(100 * r["val_accuracy"], 2) for r in part(results, "lr_search")}
    assert val == (
        {'convmixer 0.003': 82.94,
         'convmixer 0.01': 84.9,
         'convmixer 0.03': 85.0,
         'mlpmixer 0.003': 78.8,
         'mlpmixer 0.01': 80.5,
         'mlpmixer 0.03': 81.5,
         'resnet 0.003': 80.3,
         'resnet 0.01': 80.94,
         'resnet 0.03': 81.26,
         'vit 0.003': 67.18,
         'vit 0.01': 71.6,
         'vit 0.03': 71.06})
    assert LR_CHOICE == {"convmixer": 0.03, "vit": 0.01, "mlpmixer": 0.03, "resnet": 0.03}  # three at the top
    assert round(val["convmixer 0.03"] - val["convmixer 0.01"], 2) == 0.1  # "by 0.10 points"
    margins = {f: round(sorted(v for k, v in val.items() if k.startswith(f + " "))[-1]
                        - sorted(v for k, v in val.items() if k.startswith(f + " "))[-2], 2) for f in PEERS}
    assert margins == {"convmixer": 0.1, "vit": 0.54, "mlpmixer": 1.0, "resnet": 0.32}  # "0.10 ... to 1.00"
    val_std = {r["name"]: f"{100 * r['val_accuracy_std']:.2f}" for r in summarize(part(results, "main"))
               if r["name"] in PEERS}  # the val ± std column of section 4's table
    assert val_std == {"convmixer": "0.29", "vit": "0.88", "mlpmixer": "0.84", "resnet": "0.67"}


def test_section_4_the_cpu_time_view_and_what_the_load_did(results):
    cpu = part(results, "cpu_time")
    steps = {n: sorted(r["steps"] for r in cpu if r["name"] == n) for n in PEERS}
    assert {n: (s[0], s[-1]) for n, s in steps.items()} == {n: (s[0], s[-1]) for n, s in (
        {'convmixer': [100, 103, 105],
         'mlpmixer': [98, 98, 107],
         'resnet': [50, 50, 54],
         'vit': [51, 54, 60]}).items()}
    loads = [r["load_average"] for r in cpu]
    assert (round(min(loads), 1), round(max(loads), 1)) == (6.1, 8.1) and min(loads) > 2
    fewest_at_highest = [n for n in PEERS if min((r for r in cpu if r["name"] == n), key=lambda r: r["steps"])
                         is max((r for r in cpu if r["name"] == n), key=lambda r: r["load_average"])]
    assert len(fewest_at_highest) == 1  # "in only 1 of the 4 families" (section 4)
    mlp_highest = max((r for r in cpu if r["name"] == "mlpmixer"), key=lambda r: r["load_average"])
    assert mlp_highest["steps"] == steps["mlpmixer"][0] == steps["mlpmixer"][1] == 98  # "tied ... at 98"
    runs = {n: sorted((r for r in cpu if r["name"] == n), key=lambda r: r["load_average"]) for n in PEERS}
    assert runs["vit"][0]["steps"] == steps["vit"][0]  # the ViT's lowest-load run took the fewest steps
    assert runs["resnet"][-1]["steps"] == steps["resnet"][-1]  # the ResNet's highest-load run the most
    assert f"{1 - 51 / 60:.0%}" == "15%"
    used = [r["seconds"] for r in cpu]
    assert (f"{min(used):.1f}", f"{max(used):.1f}") == ("9.3", "11.6")  # "the runs used 9.3 to 11.6"
    wall = [r["wall_seconds"] for r in cpu]  # section 4's wall-clock column: each run took longer
    assert (f"{min(wall):.1f}", f"{max(wall):.1f}") == ("31.5", "49.8") and min(wall) > max(used)
    ratios = [r["wall_seconds"] / r["seconds"] for r in cpu]
    assert (f"{min(ratios):.1f}", f"{max(ratios):.1f}") == ("3.0", "4.7")
    # exercise 06.5's solution: the configuration whose steps varied most
    widest = max(PEERS, key=lambda n: 1 - steps[n][0] / steps[n][-1])
    assert nb06.CPU_VIEW_STEPS == dict(fewest=steps[widest][0], most=steps[widest][-1]) == dict(
        fewest=51, most=60)
    cpu_rows = {r["name"]: r for r in summarize(cpu)}
    assert {n: f"{r['epochs_mean']:.2f}" for n, r in cpu_rows.items()} == (
        {'convmixer': '0.82', 'mlpmixer': '0.81', 'resnet': '0.41', 'vit': '0.44'})
    assert {n: f"{r['seconds_mean']:.1f}" for n, r in cpu_rows.items()} == (  # "Nor did they get quite ..."
        {'convmixer': '10.1', 'mlpmixer': '9.8', 'resnet': '11.3', 'vit': '10.6'})
    over = [r["seconds"] / CPU_BUDGET - 1 for r in cpu if r["name"] == "resnet"]
    assert (f"{min(over):.0%}", f"{max(over):.0%}") == ("9%", "16%")  # "every ResNet run went 9% to 16% over"
    more = cpu_rows["resnet"]["seconds_mean"] / cpu_rows["mlpmixer"]["seconds_mean"] - 1
    assert f"{more:.0%}" == "16%"  # "about 16% more CPU time than the MLP-Mixer"
    assert max(r["steps"] for r in cpu) < nb06.STEPS == 125  # 06.5 (d): the one-epoch runs took more steps
    order = sorted(PEERS, key=lambda n: cpu_rows[n]["test_accuracy_mean"], reverse=True)
    assert order == (
        ['convmixer', 'mlpmixer', 'vit', 'resnet'])
    d = difference(list(cpu_rows.values()), "vit", "resnet")  # "which these runs do not tell apart"
    shown = (f"{100 * d['difference']:.2f}", f"{100 * d['standard_error']:.2f}", f"{d['p']:.2f}", d["clear"])
    assert shown == ("5.31", "4.00", "0.28", False)


def test_exercise_06_1_the_resnet_under_the_two_budgets(rows, results):
    """What 06.1's question, options and feedback say about the ResNet's two rows."""
    main_rows, cpu = {r["name"]: r for r in rows}, part(results, "cpu_time")
    cpu_rows = {r["name"]: r for r in summarize(cpu)}
    main_order, cpu_order = (sorted(PEERS, key=lambda n: t[n]["test_accuracy_mean"], reverse=True)
                             for t in (main_rows, cpu_rows))
    assert main_order.index("resnet") == 1 and cpu_order.index("resnet") > cpu_order.index("mlpmixer")
    shown = [f"{100 * t['resnet']['test_accuracy_mean']:.2f}" for t in (main_rows, cpu_rows)]
    assert shown == ["81.42", "44.55"]  # "second after one epoch (81.42%) ... fell ... to 44.55%"
    assert cpu_rows["resnet"]["test_accuracy_max"] > cpu_rows["vit"]["test_accuracy_min"]  # ranges overlap
    assert not difference(list(cpu_rows.values()), "vit", "resnet")["clear"]  # "not clearly apart"
    ranges = {n: f"{100 * cpu_rows[n]['test_accuracy_min']:.2f}-{100 * cpu_rows[n]['test_accuracy_max']:.2f}%"
              for n in ("resnet", "vit")}  # 06.1's feedback on (a)
    assert ranges == {"resnet": "40.36-49.83%", "vit": "45.94-55.44%"}
    assert all(r in exercise("06.1").text("wrong.a") for r in ranges.values())
    assert max(r["epochs"] for r in cpu) < 1  # every run ended inside its first epoch (the figure's caption)
    assert max(PEERS, key=lambda n: main_rows[n]["seconds_mean"]) == "resnet"  # its epochs cost the most
    assert max(PEERS, key=lambda n: describe(n)["macs"]) == "resnet"  # and its MACs per image are the most
    assert max(PEERS, key=lambda n: cpu_rows[n]["seconds_mean"]) == "resnet"  # used the most CPU-seconds
    assert max(r["epochs"] for r in cpu if r["name"] == "resnet") < 0.5  # "less than half an epoch"
    half = cpu_rows["resnet"]["epochs_mean"] / cpu_rows["convmixer"]["epochs_mean"]
    assert half == pytest.approx(0.5, abs=0.03)  # "about half of what ConvMixer got" (epochs, so steps)
    heaviest = sorted(cpu, key=lambda r: r["load_average"])[-3:]  # no family always under the heaviest load
    assert len({r["name"] for r in heaviest}) > 1


def test_sections_6_and_8_holm_and_the_verdict(rows, results):
    rows_records = part(results, "main")
    by_name = {r["name"]: r for r in rows}
    names = ["vit", "mlpmixer", "resnet", *ABLATIONS]
    tests = [difference(rows, n, "convmixer") for n in names]
    adjusted = holm([d["p"] for d in tests])
    assert [n for n, d in zip(names, tests) if d["clear"]] == (
        ['vit', 'mlpmixer', 'resnet', 'convmixer-k7', 'convmixer-tutorial'])
    assert [n for n, p in zip(names, adjusted) if p < 0.05] == (
        ['vit', 'mlpmixer', 'convmixer-tutorial'])
    assert all((d["p"] < 0.05) is d["clear"] for d in tests)
    k7 = names.index("convmixer-k7")  # question 5 of "Check your understanding"
    assert (f"{adjusted[k7]:.4f}", f"{100 * tests[k7]['difference']:.2f}") == ("0.3308", "-0.45")
    assert {n: f"{100 * r['test_accuracy_mean']:.2f}" for n, r in by_name.items()} == (
        {'convmixer': '84.56',
         'convmixer-deep': '83.37',
         'convmixer-k5': '84.37',
         'convmixer-k7': '84.11',
         'convmixer-nores': '84.89',
         'convmixer-p2': '85.04',
         'convmixer-p7': '84.53',
         'convmixer-tutorial': '44.80',
         'convmixer-wide': '83.68',
         'mlpmixer': '79.89',
         'resnet': '81.42',
         'vit': '71.98'})
    order = sorted(PEERS, key=lambda n: by_name[n]["test_accuracy_mean"], reverse=True)
    assert order == (
        ['convmixer', 'resnet', 'mlpmixer', 'vit'])
    same_patches = ("convmixer", "mlpmixer", "vit", "convmixer-tutorial")
    assert {CONFIGS[n][1]["patch_size"] for n in same_patches} == {4}
    assert {n: f"{r['seconds_mean']:.1f}" for n, r in by_name.items()} == (
        {'convmixer': '11.8',
         'convmixer-deep': '15.0',
         'convmixer-k5': '15.1',
         'convmixer-k7': '16.8',
         'convmixer-nores': '11.0',
         'convmixer-p2': '52.4',
         'convmixer-p7': '4.2',
         'convmixer-tutorial': '14.3',
         'convmixer-wide': '9.3',
         'mlpmixer': '10.1',
         'resnet': '22.6',
         'vit': '19.7'})
    assert (by_name["convmixer-tutorial"]["test_accuracy_mean"] < 0.7) is True
    main = [r for r in rows_records if r["name"] in ("convmixer", "convmixer-tutorial")]
    losses = {n: [r["history"]["loss"][-1] for r in main if r["name"] == n]
              for n in ("convmixer", "convmixer-tutorial")}
    assert {n: f"{min(v):.2f}-{max(v):.2f}" for n, v in losses.items()} == {
        "convmixer": "1.01-1.02", "convmixer-tutorial": "1.01-1.02"}  # the training loss matched
    params = [describe(n)["params"] for n in CONFIGS]
    assert (min(params), max(params)) == (49_640, 51_555)  # "about the same (within 5%)"
    tutorial = CONFIGS["convmixer-tutorial"][1]
    assert (tutorial["block"], tutorial["kernel_size"]) == ("tutorial", 3)
    assert 1 - 0.95 ** len(names) == pytest.approx(0.43, abs=0.005)  # "about 43% if ... independent"
    assert f"{len(names) * 0.05:.0%}" == "55%"  # "whatever their dependence, at most 55%"
    gap = by_name["convmixer"]["test_accuracy_mean"] - by_name["vit"]["test_accuracy_mean"]
    assert f"{100 * gap:.2f}" == '12.58'  # section 5's example


def test_the_appendix_the_wall_clock_and_the_longest_run(results):
    ran = [r for r in results["records"] if not r.get("copied")]
    loads = [r["load_average"] for r in ran]
    wall = sum(r["wall_seconds"] for r in ran) / sum(r["seconds"] for r in ran)
    assert (round(min(loads), 1), round(max(loads), 1)) == (5.9, 13.8)
    assert round(wall, 1) == 7.1
    assert round(results["total_seconds"] / 60) == 65
    assert [(i["command"], round(i["seconds"] / 60)) for i in results["invocations"]] == [
        ("python benchmarks/compare_models.py --jobs 2 --overwrite", 42),
        ("python benchmarks/compare_models.py --jobs 2", 23)]  # "the 2 invocations printed above"
    p2 = [r["seconds"] for r in part(results, "main") if r["name"] == "convmixer-p2"]
    assert (f"{min(p2):.1f}", f"{max(p2):.1f}") == ("49.0", "58.9")  # "varied from run to run"
    longest = max(part(results, "cpu_time"), key=lambda r: r["seconds"])
    assert round(longest["seconds"] / CPU_BUDGET - 1, 2) == 0.16


@pytest.mark.slow
def test_a_committed_run_repeats_to_the_last_digit(results):
    """Section 7's claim, on the machine that made the file: the same seed on one thread, the same epoch."""
    data = fashion_mnist_tensors(subset=TRAIN_IMAGES)
    again = run_config("convmixer", 0, None, data, epochs=EPOCHS, recipe=dict(lr=LR_CHOICE["convmixer"]))
    committed = next(r for r in part(results, "main") if (r["name"], r["seed"]) == ("convmixer", 0))
    assert (again["val_accuracy"], again["test_accuracy"], again["history"]["loss"]) == (
        committed["val_accuracy"], committed["test_accuracy"], committed["history"]["loss"])
    assert math.isfinite(again["seconds"])


@pytest.mark.slow
def test_exercise_06_4_s_example_lands_above_the_vit_interval(results):
    """Section 8: the example answer of 06.4 (a depth-2 ViT) scored 76.54%, above the committed ViT's
    prediction interval (68.43-75.53%), on a machine like the one that made the file."""
    data = fashion_mnist_tensors(subset=TRAIN_IMAGES)
    run = run_config(nb06.EXAMPLE, 0, None, data, epochs=EPOCHS, recipe=dict(lr=LR_CHOICE["vit"]))
    assert (CONFIGS["vit"][1]["depth"], CONFIGS["vit"][1]["dim"]) == (3, 36)  # "depth 2 and width 44 (instead
    assert (nb06.EXAMPLE[1]["depth"], nb06.EXAMPLE[1]["dim"]) == (2, 44)       # of 3 and 36)"
    low, high = nb06.committed_intervals()["vit"]
    assert (f"{low:.2%}", f"{high:.2%}", f"{run['test_accuracy']:.2%}") == ("68.43%", "75.53%", "76.54%")
    committed = summarize(part(results, "main"))[1]
    assert committed["name"] == "vit" and f"{100 * committed['test_accuracy_mean']:.2f}" == "71.98"


def test_the_file_records_the_corrected_tests_it_supports(results, rows):
    """The results file records notebook 06's family of tests and Holm's correction, as its records give."""
    names = [r["name"] for r in rows if r["name"] != "convmixer"]
    tests = [difference(rows, name, "convmixer") for name in names]
    adjusted = holm([d["p"] for d in tests])
    assert [t["name"] for t in results["tests"]] == names and len(names) == 11
    for recorded, d, p_holm in zip(results["tests"], tests, adjusted):
        assert recorded["p"] == pytest.approx(d["p"], abs=1e-6)
        assert recorded["p_holm"] == pytest.approx(p_holm, abs=1e-6)
        assert (recorded["clear_alone"], recorded["clear_after_holm"]) == (d["clear"], p_holm < 0.05)
    survivors = [t["name"] for t in results["tests"] if t["clear_after_holm"]]
    assert survivors == ["vit", "mlpmixer", "convmixer-tutorial"]
    assert sum(t["clear_alone"] for t in results["tests"]) == 5
