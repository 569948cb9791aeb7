"""The rekognition backend against real sockets: refused, unanswered and stalled connections."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from moderation.backends.base import ClassifierUnavailable
from moderation.backends.rekognition import RekognitionClassifier
from moderation.tests.aws.test_rekognition import png

pytestmark = [pytest.mark.database_free, pytest.mark.usefixtures("aws")]


def test_a_closed_port_is_unavailable_at_once() -> None:
    with socket.socket() as probe:  # bind then close: nothing listens on that port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    classifier = RekognitionClassifier(endpoint_url=f"http://127.0.0.1:{port}")
    started = time.monotonic()
    with pytest.raises(ClassifierUnavailable, match="Could not connect"):
        classifier.classify_text("hello")
    assert time.monotonic() - started < 5


@pytest.fixture
def silent_server() -> Iterator[tuple[str, list[socket.socket]]]:
    """A server that accepts connections and never answers; yields its URL and connections."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:  # closed at teardown
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", accepted
    server.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone does not
    server.close()
    thread.join(timeout=5)
    for connection in accepted:
        connection.close()


def test_a_silent_service_times_out_after_bounded_retries(
    settings: Any, silent_server: tuple[str, list[socket.socket]]
) -> None:
    settings.MODERATION_AWS_TEXT_TIMEOUT_MS = 200
    url, accepted = silent_server
    classifier = RekognitionClassifier(endpoint_url=url)
    started = time.monotonic()
    with pytest.raises(ClassifierUnavailable, match="Read timeout"):
        classifier.classify_text("hello")
    elapsed = time.monotonic() - started
    assert len(accepted) == 2  # MODERATION_AWS_MAX_ATTEMPTS: the first try and one retry
    # Two 0.2 s reads and one back-off of at most 1 s: about 1.4 s, with slack for a busy box.
    assert 0.4 <= elapsed < 5


@pytest.fixture
def full_backlog() -> Iterator[str]:
    """A port whose accept queue is full: Linux drops new SYNs, so connecting times out."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    filler = socket.create_connection(server.getsockname())  # the queue's only place
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    filler.close()
    server.close()


def test_a_connect_timeout_leaves_the_picture_in_review(settings: Any, full_backlog: str) -> None:
    settings.MODERATION_AWS_IMAGE_TIMEOUT_MS = 200
    classifier = RekognitionClassifier(endpoint_url=full_backlog)
    started = time.monotonic()
    with pytest.raises(ClassifierUnavailable, match="Connect timeout"):
        classifier.classify_image(png())
    assert 0.4 <= time.monotonic() - started < 5  # two 0.2 s attempts, one back-off (≤ 1 s)
