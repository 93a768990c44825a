"""Notebook 06's comparison engine: the configurations sit on the budget (closest_width refuses
impossible settings), build/describe/run_config (one record: one thread, CPU-seconds, the best
validation epoch kept, the test set scored once on it), fit's budget clock, the results file reader."""

from __future__ import annotations

import json
import time

import pytest
import torch

from convmixer_lab import ConvMixerLayer, compare, train
from convmixer_lab.compare import (
    ABLATIONS,
    BUDGET,
    CONFIGS,
    FIT_FIXED,
    PEERS,
    REQUIRED,
    RESULTS_KEYS,
    TOLERANCE,
    build,
    closest_width,
    count,
    describe,
    load_results,
    part,
    run_config,
)
from convmixer_lab.counting import count_parameters, total_macs
from convmixer_lab.train import Settings, fit, seed_everything
from convmixer_lab.train.schedule import RESERVE

TINY = ("convmixer", dict(dim=8, depth=1, kernel_size=3, patch_size=7, num_classes=10, in_channels=1))


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


@pytest.fixture(scope="module")
def data():
    """Random images and labels, shaped like data.fashion_mnist_tensors() but tiny (no files read)."""
    g = torch.Generator().manual_seed(0)

    def split(n):
        return torch.randn(n, 1, 28, 28, generator=g), torch.randint(0, 10, (n,), generator=g)

    return dict(train=split(192), val=split(48), test=split(40))


@pytest.mark.parametrize("name", list(CONFIGS))
def test_every_configuration_sits_on_the_budget(name):
    family, config = CONFIGS[name]
    model = build(family, config)
    params = count_parameters(model)
    assert params == describe(name)["params"] == count(family, config)["params"]
    assert abs(params - BUDGET) <= TOLERANCE * BUDGET
    width_key = "width" if family == "resnet" else "dim"
    assert config[width_key] == closest_width(family, config)  # the rule that chose each width
    assert model(torch.randn(2, 1, 28, 28)).shape == (2, 10)
    if family == "convmixer":
        assert describe(name)["macs"] == total_macs(model, 28)  # the course's own MAC counter


def test_the_comparison_covers_what_issue_12_asks():
    assert {CONFIGS[n][0] for n in PEERS} == {"convmixer", "vit", "mlpmixer", "resnet"}
    base = CONFIGS["convmixer"][1]
    changed = {name: {k for k in base if CONFIGS[name][1][k] != base[k]} - {"dim"} for name in ABLATIONS}
    assert sorted(CONFIGS[n][1]["patch_size"] for n in ABLATIONS if changed[n] == {"patch_size"}) == [2, 7]
    assert sorted(CONFIGS[n][1]["kernel_size"] for n in ABLATIONS if changed[n] == {"kernel_size"}) == [5, 7]
    assert sorted(CONFIGS[n][1]["depth"] for n in ABLATIONS if changed[n] == {"depth"}) == [2, 8]
    assert [n for n in ABLATIONS if changed[n] == {"block"}] == ["convmixer-tutorial"]
    assert CONFIGS["convmixer-tutorial"][1]["block"] == "tutorial"
    assert [n for n in ABLATIONS if changed[n] == {"residual"}] == ["convmixer-nores"]


def test_closest_width_is_nearest_and_respects_heads():
    config = dict(width=4, depth=1, stages=3)
    w = closest_width("resnet", config, budget=20_000)
    gaps = [abs(count("resnet", {**config, "width": v})["params"] - 20_000) for v in (w - 1, w, w + 1)]
    assert gaps[1] < gaps[0] and gaps[1] < gaps[2]
    vit = dict(dim=8, depth=2, heads=6, mlp_ratio=2.0)
    assert closest_width("vit", vit, budget=30_000) % 6 == 0
    with pytest.raises(ValueError, match="family must be one of"):
        closest_width("vgg", config)


@pytest.mark.parametrize("family,config,match", [
    ("convmixer", dict(dim=8, depth=4, kernel_size=0, patch_size=4), "kernel_size must be a positive int"),
    ("convmixer", dict(dim=8, depth=-1, kernel_size=3, patch_size=4), "depth must be a positive int"),
    ("vit", dict(dim=8, depth=2, heads=0, mlp_ratio=2.0), "heads must be a positive int"),
    ("vit", dict(dim=8, depth=0, heads=2, mlp_ratio=2.0), "depth must be"),
    ("resnet", dict(width=4, depth=1, stages=0), "stages must be"),
])
def test_closest_width_refuses_impossible_settings_before_searching(family, config, match):
    """Today's bug: these looped forever (every width raised, the search went on)."""
    with pytest.raises(ValueError, match=match):
        closest_width(family, config)


def test_the_no_residual_configuration_builds_the_paper_layers_without_their_residual():
    config = CONFIGS["convmixer-nores"][1]
    seed_everything(5)
    nores = build("convmixer", config)
    seed_everything(5)
    plain = build("convmixer", {**config, "residual": True})
    assert all(type(layer) is ConvMixerLayer and layer.residual is False for layer in nores.mixer_layers)
    assert all(torch.equal(plain.state_dict()[k], v) for k, v in nores.state_dict().items())
    assert count("convmixer", config) == count("convmixer", {**config, "residual": True})


def test_build_and_describe_refuse_bad_arguments():
    with pytest.raises(ValueError, match="family must be one of 'convmixer', 'vit', 'mlpmixer', 'resnet'"):
        build("transformer", {})
    with pytest.raises(TypeError, match="config must be a dict"):
        build("vit", [36, 3])
    with pytest.raises(TypeError, match="unexpected keyword argument 'width'"):
        build("vit", dict(width=36, depth=3))
    with pytest.raises(ValueError, match="name must be one of"):
        describe("convmixer-k9")
    with pytest.raises(TypeError, match="spec must be a name in CONFIGS"):
        describe(["vit", {}])
    assert describe(TINY) == count(*TINY)


def test_run_config_record(data):
    record = run_config("vit", 0, None, data, epochs=1)
    assert REQUIRED - {"part"} <= set(record) and record["lr"] == compare.RECIPE["lr"]  # the script adds part
    assert record["name"] == "vit" and record["family"] == "vit" and record["config"] == CONFIGS["vit"][1]
    assert (record["params"], record["macs"]) == (describe("vit")["params"], describe("vit")["macs"])
    assert record["epochs"] == 1.0 and record["steps"] == 2 and record["best_epoch"] == 1.0
    assert record["seconds"] == sum(record["history"]["seconds"]) > 0 and record["wall_seconds"] > 0
    assert record["history"]["val_accuracy"] == [record["val_accuracy"]] == [record["final_val_accuracy"]]
    assert 0 <= record["test_accuracy"] <= 1 and record["recipe"] == compare.RECIPE
    assert (record["threads"], record["clock"], record["time_budget"]) == (1, "cpu", None)


def test_a_run_on_the_epoch_budget_repeats_exactly(data):
    """The main comparison's budget does not depend on the machine's speed: the same seed on one thread
    gives the same weights, steps and accuracies again (only the timings differ)."""
    first, again = (run_config("convmixer-p7", 3, None, data, epochs=2, recipe=dict(lr=0.03)) for _ in "12")
    timings = ("seconds", "wall_seconds", "history")
    untimed = [{k: v for k, v in r.items() if k not in timings} for r in (first, again)]
    assert untimed[0] == untimed[1]
    assert first["history"]["loss"] == again["history"]["loss"] and first["steps"] == 4
    other_seed = run_config("convmixer-p7", 4, None, data, epochs=2, recipe=dict(lr=0.03))
    assert other_seed["history"]["loss"] != first["history"]["loss"]


def test_run_config_keeps_the_best_validation_epoch_and_tests_only_that_model(data, monkeypatch):
    scored = []
    real_evaluate = compare.evaluate

    def spy(model, x, y, *args, **kwargs):  # what the test set is scored on, and that model's val score
        scored.append((x is data["test"][0], real_evaluate(model, *data["val"])))
        return real_evaluate(model, x, y, *args, **kwargs)

    monkeypatch.setattr(compare, "evaluate", spy)
    record = run_config(TINY, 1, None, data, epochs=6, recipe=dict(lr=0.05))
    history = record["history"]["val_accuracy"]
    assert len(scored) == 1 and scored[0][0]  # compare.evaluate runs once, on the test images
    assert record["val_accuracy"] == max(history) == scored[0][1]  # the kept model is the best one
    assert record["best_epoch"] == record["history"]["epoch"][history.index(max(history))]
    assert record["final_val_accuracy"] == history[-1]


def test_run_config_same_seed_same_record(data):
    a, b = (run_config(TINY, 3, None, data, epochs=2) for _ in range(2))
    assert a["name"] is None and a["config"] == TINY[1]
    assert a["history"]["loss"] == b["history"]["loss"]
    assert (a["val_accuracy"], a["test_accuracy"]) == (b["val_accuracy"], b["test_accuracy"])
    c = run_config(TINY, 4, None, data, epochs=2)
    assert c["history"]["loss"] != a["history"]["loss"]


@pytest.mark.parametrize("threads,clock,expected_clock", [(1, "cpu", time.process_time),
                                                          (2, "wall", time.perf_counter)])
def test_run_config_trains_on_its_threads_and_clock_and_restores_torch(data, monkeypatch, threads, clock,
                                                                       expected_clock):
    seen = {}
    real_fit = compare.fit

    def spy(model, *args, **kwargs):
        seen.update(threads=torch.get_num_threads(), clock=args[2].clock)
        return real_fit(model, *args, **kwargs)

    monkeypatch.setattr(compare, "fit", spy)
    before = torch.get_num_threads()
    record = run_config(TINY, 0, None, data, epochs=1, threads=threads, clock=clock)
    assert seen == dict(threads=threads, clock=expected_clock)
    assert (record["threads"], record["clock"]) == (threads, clock)
    assert torch.get_num_threads() == before


def test_run_config_never_shows_the_test_set_to_fit(data, monkeypatch):
    seen = []
    real_fit = compare.fit

    def spy(model, *args, **kwargs):
        seen.extend(a for a in args if isinstance(a, tuple))
        return real_fit(model, *args, **kwargs)

    monkeypatch.setattr(compare, "fit", spy)
    run_config(TINY, 0, None, data, epochs=1)
    assert any(pair is data["val"] for pair in seen)
    assert all(pair is not data["test"] for pair in seen)


@pytest.mark.parametrize("seed,time_budget,epochs,recipe,error,match", [
    (-1, None, 1, None, ValueError, "seed must be an int >= 0"),
    (0, None, None, None, ValueError, "give time_budget"),
    (0, 0, None, None, ValueError, "time_budget must be > 0"),
    (0, None, 0, None, ValueError, "epochs must be a positive int"),
    (0, None, 1, dict(lr=0.1, momentum=0.9), TypeError, r"unknown recipe setting\(s\) \['momentum'\]"),
])
def test_run_config_refuses_bad_arguments(data, seed, time_budget, epochs, recipe, error, match):
    with pytest.raises(error, match=match):
        run_config(TINY, seed, time_budget, data, epochs=epochs, recipe=recipe)


@pytest.mark.parametrize("threads,clock,error,match", [
    (0, "cpu", ValueError, "threads must be a positive int"),
    (1.5, "cpu", TypeError, "threads must be a positive int"),
    (1, "gpu", ValueError, "clock must be one of 'cpu', 'wall'"),
])
def test_run_config_refuses_bad_threads_and_clocks(data, threads, clock, error, match):
    with pytest.raises(error, match=match):
        run_config(TINY, 0, None, data, epochs=1, threads=threads, clock=clock)


def test_run_config_refuses_data_without_a_validation_split(data):
    with pytest.raises(TypeError, match="data must be a dict with 'train', 'val' and 'test'"):
        run_config(TINY, 0, None, {"train": data["train"], "test": data["test"]}, epochs=1)


def test_load_results_checks_the_file(tmp_path):
    good = {key: [] for key in RESULTS_KEYS}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(good))
    assert load_results(path) == good
    path.write_text(json.dumps({**good, "records": [{"family": "vit", "seed": 0}]}))
    with pytest.raises(ValueError, match=r"record 0 lacks \['config', 'epochs', 'lr', 'macs', 'name'"):
        load_results(path)
    path.write_text(json.dumps({"records": []}))
    with pytest.raises(ValueError, match="is not a compare_models.py results file: it lacks"):
        load_results(path)
    with pytest.raises(FileNotFoundError, match="run python benchmarks/compare_models.py --out"):
        load_results(tmp_path / "missing.json")


def test_load_results_orders_the_records_by_part_configuration_and_seed(tmp_path):
    def rec(part, name, seed):
        return {**{key: 0 for key in REQUIRED}, "part": part, "name": name, "seed": seed}

    shuffled = [rec("cpu_time", "vit", 0), rec("main", "vit", 1), rec("main", "convmixer", 2),
                rec("main", "vit", 0), rec("lr_search", "resnet", 0)]
    path = tmp_path / "r.json"
    path.write_text(json.dumps({**{key: [] for key in RESULTS_KEYS}, "records": shuffled}))
    assert [(r["part"], r["name"], r["seed"]) for r in load_results(path)["records"]] == [
        ("lr_search", "resnet", 0), ("main", "convmixer", 2), ("main", "vit", 0), ("main", "vit", 1),
        ("cpu_time", "vit", 0)]
    assert [r["name"] for r in part(load_results(path), "main")] == ["convmixer", "vit", "vit"]
    path.write_text(json.dumps({**{key: [] for key in RESULTS_KEYS}, "records": [rec("short", "vit", 0)]}))
    with pytest.raises(ValueError, match="record 0: part must be one of"):
        load_results(path)


# --- fit's budget clock ---------------------------------------------------------------------------------

class StepClock:
    """A clock that moves by exactly one "second" per training step (fit's on_step moves it)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def tick(self, step: int, lr: float) -> None:
        self.now += 1.0


def test_fit_counts_its_time_budget_and_history_on_the_given_clock(data):
    clock = StepClock()
    seed_everything(0)
    model = build(*TINY)
    train = (data["train"][0][:160], data["train"][1][:160])  # batches of 32: 5 steps per epoch
    history = fit(model, train, data["val"], Settings(batch_size=32, time_budget=100.0, clock=clock),
                  on_step=clock.tick, device="cpu", progress=False)
    # 1 s per step on this clock; the last re-plan, at the end of epoch 18 (90 steps), adds as many steps
    # as fit in what is left before the 5% reserve (int() of 4.999...: 1 - 0.95 is a hair above 0.05)
    planned = 90 + int(100 - 90 - (1 - RESERVE) * 100)
    assert clock.now == sum(history["seconds"]) == planned == 94
    assert history["seconds"] == [5.0] * 18 + [4.0] and history["epoch"][-1] == 94 / 5


def test_fit_without_a_budget_times_its_epochs_on_the_given_clock_too(data):
    clock = StepClock()
    seed_everything(0)
    history = fit(build(*TINY), (data["train"][0][:160], data["train"][1][:160]), data["val"],
                  Settings(epochs=2, batch_size=32, clock=clock), on_step=clock.tick, device="cpu",
                  progress=False)
    assert history["seconds"] == [5.0, 5.0]


def test_fit_s_default_clock_is_wall_time_and_a_bad_clock_is_refused():
    assert Settings().clock is time.perf_counter
    with pytest.raises(TypeError, match="clock must be a function that returns seconds"):
        Settings(epochs=1, clock=3.0)


def test_fit_always_uses_adamw_and_the_one_cycle_schedule_as_fit_fixed_says(data, monkeypatch):
    """Notebook 06 prints FIT_FIXED as part of the recipe; fit must really use them."""
    made = []

    class RecordingAdamW(torch.optim.AdamW):
        def __init__(self, *args, **kwargs):
            made.append("AdamW")
            super().__init__(*args, **kwargs)

    class RecordingOneCycle(train.OneCycle):
        def __init__(self, *args, **kwargs):
            made.append("one-cycle")
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(torch.optim, "AdamW", RecordingAdamW)
    monkeypatch.setattr(train.loop, "OneCycle", RecordingOneCycle)
    recipe = {k: v for k, v in compare.RECIPE.items() if k != "augment"}
    fit(build(*TINY), data["train"], data["val"], Settings(epochs=1, **recipe), device="cpu", progress=False)
    assert FIT_FIXED == {"optimizer": "AdamW", "schedule": "one-cycle"}
    assert made == [FIT_FIXED["optimizer"], FIT_FIXED["schedule"]]
