"""Instructor tools: student copies (``student``), re-running notebooks (``nbtools``) and the
Chinese twins (``twins``); each runs as ``python -m convmixer_lab.tools.NAME``."""
