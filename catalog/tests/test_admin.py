"""The admin shows videos with their renditions and jobs; jobs are read-only there."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from catalog.models import Video

pytestmark = [pytest.mark.media, pytest.mark.django_db]


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-long-2"))
    return client


def test_video_and_job_pages(admin_client: Client, ready_video: Video) -> None:
    job = ready_video.jobs.get()
    page = admin_client.get(f"/admin/catalog/video/{ready_video.pk}/change/")
    assert page.status_code == 200 and b"avc1." in page.content  # the renditions inline
    listing = admin_client.get("/admin/catalog/video/?status__exact=ready&q=Test")
    assert listing.status_code == 200 and ready_video.title.encode() in listing.content
    detail = admin_client.get(f"/admin/catalog/transcodejob/{job.pk}/change/")
    assert detail.status_code == 200
    assert ready_video.output_prefix.encode() in page.content
    # Read-only: the page has no save button and a POST changes nothing.
    assert b'name="_save"' not in detail.content
    admin_client.post(f"/admin/catalog/transcodejob/{job.pk}/change/", {"status": "queued"})
    job.refresh_from_db()
    assert job.status == "done"
