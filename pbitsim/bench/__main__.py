"""``python -m pbitsim.bench``: the side-by-side benchmark (same as ``pbitsim bench``)."""
import sys

from .cli import main

sys.exit(main())
