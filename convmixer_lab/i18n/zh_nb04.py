"""Chinese for notebook 04's exercises (convmixer_lab/exercises/nb04.py), keyed by the English text."""

ZH: dict[str, str] = {
}
