"""The hub's fan-out in one process: one frame to every socket, slow readers cut off, bans."""

from __future__ import annotations

import pytest

from live.chat.hub import CLOSE_BANNED, CLOSE_SLOW, Hub, Room


class FakeSocket:
    """A socket as the hub sees it, with a queue of ``room`` frames at most."""

    def __init__(self, user_id: int | None = None, room: int = 10) -> None:
        self.user_id = user_id
        self.room = room
        self.frames: list[str] = []
        self.closed: tuple[int, str | None] | None = None

    def push(self, text: str) -> bool:
        if len(self.frames) >= self.room:
            return False
        self.frames.append(text)
        return True

    def finish(self, code: int, text: str | None = None) -> None:
        self.closed = (code, text)


def test_a_frame_reaches_every_socket_and_a_slow_one_is_disconnected() -> None:
    hub, room = Hub(), Room("c1")
    fast, slow = FakeSocket(), FakeSocket(room=2)
    room.sockets |= {fast, slow}
    for n in range(3):
        hub.deliver(room, f"frame {n}")
    assert fast.frames == ["frame 0", "frame 1", "frame 2"] and fast.closed is None
    assert slow.frames == ["frame 0", "frame 1"] and slow.closed == (CLOSE_SLOW, None)


def test_a_ban_closes_the_users_sockets_after_telling_them() -> None:
    hub, room = Hub(), Room("c1")
    bob, bobs_phone, carol = FakeSocket(7), FakeSocket(7), FakeSocket(8)
    room.sockets |= {bob, bobs_phone, carol}
    hub.deliver(room, '{"type":"ban","user":"bob"}', close_user=7)
    assert bob.closed == bobs_phone.closed == (CLOSE_BANNED, '{"type":"ban","user":"bob"}')
    assert carol.frames == ['{"type":"ban","user":"bob"}'] and carol.closed is None


@pytest.mark.anyio
async def test_a_site_ban_closes_the_users_sockets_in_every_room() -> None:
    hub = Hub()
    here, there = Room("c1"), Room("c2")
    bob_here, bob_there, carol = FakeSocket(7), FakeSocket(7), FakeSocket(8)
    here.sockets |= {bob_here, carol}
    there.sockets.add(bob_there)
    hub.rooms = {"c1": here, "c2": there}
    await hub._on_site_event({"type": "chat.site_ban", "user": 7, "frame": "banned"})
    assert bob_here.closed == bob_there.closed == (CLOSE_BANNED, "banned")
    assert carol.closed is None and carol.frames == []
