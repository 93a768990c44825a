"""Statistics of runs repeated over seeds (notebook 06).

    rows = summarize(records)                 # per configuration: mean, sample std, sem, range
    difference(rows, "convmixer", "vit")      # {"difference", "standard_error", "ratio", "df", "t", "p", ...}
    holm([0.01, 0.04, 0.03, 0.005])           # [0.03, 0.06, 0.06, 0.02]: Holm-adjusted p-values
    prediction_interval([0.90, 0.91, 0.93])   # (low, high) for one new seed, 95% by default
    t_quantile(0.975, 2)                      # 4.3027: Student's t, no SciPy needed

n runs that differ only in their seed scatter by about s (the sample std); their mean is uncertain by
s / sqrt(n) (the standard error). A difference of two means is clear past t = t_quantile(0.975, df)
standard errors (4.30 to 2.78 with 3 seeds each; 1.96 only for many runs).
"""

import json
import math
import statistics
from functools import lru_cache
from typing import Any

from convmixer_lab.checks import check_choice, check_int, check_number

METRICS = ("val_accuracy", "test_accuracy", "seconds", "epochs")


def t_cdf(x: float, df: int, n: int = 4000) -> float:
    """P(T <= x) for Student's t with ``df`` degrees of freedom, x >= 0 (its density integrated from 0
    with Simpson's rule on ``n`` intervals)."""
    x, df = check_number("x", x, minimum=0), check_int("df", df, minimum=1)
    scale = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    ys = [scale * (1 + (x * i / n) ** 2 / df) ** (-(df + 1) / 2) for i in range(n + 1)]
    return 0.5 + x / (3 * n) * (ys[0] + ys[-1] + 4 * sum(ys[1:-1:2]) + 2 * sum(ys[2:-1:2]))


@lru_cache(maxsize=64)
def t_quantile(p: float, df: int) -> float:
    """The ``p`` quantile of Student's t distribution with ``df`` degrees of freedom (bisection on
    ``t_cdf``; |error| < 1e-6 for p in [0.5, 0.999], df >= 1)."""
    p = check_number("p", p, minimum=0.5, maximum=0.999)
    df = check_int("df", df, minimum=1)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2
    for _ in range(50):
        mid = (low + high) / 2
        low, high = (mid, high) if t_cdf(mid, df) < p else (low, mid)
    return (low + high) / 2


def holm(p_values: list[float]) -> list[float]:
    """Holm's correction of m tests made together: the smallest p-value times m, the next times m - 1, ...,
    each at least the one before (at most 1), in the input's order; all together err < 5% below 0.05."""
    if not p_values or any(not 0 <= p <= 1 for p in p_values):
        raise ValueError(f"p_values must be a non-empty list of numbers in 0..1, got {p_values!r}")
    m, adjusted, running = len(p_values), [0.0] * len(p_values), 0.0
    for rank, i in enumerate(sorted(range(m), key=lambda i: p_values[i])):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def prediction_interval(values: list[float], level: float = 0.95) -> tuple[float, float]:
    """Where ONE new seed's run lands with probability ``level`` (normal scatter, s the sample std):
    mean +- t((1 + level) / 2, n - 1) * s * sqrt(1 + 1/n)."""
    if len(values) < 2:
        raise ValueError(f"a prediction interval needs at least 2 values, got {len(values)}")
    mean, s, n = statistics.fmean(values), statistics.stdev(values), len(values)
    half = t_quantile((1 + level) / 2, n - 1) * s * math.sqrt(1 + 1 / n)
    return mean - half, mean + half


def summarize(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per configuration (by name, or family and config), in order of first appearance: name,
    family, config, params, macs, n, seeds, and each of ``METRICS``' mean, sample std, sem, min and max."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        key = r.get("name") or json.dumps([r["family"], r["config"]], sort_keys=True)
        groups.setdefault(key, []).append(r)
    rows = []
    for key, group in groups.items():
        first = group[0]
        if any(r["params"] != first["params"] or r["config"] != first["config"] for r in group):
            raise ValueError(f"records named {key!r} disagree on config or params; they are not one "
                             "configuration")
        row = dict(name=first.get("name"), family=first["family"], config=first["config"],
                   params=first["params"], macs=first["macs"], n=len(group), seeds=[r["seed"] for r in group])
        for metric in METRICS:
            values = [float(r[metric]) for r in group]
            std = statistics.stdev(values) if len(values) > 1 else None  # the sample std (None for one)
            row.update({f"{metric}_mean": statistics.fmean(values), f"{metric}_std": std,
                        f"{metric}_sem": None if std is None else std / math.sqrt(len(values)),
                        f"{metric}_min": min(values), f"{metric}_max": max(values)})
        rows.append(row)
    return rows


def welch_df(sem_a: float, n_a: int, sem_b: float, n_b: int) -> int:
    """Welch-Satterthwaite degrees of freedom of a difference of two means, v = sem^2, rounded DOWN:
    (va + vb)^2 / (va^2 / (n_a - 1) + vb^2 / (n_b - 1)); with no spread at all, n_a + n_b - 2."""
    va, vb = sem_a**2, sem_b**2
    if va + vb == 0:
        return n_a + n_b - 2
    df = (va + vb) ** 2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1))
    return max(1, math.floor(df + 1e-9))


def difference(rows: list[dict[str, Any]], a: str, b: str, metric: str = "test_accuracy",
               level: float = 0.95) -> dict[str, Any]:
    """How far apart ``a`` and ``b`` (names in ``summarize``'s rows) are on ``metric``: the difference of
    the means, its standard error sqrt(sem_a^2 + sem_b^2), their ratio, ``df`` (``welch_df``), ``t`` =
    t_quantile((1 + level) / 2, df), ``clear`` (|ratio| > t: Welch's two-sided test, uncorrected), ``p``
    (how often seed noise alone makes a gap this large) and whether the min-max ranges overlap."""
    by_name = {r["name"]: r for r in rows}
    for name in (a, b):
        check_choice("name", name, by_name)
    ra, rb = by_name[a], by_name[b]
    sa, sb = ra[f"{metric}_sem"], rb[f"{metric}_sem"]
    if sa is None or sb is None:
        raise ValueError(f"{a!r} and {b!r} need at least 2 seeds each for a standard error")
    diff, se = ra[f"{metric}_mean"] - rb[f"{metric}_mean"], math.hypot(sa, sb)
    df = welch_df(sa, ra["n"], sb, rb["n"])
    t = t_quantile((1 + level) / 2, df)
    ratio = diff / se if se else math.copysign(math.inf, diff) if diff else 0.0
    overlap = ra[f"{metric}_min"] <= rb[f"{metric}_max"] and rb[f"{metric}_min"] <= ra[f"{metric}_max"]
    p = 0.0 if math.isinf(ratio) else max(0.0, 2 * (1 - t_cdf(abs(ratio), df)))
    return dict(a=a, b=b, metric=metric, difference=diff, standard_error=se, ratio=ratio, df=df, t=t,
                clear=abs(ratio) > t, p=p, ranges_overlap=overlap)
