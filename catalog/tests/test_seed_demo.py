"""The seed_demo command run by `make run`."""

from __future__ import annotations

from io import StringIO

import av
import pytest
from django.core.management import call_command

from catalog.management.commands.seed_demo import DEMO_USERNAME, DEMOS
from catalog.models import TranscodeJob, Video
from catalog.music.demo import DEMO_TRACKS

pytestmark = [pytest.mark.django_db, pytest.mark.media]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--seconds", "1", *args, stdout=out)
    return out.getvalue()


def test_creates_the_demo_videos_and_queues_their_transcodes(
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        output = seed()

    videos = list(Video.objects.filter(owner__username=DEMO_USERNAME, kind=Video.Kind.UPLOAD))
    assert sorted(v.title for v in videos) == sorted(d.title for d in DEMOS)
    assert all(v.status == Video.Status.QUEUED for v in videos)
    assert all(v.visibility == Video.Visibility.PUBLIC for v in videos)
    assert TranscodeJob.objects.filter(video__in=videos).count() == len(DEMOS)
    # one transcode task per video and per music track, after commit
    assert len(callbacks) == len(DEMOS) + len(DEMO_TRACKS)
    assert output.count("demo video created") == len(DEMOS)
    assert not videos[0].owner.has_usable_password()  # nobody signs in as the demo user
    sizes = set()
    for video in videos:
        with video.source.open("rb") as fh, av.open(fh) as container:
            stream = container.streams.video[0]
            sizes.add((stream.width, stream.height))
            assert container.streams.audio, video.title
            assert 0.5 < float(container.duration or 0) / av.time_base < 2
    assert (1280, 720) in sizes
    assert (720, 1280) in sizes  # a portrait one, as phones film


def test_a_second_run_does_nothing() -> None:
    seed()
    ids = set(Video.objects.values_list("pk", flat=True))

    output = seed()

    assert set(Video.objects.values_list("pk", flat=True)) == ids
    assert f"{len(DEMOS)} already there" in output
    assert f"{len(DEMO_TRACKS)} already there" in output


def test_a_missing_demo_video_is_made_again() -> None:
    seed()
    Video.objects.filter(title=DEMOS[0].title).delete()

    output = seed()

    assert output.count("demo video created") == 1
    assert Video.objects.filter(owner__username=DEMO_USERNAME).count() == len(DEMOS) + len(
        DEMO_TRACKS
    )


def test_demo_music_is_drum_loops_at_several_tempi_tagged_as_tracks() -> None:
    seed()
    tracks = Video.objects.filter(owner__username=DEMO_USERNAME, kind=Video.Kind.TRACK)
    assert sorted(t.title for t in tracks) == sorted(d.title for d in DEMO_TRACKS)
    assert len({d.bpm for d in DEMO_TRACKS}) == len(DEMO_TRACKS)
    for track in tracks:
        with track.source.open("rb") as fh, av.open(fh) as container:
            assert container.metadata["artist"] == "Onair demo drums"
            assert not container.streams.video and container.streams.audio
