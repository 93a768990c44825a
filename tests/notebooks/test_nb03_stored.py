"""Notebook 03 as stored: exercises of every kind, predictions before measurements, every number its
prose states (English and Chinese) is what the counts give or what a cell prints, its timing cells
are the ones nbval does not compare, and the check of understanding keeps its answers for the
instructor only."""

import re
from pathlib import Path

import pytest

from convmixer_lab.counting import conv_macs, depthwise_separable_params, standard_conv_params
from convmixer_lab.exercises import EXERCISES, exercise, nb03
from convmixer_lab.texts import set_language, t
from tests.helpers import assert_check_your_understanding, cell_output, cells, code_sources

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NB03 = NOTEBOOKS / "03_parameter_count.ipynb"
ZH03 = NOTEBOOKS / "zh" / "03_parameter_count.ipynb"


def markdown(path: Path) -> str:
    return "\n".join("".join(c["source"]) for c in cells(path) if c["cell_type"] == "markdown")


def pointwise_intensity(c_in: int, c_out: int) -> float:
    """MACs per byte of a pointwise convolution, weights left out: c_in * c_out MACs per pixel for
    4 * (c_in + c_out) bytes read and written."""
    return c_in * c_out / (4 * (c_in + c_out))


_DW3 = 8 * conv_macs(256, 256, 3, 16, 16, groups=256)  # the tutorial's layers, batch 8
_PW = 8 * conv_macs(256, 512, 1, 16, 16)
STATED = {  # the number as the prose writes it: its value from the counts
    "1.1": 3 * 3 / 8, "6.1": 7 * 7 / 8,                              # depthwise: k^2 / 8
    "96": pointwise_intensity(768, 768), "42.7": pointwise_intensity(256, 512),
    "384": 3 * 3 * pointwise_intensity(256, 512),                    # standard: k^2 x pointwise
    "15.1": pointwise_intensity(64, 1024), "128": pointwise_intensity(1024, 1024),  # question 3
    "219.4": nb03.intensity(8), "39.4": nb03.intensity(8, k=1),      # standard, pointwise: weights counted
    "98.3": 100 * _PW / (_PW + _DW3), "1.7": 100 * _DW3 / (_PW + _DW3),  # the separable pair's MACs
    "0.11": (_PW + _DW3) / (8 * conv_macs(256, 512, 3, 16, 16)),
    "4.2": 4 * (2 * 8 * 256 * 16 * 16 + 3 * 3 * 256) / 1e6,            # MB moved, depthwise 3x3
    "25.3": 4 * (2 * 4 * 768 * 32 * 32 + 768 * 7 * 7 + 768) / 1e6,     # ConvMixer-768 depthwise (bias)
    "27.5": 4 * (2 * 4 * 768 * 32 * 32 + 768 * 768 + 768) / 1e6,       # ConvMixer-768 pointwise (bias)
    "33.6": 32768 * 1024 / 1e6,                                        # an L3 of 32768K (KiB), in MB
    "6.0": nb03.DEPTHWISE_MAC_SHARE,
    "1.3": 100 * depthwise_separable_params(1536, 1536, 9) / standard_conv_params(1536, 1536, 9),
    "1.4": 100 * depthwise_separable_params(256, 512, 9) / standard_conv_params(256, 512, 9),  # k dominates
}


@pytest.mark.parametrize("text,value", STATED.items())
def test_every_number_the_speed_sections_state_is_what_the_counts_give(text, value):
    decimals = len(text.split(".")[1]) if "." in text else 0
    assert f"{value:.{decimals}f}" == text
    for path in (NB03, ZH03):
        assert re.search(rf"(?<![\d.]){re.escape(text)}(?![\d])", markdown(path)), (path.name, text)


def test_the_numbers_the_prose_takes_from_cells_are_printed_or_in_the_code():
    assert "stride 1: output 16x16" in cell_output(NB03, "strided = nn.Conv2d(")  # the formula's 16
    assert "(1.3%)\nthe tutorial's 256 -> 512 with 9x9 kernels: 1.4% (1/512 + 1/81)" in cell_output(
        NB03, "narrow = ")
    assert nb03.out_side(16, 3, 1, 1) == 16 and nb03.out_side(16, 3, 3, 1) == 6
    printed = cell_output(NB03, "mac_share = round(")
    assert "separable pair, pointwise half: 98.3% of the MACs" in printed
    assert "ConvMixer-768 layer, depthwise half: 6.0% of the MACs" in printed
    source = "\n".join(code_sources(NB03))
    for code in ("batch = 8", "torch.randn(4, 768, 32, 32)", "for _ in range(11):", "seconds[name] = runs[0]",
                 "(runs[len(runs) // 2], runs[-1])", "copy_rate(32 * 2**20, 5)", "copy_rate(2**19, 100)",
                 "((512, 50), (1024, 11))", "/ min(runs) / 1e9"):  # every rate from the fastest of its runs
        assert code in source, code
    assert 4 * 32 * 2**20 == 128 * 2**20 and 4 * 2**19 == 2 * 2**20  # 128 MiB, 2 MiB of float32
    assert 2 * 2 == 4 and 2**20 == 1_048_576 and 224 // 7 == 32  # source + destination; MiB; the grid
    assert round(4 * 2**20 / 1e6, 1) == 4.2 == round(STATED["4.2"], 1)  # 4 MiB: the depthwise layer's MB
    for path in (NB03, ZH03):
        assert all(s in markdown(path) for s in ("128 MiB", "2 MiB", "4 MiB", "1,048,576", "100", "10%",
                                                 "512 x 512", "1024 x 1024", " 50 ", "224/7 = 32", "11",
                                                 " 5 "))
        assert "128 MB" not in markdown(path) and "256 KiB" not in markdown(path)


def _numbers(line: str) -> list[float]:
    return [float(n) for n in re.findall(r"\d+(?:\.\d+)?", line)]


@pytest.mark.parametrize("path", [NB03, ZH03], ids=["en", "zh"])
def test_every_roofline_reading_is_what_the_printed_numbers_give(path):
    """Whatever the machine measured: each knee is the printed peak / bandwidth, each row's % of its
    roofs is its printed rate / min(intensity x bandwidth, peak), and the line under each row is
    the reading the notebook's rules give for the printed numbers, in the notebook's language."""
    measured = cell_output(path, "def copy_rate(")
    bw_memory, bw_cache = (_numbers(re.search(rf"{w} .*GB/s", measured)[0])[-1]
                           for w in ("main memory", "a cache"))
    peak = _numbers(re.search(r"peak \(the faster\): .*", measured)[0])[-1]
    rates = [_numbers(line)[-1] for line in re.findall(r"matrix product \d+ x \d+: .*", measured)]
    assert len(rates) == 2 and peak == max(rates)
    assert re.search(r"threads: \d+", measured) and re.search(r"caches: \S", measured)
    knees_line, _, *lines = cell_output(path, "roof_reading(per_byte").splitlines()  # knees, header, rows
    knees = _numbers(knees_line)
    assert knees_line.startswith("knees (peak / bandwidth)")  # printed after the markdown defines the knee
    for knee, bandwidth in zip(knees, (bw_memory, bw_cache)):  # from numbers printed to 0.1
        assert knee == pytest.approx(peak / bandwidth, rel=0.05 / bandwidth + 0.05 / peak, abs=0.06)
    set_language("zh" if path == ZH03 else "en")
    try:
        for row, reading in zip(lines[::2], lines[1::2]):
            _, intensity, rate, memory, cache = _numbers(row[18:])  # after the 18-wide layer name
            for percent, bandwidth in ((memory, bw_memory), (cache, bw_cache)):
                roof = min(intensity * bandwidth, peak)  # printed rate and percent rounded to 0.1
                assert percent == pytest.approx(100 * rate / roof, rel=0.06, abs=5 / roof + 0.05), row
            assert row.count("(peak)") == sum(intensity * bw >= peak for bw in (bw_memory, bw_cache)), row
            left = intensity < knees[0]  # every rule the notebook states that the printed numbers meet
            rules = [r for r, met in (("above_peak", rate > 1.1 * peak),
                                      ("above_roof", left and memory > 100),
                                      ("at_peak", not left and peak < rate <= 1.1 * peak),
                                      ("far_below", memory < 25)) if met] or ["under"]
            said = t("03.roof.left" if left else "03.roof.right", knee=knees[0])
            for rule in rules:
                said = t("03.roof.reading", side=said, rule=t(f"03.roof.{rule}"))
            assert reading.strip() == said, row
    finally:
        set_language("en")
    assert len(lines) == 10


@pytest.mark.parametrize("path", [NB03, ZH03], ids=["en", "zh"])
def test_the_printed_range_of_rates_is_its_rows_and_the_summary_points_to_it(path):
    printed = cell_output(path, "rates from")
    lo, hi = re.search(r"rates from ([\d.]+) to ([\d.]+) GMAC/s", printed).groups()
    rates = [float(line.split()[-2]) for line in printed.splitlines() if line.endswith(" GMAC/s")
             and not line.startswith("rates")]
    assert (float(lo), float(hi)) == (min(rates), max(rates)) and len(rates) == 5
    said = ("prints the range of rates on the machine that runs it" if path == NB03
            else "打印出运行它的机器上的速度范围")
    summary = " ".join(markdown(path).split())
    assert said in summary and f"{lo} to {hi}" not in summary  # the summary quotes no machine's timings


def test_every_timed_cell_is_left_out_of_nbvals_comparison_and_the_marker_is_explained_first():
    timed = [s for s in code_sources(NB03) if "perf_counter" in s or "gmacs[" in s or "bw_memory" in s]
    assert len(timed) == 3 and all(s.startswith("# NBVAL_IGNORE_OUTPUT\n") for s in timed)
    untimed = [s for s in code_sources(NB03) if s not in timed]
    assert not any("NBVAL_IGNORE_OUTPUT" in s for s in untimed)
    text = markdown(NB03)
    assert "`# NBVAL_IGNORE_OUTPUT`" in text and "not compared" in text
    sources = [(c["cell_type"], "".join(c["source"])) for c in cells(NB03)]
    first_use = next(i for i, (kind, s) in enumerate(sources) if kind == "code" and "NBVAL_IGNORE" in s)
    explained = next(i for i, (kind, s) in enumerate(sources) if kind == "markdown" and "NBVAL_IGNORE" in s)
    assert explained == first_use - 1  # in the markdown cell just before the first timing cell


def test_gmac_per_second_is_defined_where_it_first_appears_and_before_the_timings():
    sources = ["".join(c["source"]) for c in cells(NB03)]
    assert "GMAC/s (billions of MACs per\n  second)" in next(s for s in sources if "GMAC/s" in s)
    timed = next(i for i, s in enumerate(sources) if "GMAC/s" in s and "perf_counter" in s)
    defined = next(i for i, s in enumerate(sources) if "**GMAC/s**" in s)
    assert defined < timed and "MACs divided by its time in seconds, in billions" in sources[defined]


def test_no_claim_that_a_machine_s_timings_decide_and_the_mac_fact_of_01_and_04_is_not_asked_again():
    for path in (NB03, ZH03):
        text = markdown(path)
        assert "waits on memory" not in text and "等内存" not in text
        assert "cache line" not in text and "memory line" not in text and "outrun the arithmetic" not in text
        assert "machine to machine" not in text and "因机器而异" not in text
        assert "4x the MACs" not in text and "4 倍" not in text


def test_03_4_is_true_whatever_the_machine_measured(capsys):
    """The question is about what a measurement above the main-memory roof shows, not about which
    layer is slow on the committed machine; its solution's number is a count."""
    assert (EXERCISES["03.4"].answer, EXERCISES["03.4"].kind) == ("c", "why")
    exercise("03.4").solution()
    assert "moves 4.2 MB at batch 8" in capsys.readouterr().out
    set_language("zh")
    try:
        exercise("03.4").solution()
        assert "搬运 4.2 MB" in capsys.readouterr().out
    finally:
        set_language("en")


@pytest.mark.parametrize("path", [NB03], ids=lambda p: p.name)
def test_exercises_of_every_kind_and_predictions_before_measurements(path):
    sources = code_sources(path)
    keys = [k for src in sources for k in re.findall(r'exercise\("([^"]+)"\)', src)]
    assert len(keys) >= 4 and len(set(keys)) == len(keys)
    assert {"predict", "experiment", "why"} <= {EXERCISES[k].kind for k in keys}
    for key in (k for k in keys if EXERCISES[k].kind == "predict"):
        start = next(i for i, s in enumerate(sources) if f'exercise("{key}")' in s)
        predict = next(i for i, s in enumerate(sources) if i > start and "ex.predict(" in s)
        reveal = next(i for i, s in enumerate(sources) if i > start and "ex.reveal(" in s)
        assert start < predict < reveal, f"{path.name} {key}: predict before the measuring cell"


def test_the_output_size_formula_is_taught_before_exercise_03_2():
    sources = ["".join(c["source"]) for c in cells(NB03)]
    formula = next(i for i, s in enumerate(sources) if r"\text{size} + 2P - k" in s)
    question = next(i for i, s in enumerate(sources) if 'exercise("03.2")' in s)
    assert formula < question and "formula above" in exercise("03.2").text("question")


@pytest.mark.parametrize("path", [NB03], ids=lambda p: p.name)
def test_check_your_understanding_then_instructor_answers(path):
    assert_check_your_understanding(path)


@pytest.mark.parametrize("key", ["03.4", "03.5"])
def test_no_choice_option_or_its_reason_is_stated_before_the_question(key):
    """The markdown before a multiple-choice question states none of its options, and 03.5's reason
    (weights read once per batch) is left to its solution."""
    sources = [(c["cell_type"], " ".join("".join(c["source"]).split())) for c in cells(NB03)]
    asked = next(i for i, (kind, s) in enumerate(sources) if kind == "code" and f'exercise("{key}")' in s)
    before = " ".join(s for kind, s in sources[:asked] if kind == "markdown").lower()
    for letter in "abcd":
        assert exercise(key).text(f"option.{letter}").rstrip(".").lower() not in before, (key, letter)
    assert "read once per batch" not in before and "came from the caches" not in before
