"""Chinese for notebook 03's exercises (convmixer_lab/exercises/nb03.py), keyed by the English text."""

ZH: dict[str, str] = {
}
