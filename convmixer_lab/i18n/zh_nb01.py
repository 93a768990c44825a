"""Chinese for notebook 01's exercises (convmixer_lab/exercises/nb01.py), keyed by the English text."""

ZH: dict[str, str] = {
}
