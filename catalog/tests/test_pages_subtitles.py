"""Managing a video's subtitles from the browser: the Subtitles tab of one's own video."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import User
from catalog.models import Subtitle, Video
from catalog.tests.api_helpers import stored_files
from catalog.tests.page_helpers import add_video, assert_csp_safe

pytestmark = pytest.mark.django_db

VTT = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n"
SRT = b"1\r\n00:00:01,000 --> 00:00:02,500\r\nOl\xc3\xa1\r\n"
BROKEN_SRT = b"1\n00:00:01 --> 00:00:02\nNo milliseconds\n"


@pytest.fixture
def video(user: User) -> Video:
    return add_video(user, "Sunset")


def url(video: Video, rest: str = "") -> str:
    return f"/me/videos/{video.pk}/subtitles/{rest}"


def add(client: Client, video: Video, data: bytes, **fields: str) -> Any:
    """Post the Add subtitles form the way the page's form does (the name says nothing)."""
    payload = {"subtitle-file": SimpleUploadedFile("subs.txt", data), "subtitle-language": "en"}
    payload.update({f"subtitle-{key}": value for key, value in fields.items()})
    return client.post(url(video), payload)


def read(subtitle: Subtitle) -> bytes:
    with default_storage.open(subtitle.file.name, "rb") as fh:
        return bytes(fh.read())


def field_errors(html: str, field: str) -> list[str]:
    """Return the error items rendered under one field of the form."""
    block = re.search(rf'id="id_subtitle-{field}_error"[^>]*>(.*?)</ul>', html, re.S)
    assert block, f"no error list for {field}"
    return [re.sub(r"\s+", " ", item) for item in re.findall(r"<li>(.*?)</li>", block[1], re.S)]


def subtitle_files(media_root: Path) -> list[str]:
    return [name for name in stored_files(media_root) if "/subtitles/" in name]


def assert_nothing_stored(video: Video, media_root: Path) -> None:
    assert not Subtitle.objects.filter(video=video).exists()
    assert subtitle_files(media_root) == []


# ---------- the page ----------


def test_page_lists_tracks_with_remove_forms_and_the_add_form(alice: Client, video: Video) -> None:
    empty = assert_csp_safe(alice.get(url(video)))
    assert "This video has no subtitles yet." in empty and "/remove/" not in empty
    add(alice, video, VTT, language="fr")
    add(alice, video, SRT, language="pt-BR", label="Português (Brasil)")

    response = alice.get(url(video))

    assert response.status_code == 200
    html = assert_csp_safe(response)
    assert ">fr</span>" in html and ">français</span>" in html
    assert ">pt-BR</span>" in html and ">Português (Brasil)</span>" in html
    for language in ("fr", "pt-BR"):
        action = f'action="/me/videos/{video.pk}/subtitles/{language}/remove/"'
        form = html.split(action, 1)[1].split("</form>", 1)[0]
        assert 'method="post"' in html.split(action, 1)[0].rsplit("<form", 1)[1]
        assert 'name="csrfmiddlewaretoken"' in form
    assert 'enctype="multipart/form-data"' in html
    # After a refusal the browser comes back to the form, not to the top of the page.
    assert f'action="/me/videos/{video.pk}/subtitles/#add-subtitles"' in html
    assert 'id="add-subtitles"' in html
    assert 'accept=".vtt,.srt,text/vtt"' in html and "BCP 47" in html
    assert '<datalist id="subtitle-languages">' in html and 'list="subtitle-languages"' in html
    assert 'aria-current="page">Subtitles' in html


def test_edit_page_and_my_videos_link_to_the_subtitles(alice: Client, video: Video) -> None:
    add(alice, video, VTT, language="de")
    edit = assert_csp_safe(alice.get(f"/me/videos/{video.pk}/edit/"))
    mine = assert_csp_safe(alice.get("/me/videos/"))
    for html in (edit, mine):
        assert f'href="/me/videos/{video.pk}/subtitles/"' in html
    assert "de</a>" in mine  # the languages are listed next to the video


# ---------- adding ----------


def test_add_webvtt(alice: Client, video: Video) -> None:
    response = add(alice, video, VTT)

    assert response.status_code == 302 and response["Location"] == url(video) + "#top"
    subtitle = Subtitle.objects.get(video=video)
    assert (subtitle.language, subtitle.label) == ("en", "English")
    assert read(subtitle) == VTT
    page = alice.get(response["Location"]).content.decode()
    assert "English subtitles added." in page
    # The player page offers the new track.
    player = alice.get(f"/videos/{video.pk}/").content.decode()
    assert f'srclang="en" label="English" src="{subtitle.file.url}"' in player


def test_add_srt_is_converted_to_webvtt(alice: Client, video: Video) -> None:
    response = add(alice, video, SRT, language="pt-br", label="Português")

    assert response.status_code == 302
    subtitle = Subtitle.objects.get(video=video)
    assert (subtitle.language, subtitle.label) == ("pt-BR", "Português")
    stored = read(subtitle).decode()
    assert stored.startswith("WEBVTT\n")
    assert stored == "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nOlá\n"
    assert subtitle.file.name.endswith(".vtt")


def test_same_language_replaces_and_says_so(
    alice: Client, video: Video, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    add(alice, video, VTT)
    first = Subtitle.objects.get(video=video).file.name

    with django_capture_on_commit_callbacks(execute=True):
        response = add(alice, video, SRT, language="EN")

    assert "English subtitles replaced." in alice.get(response["Location"]).content.decode()
    subtitle = Subtitle.objects.get(video=video)  # still one track for English
    assert read(subtitle).decode().endswith("Olá\n")
    assert subtitle.file.name != first
    assert subtitle_files(media_root) == [subtitle.file.name]


def test_malformed_file_is_refused_next_to_the_field(
    alice: Client, video: Video, media_root: Path
) -> None:
    response = add(alice, video, BROKEN_SRT)

    assert response.status_code == 200
    html = assert_csp_safe(response)
    errors = field_errors(html, "file")
    assert len(errors) == 1
    assert errors[0].startswith("Line 2:") and "not a valid timing line" in errors[0]
    assert "00:01:02,500 --&gt; 00:01:04,000" in errors[0]  # an example of the right shape
    assert "field--invalid" in html and "Traceback" not in html
    assert 'value="en"' in html  # what was typed is kept
    assert_nothing_stored(video, media_root)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Just some notes, not subtitles.\n", "neither a WebVTT file"),
        (b"WEBVTT\n\n", "The subtitle file has no cues."),
        (b"\xff\xfe\x00\x00garbage", "The file is not readable text (broken UTF-16)."),
    ],
)
def test_other_bad_files_are_refused(
    alice: Client, video: Video, media_root: Path, data: bytes, message: str
) -> None:
    response = add(alice, video, data)
    assert response.status_code == 200
    errors = field_errors(response.content.decode(), "file")
    assert errors and message in errors[0]
    assert_nothing_stored(video, media_root)


def test_empty_and_missing_files_are_refused(alice: Client, video: Video) -> None:
    empty = add(alice, video, b"")
    assert field_errors(empty.content.decode(), "file") == ["The subtitle file is empty."]
    missing = alice.post(url(video), {"subtitle-language": "en"}).content.decode()
    assert field_errors(missing, "file") == ["Choose a WebVTT (.vtt) or SRT (.srt) file."]
    assert not Subtitle.objects.exists()


NOT_A_TAG = "is not a language tag; use a BCP 47 tag such as &#x27;en&#x27;, &#x27;fr&#x27; or"


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("english", f"&#x27;english&#x27; {NOT_A_TAG}"),
        ("en_US!", f"&#x27;en_US!&#x27; {NOT_A_TAG}"),
        ("x", f"&#x27;x&#x27; {NOT_A_TAG}"),
        ("", "Enter the language of the subtitles, such as en or pt-BR."),
        ("e" * 40, "A language tag has at most 35 characters, such as pt-BR."),
    ],
)
def test_bad_language_tag_is_refused(
    alice: Client, video: Video, media_root: Path, language: str, message: str
) -> None:
    response = add(alice, video, VTT, language=language)

    assert response.status_code == 200
    errors = field_errors(assert_csp_safe(response), "language")
    assert len(errors) == 1 and message in errors[0]
    assert field_errors(response.content.decode(), "file") == []
    assert_nothing_stored(video, media_root)


def test_oversized_file_is_refused(
    alice: Client, video: Video, media_root: Path, settings: Any
) -> None:
    settings.SUBTITLE_MAX_BYTES = 1024
    cues = "".join(f"\n{n}\n00:00:{n:02d}.000 --> 00:00:{n:02d}.500\nLine {n}\n" for n in range(60))
    data = ("WEBVTT\n" + cues).encode()
    assert len(data) > 2048

    response = add(alice, video, data)

    assert response.status_code == 200
    errors = field_errors(response.content.decode(), "file")
    assert errors == [f"The file is {len(data) / 1024:.1f} KB; subtitle files may be up to 1.0 KB."]
    assert "up to 1.0 KB" in response.content.decode()  # the help text says the limit too
    assert_nothing_stored(video, media_root)


# ---------- removing ----------


def test_remove(
    alice: Client, video: Video, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    add(alice, video, VTT, language="fr")
    add(alice, video, VTT, language="en")

    with django_capture_on_commit_callbacks(execute=True):
        response = alice.post(url(video, "fr/remove/"))

    assert response.status_code == 302 and response["Location"] == url(video)
    assert list(Subtitle.objects.filter(video=video).values_list("language", flat=True)) == ["en"]
    assert len(subtitle_files(media_root)) == 1
    page = alice.get(url(video)).content.decode()
    assert "français subtitles removed." in page
    assert "/fr/remove/" not in page

    again = alice.post(url(video, "fr/remove/"), follow=True)
    assert "Those subtitles had already been removed." in again.content.decode()
    assert alice.get(url(video, "en/remove/")).status_code == 405  # removing takes a POST


def test_remove_checks_the_csrf_token(user: User, video: Video) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    Subtitle.objects.create(video=video, language="en", label="English", file="x.vtt")

    assert client.post(url(video, "en/remove/")).status_code == 403
    assert Subtitle.objects.filter(video=video).exists()

    page = client.get(url(video)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    response = client.post(url(video, "en/remove/"), {"csrfmiddlewaretoken": token[1]})
    assert response.status_code == 302
    assert not Subtitle.objects.filter(video=video).exists()


# ---------- who may ----------


def test_other_user_gets_404_and_changes_nothing(
    alice: Client, bob: Client, video: Video, media_root: Path
) -> None:
    add(alice, video, VTT)
    before = stored_files(media_root)

    assert bob.get(url(video)).status_code == 404
    assert add(bob, video, SRT, language="de").status_code == 404
    assert add(bob, video, SRT).status_code == 404  # would replace English
    assert bob.post(url(video, "en/remove/")).status_code == 404
    assert alice.get("/me/videos/nope/subtitles/").status_code == 404

    subtitle = Subtitle.objects.get(video=video)
    assert (subtitle.language, read(subtitle)) == ("en", VTT)
    assert stored_files(media_root) == before


def test_anonymous_is_sent_to_sign_in(client: Client, video: Video, media_root: Path) -> None:
    Subtitle.objects.create(video=video, language="en", label="English", file="x.vtt")
    for response in (
        client.get(url(video)),
        add(client, video, VTT, language="fr"),
        client.post(url(video, "en/remove/")),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(f"/accounts/login/?next=/me/videos/{video.pk}/")
    assert list(Subtitle.objects.values_list("language", flat=True)) == ["en"]
