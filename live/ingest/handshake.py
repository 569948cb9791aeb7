"""The RTMP handshake, server side: C0+C1 in, S0+S1+S2 out, C2 in.

This is the plain handshake (RTMP 1.0 specification, section 5.2): S1 carries zero version
bytes, which tells ffmpeg and librtmp (OBS) not to expect the Flash Player 9 digest, and
publishing clients validate nothing in S1 or S2 beyond their sizes.
"""

from __future__ import annotations

import asyncio
import os
import struct

from .errors import ProtocolError

VERSION = 3
PACKET_BYTES = 1536  # C1, C2, S1 and S2 are each this long
C0C1_BYTES = 1 + PACKET_BYTES
C2_BYTES = PACKET_BYTES

_TIMES = struct.Struct(">II")


def reply(c0c1: bytes, *, uptime_ms: int) -> bytes:
    """Return S0+S1+S2 for the client's C0+C1; raise ProtocolError if it is not RTMP 3."""
    if len(c0c1) != C0C1_BYTES:
        raise ProtocolError("handshake cut short")
    if c0c1[0] != VERSION:
        # 6 is RTMPE (encrypted), anything else is not RTMP at all: both refused.
        raise ProtocolError("not an RTMP version 3 handshake")
    c1 = c0c1[1:]
    s1 = _TIMES.pack(uptime_ms & 0xFFFFFFFF, 0) + os.urandom(PACKET_BYTES - _TIMES.size)
    # S2 echoes C1: its time, the time we read it, and its random bytes.
    s2 = c1[:4] + struct.pack(">I", uptime_ms & 0xFFFFFFFF) + c1[8:]
    return bytes((VERSION,)) + s1 + s2


async def accept(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, uptime_ms: int
) -> None:
    """Run the server side of the handshake (the caller bounds it with a timeout)."""
    c0 = await reader.readexactly(1)
    if c0[0] != VERSION:  # refuse garbage at its first byte, before waiting for more
        raise ProtocolError("not an RTMP version 3 handshake")
    c1 = await reader.readexactly(PACKET_BYTES)
    writer.write(reply(c0 + c1, uptime_ms=uptime_ms))
    await writer.drain()
    await reader.readexactly(C2_BYTES)
