"""``python -m convmixer_lab.train ...``: the trainer's command line (``convmixer_lab/cli.py``)."""

import sys

from convmixer_lab.cli import main

sys.exit(main())
