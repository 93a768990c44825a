"""Instructor tools: student copies (``student``), re-running notebooks (``nbtools``), the Chinese
twins (``twins``) and the course as nbgrader assignments (``nbgrader``); each runs as
``python -m convmixer_lab.tools.NAME``."""
