"""Instructor tools, each run as ``python -m convmixer_lab.tools.NAME``: student, nbtools, twins, nbgrader."""
