"""The live backend interface: what a streaming service does for a channel.

Two implementations fit it: ``local`` (our RTMP ingest and ffmpeg packager, live/ingest/ and
live/packaging/) and Amazon IVS (a channel and stream key provisioned per channel, an
EventBridge/``GetStream`` view of the stream's state, recordings written to S3). The services
call these methods; which process does the work behind them is the backend's business.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from live.models import Channel, LiveSession


@dataclass(frozen=True)
class Provisioned:
    """What a backend created for a new channel."""

    stream_key: str
    ingest_url: str
    backend_ref: str = ""  # the service's own id (an IVS channel ARN); empty for local
    data: dict[str, Any] = field(default_factory=dict)  # anything else it created


class LiveBackend(ABC):
    """Provision channels and keys, end sessions, say where to publish and to watch."""

    name: str
    # True when provision() calls a remote service: the channel row is committed first and
    # provisioned outside the transaction (live/services.py channel_provision), possibly
    # after an operator's approval.
    remote: bool = False

    @abstractmethod
    def provision(self, *, channel_id: str) -> Provisioned:
        """Create whatever the service needs for a new channel and return its first key."""

    @abstractmethod
    def rotate_key(self, channel: Channel) -> str:
        """Return a new stream key; the caller stores it and the old one stops working."""

    @abstractmethod
    def key_rotated(self, channel: Channel) -> None:
        """Cut off a publisher still using the old key (called after the rotation commits)."""

    @abstractmethod
    def end_session(self, session: LiveSession, *, reason: str) -> None:
        """Stop the live session now (called after the end is committed)."""

    @abstractmethod
    def ingest_url(self, channel: Channel) -> str:
        """Return the URL encoders publish to, without the key."""

    @abstractmethod
    def deprovision(self, channel: Channel) -> None:
        """Delete what ``provision`` created (the channel is being deleted)."""
