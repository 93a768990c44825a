"""``python -m convmixer_lab.nbgrader OUT``: runs ``convmixer_lab/tools/nbgrader.py``."""

from convmixer_lab.tools.nbgrader import main

if __name__ == "__main__":
    raise SystemExit(main())
