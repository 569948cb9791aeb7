"""Tempo accuracy on synthesised music, and the bounds of the analysis."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from catalog.music import analysis
from catalog.music.synth import SAMPLE_RATE, click_track, drum_loop
from catalog.music.tempo import Tempo, estimate, fold

pytestmark = pytest.mark.database_free

TEMPI = (90, 120, 128, 150, 174)


def near_octave(measured: float | None, true: float, within: float = 2.0) -> bool:
    """Tell whether ``measured`` is within ``within`` BPM of ``true``, its half or double."""
    return measured is not None and any(
        abs(measured - level) <= within for level in (true, true / 2, true * 2)
    )


@pytest.mark.parametrize("bpm", TEMPI)
@pytest.mark.parametrize("source", [drum_loop, click_track], ids=["drums", "clicks"])
def test_steady_music_is_measured_within_2_bpm(bpm: int, source) -> None:
    tempo = estimate(source(bpm, 12))
    assert near_octave(tempo.bpm, bpm), tempo
    assert tempo.confidence is not None and tempo.confidence >= 0.9


def test_fast_music_is_reported_at_a_consistent_level() -> None:
    """174 and 87 are the same music to a runner: both are reported in [80, 160)."""
    assert estimate(drum_loop(174, 20)).bpm == pytest.approx(87, abs=1)
    assert estimate(drum_loop(87, 20)).bpm == pytest.approx(87, abs=1)
    assert [fold(b) for b in (40, 79, 80, 159.9, 160, 340)] == [80, 158, 80, 159.9, 80, 85]


def test_a_tempo_change_gives_the_dominant_tempo_or_a_low_confidence() -> None:
    mostly_120 = estimate(drum_loop([(120, 30), (150, 10)], 40))
    assert near_octave(mostly_120.bpm, 120) or (mostly_120.confidence or 0) < 0.6, mostly_120
    halves = estimate(drum_loop([(120, 20), (150, 20)], 40))
    assert (halves.confidence or 0) < 0.75, halves


def test_noise_has_no_tempo_and_a_buried_beat_a_lower_confidence() -> None:
    noise = np.random.default_rng(0).uniform(-0.5, 0.5, 20 * SAMPLE_RATE).astype(np.float32)
    assert estimate(noise) == Tempo(None, None, "No steady beat was found in the track.")
    buried = estimate(drum_loop(120, 20) + noise * 0.9)
    assert near_octave(buried.bpm, 120), buried
    assert buried.confidence is not None and buried.confidence < 0.9


def test_silence_and_too_short_have_no_tempo_and_say_why() -> None:
    silent = estimate(np.zeros(10 * SAMPLE_RATE, dtype=np.float32))
    assert silent.bpm is None and "silent" in silent.note
    short = estimate(drum_loop(120, 3))
    assert short.bpm is None and "too short" in short.note


def test_the_analysis_is_stopped_at_its_time_bound(settings, tmp_path: Path) -> None:
    settings.MUSIC_TEMPO_TIMEOUT_SECONDS = 0  # below any real run: the first tick stops it
    pcm = tmp_path / "tempo.f32"
    drum_loop(120, 20).astype("<f4").tofile(pcm)
    beats: list[float | None] = []
    tempo = analysis.measure_tempo(pcm, tmp_path, beats.append)
    assert tempo.bpm is None and "longer than 0 s" in tempo.note
    assert beats  # the job's heartbeat kept going meanwhile


def test_a_crash_of_the_analysis_leaves_no_tempo(tmp_path: Path) -> None:
    pcm = tmp_path / "tempo.f32"
    pcm.mkdir()  # a folder, not samples: the child process fails to read it
    assert analysis.measure_tempo(pcm, tmp_path, lambda _p: None) == Tempo(
        None, None, analysis.TEMPO_FAILED
    )
