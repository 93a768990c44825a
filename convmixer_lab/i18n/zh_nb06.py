"""Chinese for notebook 06's exercises (convmixer_lab/exercises/nb06.py), keyed by the English text."""

ZH: dict[str, str] = {
}
