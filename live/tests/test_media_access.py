"""A live session's files: anyone may fetch them while live, then as its replay allows."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from catalog import storage
from catalog.models import Video
from live.models import Channel, LiveSession


def session_file(channel: Channel, **fields: object) -> tuple[LiveSession, str]:
    session = LiveSession.objects.create(channel=channel, **fields)
    name = f"live/{channel.pk}/{session.pk}/360p_r1-ab12cd_00001.m4s"
    storage.overwrite(name, b"segment")
    return session, name


def end(session: LiveSession, replay: Video | None = None) -> None:
    LiveSession.objects.filter(pk=session.pk).update(
        status=LiveSession.Status.ENDED, ended=timezone.now(), replay=replay
    )


def test_live_files_are_public_while_the_session_is_live(client: Client, channel: Channel) -> None:
    _, name = session_file(channel)
    assert client.get(f"/media/{name}").status_code == 200


@pytest.mark.parametrize("visibility", ["public", "unlisted"])
def test_after_the_end_they_follow_a_visible_replay(
    client: Client, channel: Channel, visibility: str
) -> None:
    session, name = session_file(channel)
    end(session, Video.objects.create(owner=channel.owner, title="r", visibility=visibility))
    assert client.get(f"/media/{name}").status_code == 200


def test_a_private_replay_is_for_its_owner_only(
    bob: Client, alice: Client, channel: Channel
) -> None:
    session, name = session_file(channel)
    private = Video.objects.create(owner=channel.owner, title="r", visibility="private")
    end(session, private)
    assert Client().get(f"/media/{name}").status_code == 404
    assert bob.get(f"/media/{name}").status_code == 404
    response = alice.get(f"/media/{name}")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]


def test_files_of_a_session_without_replay_or_of_no_session_are_not_served(
    client: Client, channel: Channel
) -> None:
    session, name = session_file(channel)
    end(session)
    assert client.get(f"/media/{name}").status_code == 404
    stray = f"live/{channel.pk}/nosuchsession/x.m4s"
    storage.overwrite(stray, b"x")
    assert client.get(f"/media/{stray}").status_code == 404
    other = f"live/otherchannel/{session.pk}/x.m4s"
    storage.overwrite(other, b"x")
    assert client.get(f"/media/{other}").status_code == 404
