"""Chinese for notebook 02's exercises (convmixer_lab/exercises/nb02.py), keyed by the English text."""

ZH: dict[str, str] = {
}
