"""Where the repository checkout is: data/, notebooks/ and student/ are found from here when the
package is used from a clone (an installed copy is told where its data are instead)."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
