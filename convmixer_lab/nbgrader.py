"""``python -m convmixer_lab.nbgrader OUT``: the course as an nbgrader course, the command issue 18 names.
The tool lives with the other instructor tools, in ``convmixer_lab/tools/nbgrader.py``."""

import sys

from convmixer_lab.tools.nbgrader import main

if __name__ == "__main__":
    sys.exit(main())
