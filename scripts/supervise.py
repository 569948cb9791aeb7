"""Run honcho (same arguments) so that the processes it starts die with it.

honcho forks one runner per Procfile process, and the runner starts the process. Killed
outright, honcho leaves its runners behind, and they keep their processes running. Here every
fork of honcho dies with it (launch.children_die_with_me), and the Procfile starts each
process through scripts/launch.py, which dies with its runner. Ctrl-C and SIGTERM work as
before: honcho stops its processes first, then exits.
"""

from __future__ import annotations

import sys

from launch import children_die_with_me  # scripts/ is on sys.path: this file lives there

if __name__ == "__main__":
    children_die_with_me()
    from honcho.command import main

    sys.exit(main())
