"""Chinese for the explorers' labels and texts (convmixer_lab/widgets.py), keyed by the English text."""

ZH: dict[str, str] = {
}
