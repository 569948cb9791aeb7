"""Tags in every supported audio format, and loudness as EBU R128 measures it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from catalog.music import analysis
from catalog.music.synth import wav_bytes
from catalog.tests.music_helpers import make_song
from catalog.transcoding.backends.ffmpeg import ffmpeg_exe
from catalog.transcoding.probe import probe
from conftest import FFMPEG

pytestmark = pytest.mark.database_free


@pytest.mark.parametrize("suffix", [".mp3", ".m4a", ".flac", ".ogg", ".opus"])
def test_tags_are_read_from_id3_mp4_and_vorbis_comments(clip_dir: Path, suffix: str) -> None:
    song = make_song(
        clip_dir / f"tagged{suffix}", 120, seconds=2, title="Tëmpo Run", artist="A", album="B"
    )
    assert analysis.read_tags(song) == {"title": "Tëmpo Run", "artist": "A", "album": "B"}


def test_untagged_and_unreadable_files_have_no_tags(clip_dir: Path, tmp_path: Path) -> None:
    assert analysis.read_tags(make_song(clip_dir / "untagged.wav", 120, seconds=2)) == {}
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"not audio at all" * 10)
    assert analysis.read_tags(junk) == {}


def tone(path: Path, amplitude: float) -> Path:
    t = np.arange(10 * 22050) / 22050
    path.write_bytes(wav_bytes((amplitude * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)))
    return path


def test_loudness_follows_the_level_and_the_tempo_excerpt_is_written(tmp_path: Path) -> None:
    measured = []
    for amplitude in (0.5, 0.25):
        source = tone(tmp_path / f"tone-{amplitude}.wav", amplitude)
        pcm = tmp_path / "tempo.f32"
        loudness = analysis.loudness_and_pcm(
            ffmpeg=ffmpeg_exe(), source=source, info=probe(source), pcm=pcm,
            log_path=tmp_path / "loudness.log", on_progress=lambda _p: None,
        )  # fmt: skip
        assert loudness is not None
        measured.append(loudness)
        # 10 s from 1 s in (a tenth of the length): 9 s of mono float32 at 22 050 Hz
        assert pcm.stat().st_size == pytest.approx(9 * 22050 * 4, rel=0.01)
    assert measured[0] - measured[1] == pytest.approx(6.0, abs=0.3)  # half the amplitude: −6 dB
    assert -20 < measured[0] < -5


def test_silence_has_no_loudness(tmp_path: Path) -> None:
    source = tmp_path / "silence.wav"
    subprocess.run(
        [FFMPEG, "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono", "-t", "3",
         "-c:a", "pcm_s16le", str(source)],
        check=True,
    )  # fmt: skip
    loudness = analysis.loudness_and_pcm(
        ffmpeg=ffmpeg_exe(), source=source, info=probe(source), pcm=tmp_path / "t.f32",
        log_path=tmp_path / "loudness.log", on_progress=lambda _p: None,
    )  # fmt: skip
    assert loudness is None
