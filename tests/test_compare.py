"""Notebook 06's comparison engine: the configurations sit on the budget, the no-residual variant,
build/describe/run_config (one record, nothing selected by test), summarize's statistics."""

from __future__ import annotations

import statistics

import pytest
import torch

from convmixer_lab import ConvMixer, ConvMixerLayer, compare
from convmixer_lab.compare import (
    ABLATIONS,
    BUDGET,
    CONFIGS,
    PEERS,
    TOLERANCE,
    NoResidualConvMixerLayer,
    build,
    closest_width,
    config_table,
    count,
    describe,
    format_summary,
    machine,
    no_residual_convmixer,
    run_config,
    summarize,
)
from convmixer_lab.counting import count_parameters, total_macs
from convmixer_lab.train import seed_everything

TINY = ("convmixer", dict(dim=8, depth=1, kernel_size=3, patch_size=7, num_classes=10, in_channels=1))
REQUIRED = {"family", "config", "params", "macs", "seed", "seconds", "epochs", "val_accuracy",
            "test_accuracy"}


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
    assert [n for n in ABLATIONS if changed[n] == {"block"}] == ["convmixer-seed"]
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


def test_no_residual_layer_is_the_paper_layer_minus_its_residual():
    torch.manual_seed(0)
    paper = ConvMixerLayer(6, 3)
    for bn in (paper.norm1, paper.norm2):  # non-trivial running statistics and affine parameters
        bn.running_mean.uniform_(-1, 1), bn.running_var.uniform_(0.5, 2)
        bn.weight.data.uniform_(0.5, 1.5), bn.bias.data.uniform_(-0.5, 0.5)
    nores = NoResidualConvMixerLayer(6, 3)
    nores.load_state_dict(paper.state_dict())
    paper.eval(), nores.eval()
    z = torch.randn(2, 6, 5, 5)
    with torch.no_grad():
        y = paper.norm1(paper.act1(paper.depthwise(z)))
        torch.testing.assert_close(nores(z), paper.norm2(paper.act2(paper.pointwise(y))), rtol=0, atol=0)
        torch.testing.assert_close(paper(z), paper.norm2(paper.act2(paper.pointwise(y + z))), rtol=0, atol=0)
        assert not torch.allclose(nores(z), paper(z))
    assert count_parameters(nores) == count_parameters(paper)


def test_no_residual_model_starts_from_the_same_weights():
    config = dict(dim=8, depth=3, kernel_size=3, patch_size=4, num_classes=10, in_channels=1)
    seed_everything(5)
    plain = ConvMixer(**config)
    seed_everything(5)
    nores = no_residual_convmixer(**config)
    assert all(type(layer) is NoResidualConvMixerLayer for layer in nores.mixer_layers)
    assert plain.state_dict().keys() == nores.state_dict().keys()
    assert all(torch.equal(plain.state_dict()[k], nores.state_dict()[k]) for k in plain.state_dict())
    assert nores.mixer_layers[0].depthwise.weight.is_contiguous(memory_format=torch.channels_last)
    assert isinstance(build("convmixer", {**config, "residual": False}).mixer_layers[1],
                      NoResidualConvMixerLayer)
    with pytest.raises(ValueError, match="block='paper' only"):
        no_residual_convmixer(**config, block="seed")


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


def test_config_table_lists_every_configuration():
    table = config_table()
    assert len(table.splitlines()) == len(CONFIGS) + 1
    assert "49,803" in table and "convmixer-nores" in table and "6,187,064" in table


def test_run_config_record(data):
    record = run_config("vit", 0, None, data, epochs=1)
    assert REQUIRED <= set(record)
    assert record["name"] == "vit" and record["family"] == "vit" and record["config"] == CONFIGS["vit"][1]
    assert (record["params"], record["macs"]) == (describe("vit")["params"], describe("vit")["macs"])
    assert record["epochs"] == 1.0 and record["steps"] == 2 and record["seconds"] > 0
    assert record["history"]["val_accuracy"][-1] == record["val_accuracy"]  # the final model, not a pick
    assert 0 <= record["test_accuracy"] <= 1 and record["recipe"] == compare.RECIPE
    assert record["threads"] == torch.get_num_threads()


def test_run_config_same_seed_same_record(data):
    a, b = (run_config(TINY, 3, None, data, epochs=2) for _ in range(2))
    assert a["name"] is None and a["config"] == TINY[1]
    assert a["history"]["loss"] == b["history"]["loss"]
    assert (a["val_accuracy"], a["test_accuracy"]) == (b["val_accuracy"], b["test_accuracy"])
    c = run_config(TINY, 4, None, data, epochs=2)
    assert c["history"]["loss"] != a["history"]["loss"]


def test_run_config_with_a_time_budget(data):
    record = run_config(TINY, 0, 2.0, data)
    assert record["time_budget"] == 2.0 and record["epochs"] > 0 and record["steps"] >= 1


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


def test_run_config_refuses_data_without_a_validation_split(data):
    with pytest.raises(TypeError, match="data must be a dict with 'train', 'val' and 'test'"):
        run_config(TINY, 0, None, {"train": data["train"], "test": data["test"]}, epochs=1)


def record(name, seed, val, test, params=100, family="convmixer", config=None):
    return dict(name=name, family=family, config=config or {"dim": 1}, params=params, macs=10, seed=seed,
                seconds=2.0 + seed, epochs=1.5, val_accuracy=val, test_accuracy=test)


def test_summarize_mean_sample_std_min_max():
    rows = summarize([record("a", 0, 0.90, 0.89), record("b", 0, 0.50, 0.40), record("a", 1, 0.92, 0.91),
                      record("a", 2, 0.94, 0.90)])
    assert [r["name"] for r in rows] == ["a", "b"]
    a, b = rows
    assert a["n"] == 3 and a["seeds"] == [0, 1, 2] and a["params"] == 100
    assert a["val_accuracy_mean"] == pytest.approx(0.92)
    assert a["val_accuracy_std"] == pytest.approx(0.02)  # sample std: sqrt((0.02^2 + 0 + 0.02^2) / 2)
    assert a["val_accuracy_std"] == pytest.approx(statistics.stdev([0.90, 0.92, 0.94]))
    assert (a["val_accuracy_min"], a["val_accuracy_max"]) == (0.90, 0.94)
    assert a["test_accuracy_mean"] == pytest.approx(0.90) and a["seconds_mean"] == pytest.approx(3.0)
    assert b["n"] == 1 and b["val_accuracy_std"] is None and b["val_accuracy_mean"] == 0.50
    text = format_summary(rows)
    assert "92.00" in text and "2.00" in text and "50.00" in text


def test_summarize_groups_unnamed_records_by_family_and_config():
    rows = summarize([record(None, 0, 0.8, 0.8, config={"dim": 2}),
                      record(None, 1, 0.6, 0.6, config={"dim": 2}),
                      record(None, 0, 0.7, 0.7, config={"dim": 3})])
    assert [r["n"] for r in rows] == [2, 1]
    assert rows[0]["val_accuracy_mean"] == pytest.approx(0.7) and rows[0]["config"] == {"dim": 2}
    with pytest.raises(ValueError, match="disagree on config or params"):
        summarize([record("a", 0, 0.9, 0.9, params=100), record("a", 1, 0.9, 0.9, params=101)])


def test_machine_says_where_it_ran():
    info = machine()
    assert info["threads"] == torch.get_num_threads() and info["torch"] == torch.__version__
    assert isinstance(info["cpu"], str) and info["cpu"]
    assert set(info) == {"cpu", "threads", "torch", "python", "platform", "cuda"}
