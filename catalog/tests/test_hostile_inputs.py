"""Playlists and scripts disguised as videos: nothing they name outside the upload is read.

Each file names a real clip and a private one elsewhere on disk. Were PyAV or ffmpeg to
follow the names, the upload would "work" (the clips are real media) and the watch below
would see them opened; both the probe and every ffmpeg run must refuse such a file first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from accounts.models import User
from catalog.models import Video
from catalog.tests.conftest import create_video, run_transcode
from catalog.tests.opened import OpenWatch
from catalog.transcoding.backends.base import TranscodeError
from catalog.transcoding.backends.ffmpeg import FFmpegTranscoder
from catalog.transcoding.probe import ProbeError, probe

pytestmark = pytest.mark.media

NOT_MEDIA = "This file is not a video or audio file that can be played."

DASH = """<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT2S"
     profiles="urn:mpeg:dash:profile:isoff-on-demand:2011" minBufferTime="PT1S">
  <Period>
    <AdaptationSet mimeType="video/mp4">
      <Representation id="1" bandwidth="100000" width="640" height="360" codecs="avc1.64001e">
        <BaseURL>{clip}</BaseURL>
      </Representation>
    </AdaptationSet>
    <AdaptationSet mimeType="video/mp4">
      <Representation id="2" bandwidth="100000" width="640" height="360" codecs="avc1.64001e">
        <BaseURL>{secret}</BaseURL>
      </Representation>
    </AdaptationSet>
  </Period>
</MPD>
"""
HLS = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:2
#EXT-X-PLAYLIST-TYPE:VOD
#EXTINF:2.0,
{clip}
#EXTINF:2.0,
{secret}
#EXT-X-ENDLIST
"""
# ffmpeg's concat script: found by its content whatever the name; paths relative to it.
CONCAT = "ffconcat version 1.0\nfile clips/clip.mp4\nfile private/secret.mp4\n"
MANIFESTS = {"dash": DASH, "hls": HLS, "concat": CONCAT}


class Hostile:
    """A manifest in ``tmp_path`` naming ``clip`` and ``secret``, real clips outside it."""

    def __init__(self, root: Path, clip: Path) -> None:
        self.clip = root / "clips" / "clip.mp4"
        self.secret = root / "private" / "secret.mp4"
        for path in (self.clip, self.secret):
            path.parent.mkdir()
            shutil.copyfile(clip, path)
        self.root = root

    def write(self, kind: str, name: str = "upload.mp4") -> Path:
        path = self.root / name
        path.write_text(MANIFESTS[kind].format(clip=self.clip, secret=self.secret))
        return path

    def watch(self) -> OpenWatch:
        return OpenWatch(self.clip, self.secret)


@pytest.fixture
def hostile(tmp_path: Path, clip: Path) -> Hostile:
    return Hostile(tmp_path, clip)


def test_the_named_clips_are_real_media(hostile: Hostile) -> None:
    """The control: were they read, they would make a playable video (and the watch sees it)."""
    with hostile.watch() as watch:
        assert probe(hostile.clip).width == 640
        assert watch.opened() == {hostile.clip}


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("dash", "upload.mp4"),
        ("hls", "upload.mp4"),
        ("hls", "upload.m3u8"),  # under its own name PyAV would take it for HLS
        ("concat", "upload.mp4"),
    ],
)
def test_the_probe_refuses_a_manifest_without_reading_what_it_names(
    hostile: Hostile, kind: str, name: str
) -> None:
    manifest = hostile.write(kind, name)
    with hostile.watch() as watch:
        with pytest.raises(ProbeError) as caught:
            probe(manifest)
        assert str(caught.value) == NOT_MEDIA
        assert watch.opened() == set()


@pytest.mark.parametrize("kind", ["dash", "concat"])
def test_ffmpeg_reads_the_source_only_as_the_format_the_probe_found(
    hostile: Hostile, tmp_path: Path, kind: str
) -> None:
    """ffmpeg's build reads DASH where PyAV's does not: the probe's verdict must bind it."""
    info = probe(hostile.clip)  # what the probe said of an MP4 ...
    manifest = hostile.write(kind)  # ... and what ffmpeg is then handed
    with hostile.watch() as watch:
        with pytest.raises(TranscodeError):
            FFmpegTranscoder().transcode(
                source=manifest, info=info, out_dir=tmp_path / "out", on_progress=lambda _: None
            )
        assert watch.opened() == set()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["dash", "hls"])
def test_an_uploaded_manifest_fails_as_not_a_video(user: User, hostile: Hostile, kind: str) -> None:
    video = create_video(user, hostile.write(kind))
    with hostile.watch() as watch:
        video = run_transcode(video)
        assert watch.opened() == set()
    assert video.status == Video.Status.FAILED
    assert video.error == NOT_MEDIA
