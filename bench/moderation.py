"""Benchmark: AI moderation's two hot paths on this CPU, beside the bare models as the floor.

The benchmark is ``_moderation_bench.py`` (its docstring says what it measures); this file
only gives it the name ``make bench NAME=moderation`` runs. It shares that name with the
moderation app, so mypy, which would take it for the app, skips it (pyproject.toml), and
the project goes first on sys.path so that ``import moderation`` finds the app.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _moderation_bench import main

if __name__ == "__main__":
    sys.exit(main())
