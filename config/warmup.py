"""Work a server process does once at start rather than on its first request.

Apps register steps in their ``ready()`` (the chat loads its text classifier: ~1 s of
scikit-learn imports that would otherwise delay the first chat message by as much);
config/asgi.py runs them before it freezes what start-up loaded. Management commands and
tests never run them.
"""

from __future__ import annotations

from collections.abc import Callable

_steps: list[Callable[[], None]] = []


def register(step: Callable[[], None]) -> None:
    if step not in _steps:
        _steps.append(step)


def run() -> None:
    for step in _steps:
        step()
