"""The live ingest: an asyncio RTMP server that OBS and ffmpeg publish to.

Modules: ``amf0`` (command and metadata encoding), ``handshake``, ``chunks`` (the chunk
stream, with its caps), ``flv`` (RTMP media as the FLV bytes ffmpeg reads), ``stats``
(stream health), ``connection`` (one client's publish sequence) and ``server`` (accepting,
connection limits, and the interface the orchestration uses).

Why our own RTMP layer rather than pyrtmp (0.3.1, the one pure-Python asyncio RTMP server
on PyPI). It was evaluated on this machine, with ffmpeg 9.0.2 publishing to its example
server and hostile clients thrown at it:

- Correctness: ffmpeg's publish sequence goes through (a 5 s 640x360 stream arrived whole),
  but FCUnpublish is an "unknown message", Acknowledgements are never sent, and extended
  timestamps are wrong (an extended delta in a type 1 or 2 header is compared after being
  added to the previous timestamp; type 3 headers never read the extended field).
- Robustness: none of the caps the issue asks for. A truncated handshake and a silent
  ("half-open") socket were still held open after 15 s and 30 s: there is no timeout on
  any read. Set Chunk Size 0x7FFFFFFF was accepted, and a 1 MB message then taken in one
  chunk; a message declaring 16 MB had its body buffered without complaint; partial
  messages on many chunk stream ids pile up without bound. Random bytes end in an
  unhandled KeyError with a traceback in the log; validation is by ``assert``.
- Refusing a key: publish always answers NetStream.Publish.Start; an error status needs
  hand-built AMF in a subclass. Importing it also calls ``logging.basicConfig(DEBUG)``.
- Speed: it parses bit by bit through ``bitstring``; a 20 s 720p30 3.2 Mbit/s publish
  cost it 1.09 s of CPU (0.056 of a core) before any FLV was written, above the whole
  copy-only budget (0.05 core per channel).

So the RTMP layer is written here, small and strict: a sans-IO chunk reader (tested
without sockets, caps enforced on headers before bodies), timeouts on every read, and
only what publishing needs (no playback, no AMF3 beyond its AMF0 envelope, no RTMPE).
Measured the same way (20 s of 720p30 at 3.3 Mbit/s from ffmpeg, server process CPU):
0.024-0.035 of a core, of which a bare asyncio socket reader with no parsing at all takes
0.011-0.016 on this machine; the chunk parser with FLV conversion and stats runs at about
600 MB/s, a thousandth of a core for such a stream.
"""
