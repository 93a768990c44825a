"""Tables that need words (notebooks 04 and 06): the formula modules' numbers as fixed-width text,
headings in the current language (``texts/tables.toml``), padded by display width (``texts.pad``)."""

from typing import Any

from convmixer_lab.compare import BUDGET, CONFIGS, count
from convmixer_lab.counting import Stage, check_rows, group_repeats
from convmixer_lab.spread import difference
from convmixer_lab.texts import pad, t


def format_table(rows: list[Stage], group: bool = True) -> str:
    """The stage table as fixed-width text; ``group``: identical consecutive layers share one row
    (``mixer_layers.0-19, each ... x 20``), the total still counting every layer."""
    rows = check_rows(rows)
    pairs = group_repeats(rows) if group else [(r, 1) for r in rows]
    lines = [pad(t("tables.stage"), 26) + pad(t("tables.output_shape"), 16, ">")
             + pad(t("tables.params"), 14, ">") + f"{'MACs':>16}"]
    for r, n in pairs:
        name = (t("tables.each", name=r.name) if n > 1 else t("tables.input") if r.name == "input"
                else r.name)
        shape = "x".join(str(s) for s in r.output_shape)
        repeat = f"  x {n}" if n > 1 else ""
        lines.append(pad(name, 26) + f"{shape:>16}{r.params:>14,}{r.macs:>16,}{repeat}")
    lines.append(pad(t("tables.total"), 26) + f"{'':>16}{sum(r.params for r in rows):>14,}"
                 f"{sum(r.macs for r in rows):>16,}")
    return "\n".join(lines)


def config_table(names: tuple[str, ...] | None = None) -> str:
    """``compare.CONFIGS`` as text: name, family, parameters (and % of the budget), MACs, settings."""
    lines = [pad(t("tables.name"), 20) + pad(t("tables.family"), 11) + pad(t("tables.params"), 9, ">")
             + pad(t("tables.budget"), 8, ">") + f"{'MACs':>12}  " + t("tables.config")]
    for name in names or tuple(CONFIGS):
        family, config = CONFIGS[name]
        c = count(family, config)
        shown = {k: v for k, v in config.items() if k not in ("num_classes", "in_channels", "image_size")}
        lines.append(f"{name:<20}{family:<11}{c['params']:>9,}{c['params'] / BUDGET:>8.1%}"
                     f"{c['macs']:>12,}  {shown}")
    return "\n".join(lines)


def format_differences(rows: list[dict[str, Any]], names: list[str], baseline: str,
                       metric: str = "test_accuracy", holm: list[float] | None = None) -> str:
    """``spread.difference(rows, name, baseline)`` for each of ``names``, a line each, in points (%);
    ``holm``: each line's Holm-adjusted p-value, added with whether it is below 0.05."""
    lines = []
    for i, name in enumerate(names):
        d = difference(rows, name, baseline, metric)
        line = t("tables.difference", name=pad(name, 18), baseline=baseline,
                 difference=f"{100 * d['difference']:+6.2f}", error=f"{100 * d['standard_error']:.2f}",
                 ratio=f"{d['ratio']:+6.1f}", p=f"{d['p']:.4f}",
                 overlap=t("tables.yes") if d["ranges_overlap"] else t("tables.no"))
        if holm is not None:
            clear = t("tables.yes") if holm[i] < 0.05 else t("tables.no")
            line += t("tables.holm", p=f"{holm[i]:.4f}", clear=clear)
        lines.append(line)
    return "\n".join(lines)


def format_summary(rows: list[dict[str, Any]]) -> str:
    """``spread.summarize``'s rows as text: accuracies in % (sample std, min-max range), seconds, epochs."""
    heads = [(t("tables.name"), 19), (t("tables.params"), 8), ("n", 3), (t("tables.test_mean"), 10),
             (t("tables.std"), 7), (t("tables.range"), 14), (t("tables.val_mean"), 9), (t("tables.std"), 7),
             (t("tables.epochs"), 7), (t("tables.seconds"), 8)]
    lines = ["".join(pad(head, width, "<" if i == 0 else ">") for i, (head, width) in enumerate(heads))]
    for r in rows:
        std = {m: "" if r[f"{m}_std"] is None else f"{100 * r[f'{m}_std']:.2f}"
               for m in ("test_accuracy", "val_accuracy")}
        span = f"{100 * r['test_accuracy_min']:.2f}-{100 * r['test_accuracy_max']:.2f}"
        lines.append(f"{r['name'] or r['family']:<19}{r['params']:>8,}{r['n']:>3}"
                     f"{100 * r['test_accuracy_mean']:>10.2f}{std['test_accuracy']:>7}{span:>14}"
                     f"{100 * r['val_accuracy_mean']:>9.2f}{std['val_accuracy']:>7}"
                     f"{r['epochs_mean']:>7.1f}{r['seconds_mean']:>8.1f}")
    return "\n".join(lines)
