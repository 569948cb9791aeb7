"""Subtitle files: detect WebVTT or SRT from the content, convert SRT, validate strictly.

Written by hand rather than with webvtt-py (checked: 0.6): its SRT reader silently drops
cues whose timing line is malformed, and its strict WebVTT mode accepts files with no cue
or with cues that end before they start; its errors also name Python lists rather than
line numbers. What we need is short, and here every refusal says which line is wrong.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.conf.locale import LANG_INFO

from catalog.errors import InvalidSubtitle

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_VTT_HEADER = re.compile(r"^WEBVTT(?:[ \t].*)?$")
# Hours bounded (WebVTT sets no maximum): int() refuses over 4 300 digits with an error, and
# no video runs 10⁹ hours. ASCII digits only: a browser reads no others in a timestamp.
_VTT_TIME = r"(?:([0-9]{2,9}):)?([0-5][0-9]):([0-5][0-9])\.([0-9]{3})"
_VTT_TIMING = re.compile(rf"^{_VTT_TIME}[ \t]+-->[ \t]+{_VTT_TIME}(?:[ \t]+.*)?$")
# SRT writers differ: accept a dot for the comma, one-digit hours, and trailing coordinates.
_SRT_TIME = r"(\d{1,3}):([0-5]\d):([0-5]\d)[,.](\d{3})"
_SRT_TIMING = re.compile(rf"^\s*{_SRT_TIME}\s*-->\s*{_SRT_TIME}(?:\s+.*)?$")
# SSA/ASS override tags such as {\an8} that some SRT writers leave in the text.
_ASS_TAG = re.compile(r"\{\\[^}]*\}")
# A BCP 47 tag: language, optional script, region and variants, in any case, "_" or "-"
# between parts. Written so that it means the same in Python and in the API schema (ECMA
# regex: drf-spectacular turns \A and \Z into ^ and $).
LANGUAGE_PATTERN = (
    r"\A[A-Za-z]{2,3}(?:[-_][A-Za-z]{4})?(?:[-_](?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:[-_](?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*\Z"
)
_LANGUAGE = re.compile(LANGUAGE_PATTERN)
LANGUAGE_MAX_CHARS = 35
SRT_EXAMPLE = "00:01:02,500 --> 00:01:04,000"
VTT_EXAMPLE = "00:01:02.500 --> 00:01:04.000"


def normalise_language(value: str) -> str:
    """Return a BCP 47 tag in its usual case (``pt-br`` → ``pt-BR``) or raise ValueError."""
    tag = value.strip()
    if len(tag) > LANGUAGE_MAX_CHARS or not _LANGUAGE.match(tag):
        raise ValueError(
            f"{value.strip()[:40]!r} is not a language tag; use a BCP 47 tag such as "
            "'en', 'fr' or 'pt-BR'."
        )
    language, *rest = tag.replace("_", "-").split("-")
    parts = [language.lower()]
    for position, part in enumerate(rest):
        if position == 0 and len(part) == 4 and part.isalpha():
            parts.append(part.title())  # script (variants of four start with a digit)
        elif len(part) <= 3:
            parts.append(part.upper())  # region: two letters or three digits
        else:
            parts.append(part.lower())  # variant
    return "-".join(parts)


def default_label(language: str) -> str:
    """Name a language in itself (``pt-BR`` → ``Português Brasileiro``), else the tag."""
    for code in (language.lower(), language.split("-")[0].lower()):
        info = LANG_INFO.get(code, {})
        if "fallback" in info and "name_local" not in info:
            info = LANG_INFO.get(info["fallback"][0], {})
        if "name_local" in info:
            name = str(info["name_local"])
            if code == language.lower():
                return name
            return f"{name} ({language.split('-', 1)[1]})"
    return language


def decode(data: bytes) -> str:
    """Decode UTF-8 (or UTF-16 with a BOM, or Windows-1252 as a fallback) to text."""
    if data.startswith(_UTF16_BOMS):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InvalidSubtitle("The file is not readable text (broken UTF-16).") from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Older SRT files from Windows tools are often Windows-1252.
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise InvalidSubtitle(
                    "The file is not readable text; save it as UTF-8 and try again."
                ) from None
    if "\x00" in text:
        raise InvalidSubtitle("The file is not a text file; upload a WebVTT or SRT file.")
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def to_webvtt(data: bytes) -> str:
    """Return the subtitle file as valid WebVTT, converting SRT; refuse anything else."""
    limit = settings.SUBTITLE_MAX_BYTES
    if len(data) > limit:  # the caller reads at most limit + 1 bytes: no real size here
        raise InvalidSubtitle(
            f"The subtitle file is larger than {limit / 1024:.0f} KB, the largest allowed."
        )
    if not data.strip():
        raise InvalidSubtitle("The subtitle file is empty.")
    text = decode(data).strip("\n")
    first = text.lstrip().split("\n", 1)[0].strip()
    if first.startswith("WEBVTT"):
        text = text.lstrip()
    elif first.isdigit() or "-->" in first:
        text = srt_to_webvtt(text)
    else:
        raise InvalidSubtitle(
            "This is neither a WebVTT file (it must start with the line 'WEBVTT') "
            "nor an SRT file (it must start with a cue number and a timing line)."
        )
    validate_webvtt(text)
    return text + "\n"


def _ms(hours: str | None, minutes: str, seconds: str, millis: str) -> int:
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def _vtt_time(ms: int) -> str:
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Split lines into blocks separated by blank lines, with each block's first line number."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not current:
                blocks.append((number, current))
            current.append(line.rstrip())
        elif current:
            current = []
    return blocks


def srt_to_webvtt(text: str) -> str:
    """Convert SRT text to WebVTT, refusing any cue whose timing line is malformed."""
    cues: list[str] = []
    for start_line, block in _blocks(text.split("\n")):
        has_index = block[0].strip().isdigit() and len(block) > 1
        timing_at = 1 if has_index else 0
        if "-->" not in block[timing_at]:
            if not cues:
                raise InvalidSubtitle(
                    f"Line {start_line + timing_at}: expected a timing line such as {SRT_EXAMPLE}."
                )
            # A blank line inside a cue's text: keep the text with the cue it belongs to.
            cues[-1] += "\n" + "\n".join(block)
            continue
        match = _SRT_TIMING.match(block[timing_at])
        if not match:
            raise InvalidSubtitle(
                f"Line {start_line + timing_at}: {block[timing_at].strip()[:60]!r} is not a "
                f"valid timing line; expected one such as {SRT_EXAMPLE}."
            )
        start, end = _ms(*match.groups()[:4]), _ms(*match.groups()[4:])
        body = [_ASS_TAG.sub("", line).replace("-->", "->") for line in block[timing_at + 1 :]]
        cues.append("\n".join([f"{_vtt_time(start)} --> {_vtt_time(end)}", *body]))
    return "WEBVTT\n\n" + "\n\n".join(cues)


def validate_webvtt(text: str) -> int:
    """Check the header and every cue (timing shape, start before end); return the cue count."""
    lines = text.split("\n")
    if not _VTT_HEADER.match(lines[0]):
        raise InvalidSubtitle("A WebVTT file must start with the line 'WEBVTT'.")
    cues = 0
    blocks = _blocks(lines)
    if blocks and blocks[0][0] == 1:
        header = blocks.pop(0)[1]
        if any("-->" in line for line in header):
            raise InvalidSubtitle("Line 2: leave an empty line between 'WEBVTT' and the first cue.")
    for start_line, block in blocks:
        keyword = block[0].split(maxsplit=1)[0]
        if keyword in ("NOTE", "STYLE", "REGION") and "-->" not in block[0]:
            continue
        timing_at = 0 if "-->" in block[0] else 1
        number = start_line + timing_at
        if timing_at >= len(block) or "-->" not in block[timing_at]:
            raise InvalidSubtitle(
                f"Line {start_line}: this block has no timing line such as {VTT_EXAMPLE}."
            )
        match = _VTT_TIMING.match(block[timing_at])
        if not match:
            raise InvalidSubtitle(
                f"Line {number}: {block[timing_at].strip()[:60]!r} is not a valid timing "
                f"line; expected one such as {VTT_EXAMPLE}."
            )
        start, end = _ms(*match.groups()[:4]), _ms(*match.groups()[4:])
        if end <= start:
            raise InvalidSubtitle(
                f"Line {number}: the cue must end after it starts "
                f"({_vtt_time(start)} --> {_vtt_time(end)})."
            )
        for offset, line in enumerate(block[timing_at + 1 :], start=number + 1):
            if "-->" in line:
                raise InvalidSubtitle(
                    f"Line {offset}: a timing line inside a cue; is an empty line missing "
                    "before it?"
                )
        cues += 1
    if not cues:
        raise InvalidSubtitle("The subtitle file has no cues.")
    return cues
