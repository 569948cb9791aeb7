"""The one error the RTMP layer raises on bytes it will not accept."""

from __future__ import annotations


class ProtocolError(Exception):
    """The peer sent something malformed or over a limit; the connection must be closed.

    The message is a short reason fit for a log line: it never quotes the peer's bytes (a
    stream key may be among them).
    """
