"""When each segment reaches its live playlist, against the wall time its last frame was made.

The packaging's share of the latency: a segment can be listed only after its last frame has
been captured, so (time it is first listed) - (its program date time + its duration) is what
packaging and storage add. The playlists are read from the media folder (local storage) by
their modification time, a stat every few milliseconds: nothing goes through the web server,
whose load would otherwise change what is measured.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from pathlib import Path

POLL_SECONDS = 0.01


def segment_ends(playlist: str) -> dict[str, float]:
    """Return each segment's URI and the wall time its media ends, by its program date time."""
    ends: dict[str, float] = {}
    stamp = duration = None
    for line in playlist.splitlines():
        if line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            stamp = datetime.fromisoformat(line.partition(":")[2]).timestamp()
        elif line.startswith("#EXTINF:"):
            duration = float(line.partition(":")[2].split(",")[0])
        elif line and not line.startswith("#"):
            if stamp is not None and duration is not None:
                ends[line] = stamp + duration
            stamp = duration = None
    return ends


class EdgeWatcher:
    """Watch live playlists in a thread; ``stop()`` returns, by name, each new segment's
    delay in seconds from the end of its media to its first listing."""

    def __init__(self, playlists: dict[str, Path]) -> None:
        self.playlists = playlists
        self.delays: dict[str, list[float]] = {name: [] for name in playlists}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, list[float]]:
        self._stop.set()
        self._thread.join()
        return self.delays

    def _run(self) -> None:
        seen: dict[str, set[str]] = {name: set() for name in self.playlists}
        changed: dict[str, int] = {}
        while not self._stop.wait(POLL_SECONDS):
            for name, path in self.playlists.items():
                try:
                    mtime = path.stat().st_mtime_ns
                    if changed.get(name) == mtime:
                        continue
                    text = path.read_text()
                except FileNotFoundError:
                    continue
                now = time.time()
                ends = segment_ends(text)
                if changed.get(name) is not None:  # not the segments listed before we looked
                    self.delays[name] += [now - end for uri, end in ends.items()
                                          if uri not in seen[name]]  # fmt: skip
                seen[name].update(ends)
                changed[name] = mtime
