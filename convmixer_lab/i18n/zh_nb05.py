"""Chinese for notebook 05's exercises (convmixer_lab/exercises/nb05.py), keyed by the English text."""

ZH: dict[str, str] = {
}
