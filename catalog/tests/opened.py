"""Tell which files any process opened while a test ran, through Linux inotify.

strace is not available here, and a file's access time is not reliable (``relatime``);
inotify reports every open of a watched file, by any process, as it happens. Python has no
inotify in its standard library and the few calls needed do not justify a dependency.
"""

from __future__ import annotations

import ctypes
import os
import struct
from pathlib import Path
from types import TracebackType

IN_ACCESS = 0x001
IN_OPEN = 0x020
EVENT = struct.Struct("iIII")  # wd, mask, cookie, len (then len bytes of name)


class OpenWatch:
    """Watch files for opens and reads: ``with OpenWatch(a, b) as watch: ...; watch.opened()``."""

    def __init__(self, *paths: Path) -> None:
        self._libc = ctypes.CDLL("libc.so.6", use_errno=True)
        self._fd = self._libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self._fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        self._paths: dict[int, Path] = {}
        for path in paths:
            wd = self._libc.inotify_add_watch(self._fd, os.fsencode(path), IN_OPEN | IN_ACCESS)
            if wd < 0:
                raise OSError(ctypes.get_errno(), f"cannot watch {path}")
            self._paths[wd] = path

    def opened(self) -> set[Path]:
        """Return the watched files opened or read since the watch began (or last asked)."""
        seen: set[Path] = set()
        while True:
            try:
                data = os.read(self._fd, 64 * 1024)
            except BlockingIOError:
                return seen
            offset = 0
            while offset < len(data):
                wd, _mask, _cookie, length = EVENT.unpack_from(data, offset)
                offset += EVENT.size + length
                if wd in self._paths:
                    seen.add(self._paths[wd])

    def __enter__(self) -> OpenWatch:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        os.close(self._fd)
