"""``python -m convmixer_lab.train ...``: the trainer's command line (``train/cli.py``)."""
import sys

from convmixer_lab.train.cli import main

sys.exit(main())
