"""The ladder decision: rungs by the short side, never upscaled, even sizes, aspect kept."""

from __future__ import annotations

import pytest

from catalog.transcoding.ladder import (
    Rung,
    for_frame_rate,
    output_fps,
    plan_ladder,
)


def sizes(rungs: list[Rung]) -> list[tuple[int, int]]:
    return [(r.width, r.height) for r in rungs]


def test_landscape_1080p_gets_every_rung() -> None:
    assert sizes(plan_ladder(1920, 1080)) == [
        (1920, 1080), (1280, 720), (852, 480), (640, 360), (426, 240),
    ]  # fmt: skip


def test_portrait_uses_the_width_as_the_short_side() -> None:
    assert sizes(plan_ladder(1080, 1920)) == [
        (1080, 1920), (720, 1280), (480, 852), (360, 640), (240, 426),
    ]  # fmt: skip


def test_the_standard_test_clip_gets_360_and_240() -> None:
    rungs = plan_ladder(640, 360)
    assert sizes(rungs) == [(640, 360), (426, 240)]
    assert [r.name for r in rungs] == ["360p", "240p"]


def test_tiny_source_keeps_its_own_size_as_the_only_rung() -> None:
    assert sizes(plan_ladder(320, 180)) == [(320, 180)]


def test_tiny_odd_source_is_rounded_down_to_even() -> None:
    assert sizes(plan_ladder(321, 181)) == [(320, 180)]


def test_odd_sizes_give_even_dimensions_and_never_upscale() -> None:
    for width, height in [(1281, 721), (1918, 1078), (999, 555), (853, 479), (3840, 1607)]:
        rungs = plan_ladder(width, height)
        assert rungs, (width, height)
        for rung in rungs:
            assert rung.width % 2 == 0 and rung.height % 2 == 0
            assert rung.width <= width and rung.height <= height
    # 1078 is below 1080: the top rung is 720, not an upscaled 1080.
    assert plan_ladder(1918, 1078)[0].height == 720


def test_four_by_three_keeps_its_aspect() -> None:
    assert sizes(plan_ladder(640, 480)) == [(640, 480), (480, 360), (320, 240)]
    for rung in plan_ladder(1440, 1080):
        assert rung.width / rung.height == pytest.approx(4 / 3, rel=0.01)


def test_sizes_between_rungs_take_every_rung_below() -> None:
    assert [r.height for r in plan_ladder(1280, 540)] == [480, 360, 240]


def test_custom_heights_and_bitrates_fall_with_size() -> None:
    rungs = plan_ladder(1920, 1080, heights=(1080, 720, 480, 360))
    assert [r.height for r in rungs] == [1080, 720, 480, 360]
    rates = [r.video_bitrate for r in rungs]
    assert rates == sorted(rates, reverse=True)
    for rung in rungs:
        assert rung.video_bitrate < rung.maxrate < rung.bufsize


def test_a_rung_is_always_there_for_any_positive_size() -> None:
    assert len(plan_ladder(16, 16)) == 1
    assert sizes(plan_ladder(17, 9000)) == [(16, 9000)]


def test_an_impossible_size_is_refused() -> None:
    with pytest.raises(ValueError):
        plan_ladder(0, 0)


def test_audio_only_has_no_video_rungs() -> None:
    # Audio-only input is not planned here: it gets one AAC rendition (see test_command).
    with pytest.raises(ValueError):
        plan_ladder(0, 480)


def test_bits_follow_the_frame_rate_within_bounds() -> None:
    rungs = plan_ladder(1280, 720)
    assert for_frame_rate(rungs, 25) == for_frame_rate(rungs, 30) == rungs
    for fast, usual in zip(for_frame_rate(rungs, 60), rungs, strict=True):
        # More frames need more bits, but far fewer than twice: they are alike.
        assert usual.video_bitrate < fast.video_bitrate < 2 * usual.video_bitrate
        assert fast.video_bitrate < fast.maxrate < fast.bufsize
    # A still picture (a podcast's cover) gets a small budget, never none.
    still = for_frame_rate(rungs, 0.5)
    assert all(0 < s.video_bitrate < u.video_bitrate / 2 for s, u in zip(still, rungs, strict=True))
    assert all(s.video_bitrate < s.maxrate < s.bufsize for s in still)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (30.0, 30.0),
        (29.97, 30000 / 1001),
        (29.87, 30000 / 1001),  # a phone's variable rate averages near 30
        (60.0, 60.0),
        (120.0, 60.0),  # capped at 60
        (240.0, 60.0),
        (25.0, 25.0),
        (17.3, 17.3),
        (0.0, 30.0),  # unknown
        (0.2, 1.0),
    ],
)
def test_output_frame_rate(source: float, expected: float) -> None:
    assert output_fps(source) == pytest.approx(expected, rel=1e-6)
