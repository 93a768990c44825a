"""Chinese for the machinery every notebook shares (exercise verdicts and prompts)."""

ZH: dict[str, str] = {}
