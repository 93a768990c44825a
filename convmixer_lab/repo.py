"""Where the repository checkout is (data/, notebooks/, student/) when the package is used from a clone."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
