"""SRT→WebVTT conversion, WebVTT validation and language tags."""

from __future__ import annotations

import pytest

from catalog import subtitles
from catalog.errors import InvalidSubtitle

SRT = (
    "1\r\n00:00:01,000 --> 00:00:02,500\r\nHello <i>there</i>\r\n\r\n"
    "2\r\n00:00:03,250 --> 00:00:04,000\r\nSecond line\r\nspans two lines\r\n"
)
VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello\n\nid-2\n00:03.000 --> 00:04.000\nBye\n"


def test_srt_becomes_webvtt_with_dots_and_no_indices() -> None:
    out = subtitles.to_webvtt(SRT.encode())
    assert out == (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello <i>there</i>\n\n"
        "00:00:03.250 --> 00:00:04.000\nSecond line\nspans two lines\n"
    )
    assert "\r" not in out


def test_srt_with_utf8_bom_and_accents_keeps_utf8() -> None:
    data = "\ufeff1\n00:00:01,000 --> 00:00:02,000\nCafé — ñandú 日本\n".encode()
    out = subtitles.to_webvtt(data)
    assert out.startswith("WEBVTT\n")
    assert "Café — ñandú 日本" in out
    assert "\ufeff" not in out


def test_cp1252_srt_is_decoded() -> None:
    data = "1\n00:00:01,000 --> 00:00:02,000\nCafé crème\n".encode("cp1252")
    assert "Café crème" in subtitles.to_webvtt(data)


def test_utf16_with_bom_is_decoded() -> None:
    data = "1\n00:00:01,000 --> 00:00:02,000\nHi\n".encode("utf-16")
    assert "00:00:01.000 --> 00:00:02.000\nHi" in subtitles.to_webvtt(data)


def test_srt_detected_by_content_not_name_and_old_mac_newlines() -> None:
    data = b"1\r00:00:01,000 --> 00:00:02,000\rHi\r"
    assert subtitles.to_webvtt(data) == "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n"


def test_srt_strips_ass_tags_and_neutralises_arrows() -> None:
    data = b"1\n00:00:01,000 --> 00:00:02,000\n{\\an8}Top --> here\n"
    assert subtitles.to_webvtt(data).endswith("00:00:02.000\nTop -> here\n")


def test_srt_blank_line_inside_a_cue_is_kept_with_the_cue() -> None:
    data = (
        b"1\n00:00:01,000 --> 00:00:02,000\nfirst\n\nstill first\n\n"
        b"2\n00:00:03,000 --> 00:00:04,000\nsecond\n"
    )
    out = subtitles.to_webvtt(data)
    assert "first\nstill first\n\n00:00:03.000" in out


def test_webvtt_passes_through() -> None:
    assert subtitles.to_webvtt(VTT.encode()) == VTT


def test_webvtt_with_note_style_and_header_text() -> None:
    text = (
        "WEBVTT - a title\nKind: captions\n\nSTYLE\n::cue { color: yellow }\n\n"
        "NOTE made by hand\n\n00:01.000 --> 00:02.000 align:start line:0\nHi\n"
    )
    assert subtitles.validate_webvtt(text) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"hello world\n", "neither a WebVTT"),
        (b"\x00\x01\x02binary" * 10, "not a text file"),
        (b"WEBVTTX\n\n00:01.000 --> 00:02.000\nx\n", "must start with the line 'WEBVTT'"),
        (b"WEBVTT\n\n", "no cues"),
        (b"WEBVTT\n\nNOTE only a comment\n", "no cues"),
        (b"WEBVTT\n00:01.000 --> 00:02.000\nx\n", "Line 2: leave an empty line"),
        (b"WEBVTT\n\n00:01.000 --> 00:0x.000\nx\n", "Line 3: '00:01.000 --> 00:0x.000'"),
        (b"WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nx\n", "Line 3"),
        (b"WEBVTT\n\n00:05.000 --> 00:02.000\nx\n", "must end after it starts"),
        (b"WEBVTT\n\n00:02.000 --> 00:02.000\nx\n", "must end after it starts"),
        (b"WEBVTT\n\n00:01.000 --> 00:02.000\nx\n00:03.000 --> 00:04.000\n", "Line 5"),
        (b"WEBVTT\n\njust text\n", "no timing line"),
        (
            b"1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:0x,000 --> 00:00:04,000\nbad\n",
            "Line 6",
        ),
        (b"1\nnot a timing\ntext\n", "Line 2: expected a timing line"),
        (b"1\n00:00:05,000 --> 00:00:01,000\nbackwards\n", "must end after it starts"),
        (b"1\n00:00:01,000 --> 00:61:02,000\nbad minutes\n", "not a valid timing line"),
    ],
)
def test_malformed_files_are_refused_with_a_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(InvalidSubtitle) as caught:
        subtitles.to_webvtt(data)
    assert message in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_undecodable_bytes_are_refused() -> None:
    # 0x81 is undefined in Windows-1252 and invalid as UTF-8.
    with pytest.raises(InvalidSubtitle, match="not readable text"):
        subtitles.to_webvtt(b"1\n00:00:01,000 --> 00:00:02,000\n\x81\x81\n")


def test_size_limit(settings) -> None:
    settings.SUBTITLE_MAX_BYTES = 100
    with pytest.raises(InvalidSubtitle, match="larger than 0 KB, the largest allowed"):
        subtitles.to_webvtt(b"WEBVTT\n\n" + b"00:01.000 --> 00:02.000\nxx\n\n" * 10)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("en", "en"),
        ("EN", "en"),
        ("pt-br", "pt-BR"),
        ("pt_BR", "pt-BR"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        (" fr ", "fr"),
        ("sl-rozaj", "sl-rozaj"),
    ],
)
def test_language_tags_are_normalised(value: str, expected: str) -> None:
    assert subtitles.normalise_language(value) == expected


@pytest.mark.parametrize(
    "value", ["", "e", "english", "en-", "en--us", "../etc", "en US", "en-USA1", "x" * 40, "日本"]
)
def test_bad_language_tags_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="BCP 47"):
        subtitles.normalise_language(value)


@pytest.mark.parametrize(
    ("language", "label"),
    [
        ("en", "English"),
        ("pt-BR", "Português Brasileiro"),
        ("fr-CA", "français (CA)"),
        ("qaa", "qaa"),
    ],
)
def test_default_labels(language: str, label: str) -> None:
    assert subtitles.default_label(language) == label
