"""TRANSCODER=mediaconvert: requests checked by botocore's Stubber against the real service
model; ffmpeg writes the HLS MediaConvert would write, and the job's events publish it."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from accounts.models import User
from catalog import storage, tasks
from catalog.models import TranscodeJob, Video
from catalog.tests.conftest import create_video, run_transcode
from catalog.tests.s3_helpers import bucket, moto_endpoint, s3, s3_client  # noqa: F401 (fixtures)
from catalog.tests.test_transcode import play
from catalog.transcoding import recovery
from catalog.transcoding.backends import mediaconvert
from catalog.transcoding.backends.ffmpeg import FFmpegTranscoder
from catalog.transcoding.ladder import plan_ladder
from catalog.transcoding.probe import probe
from catalog.transcoding.thumbnails import plan_sprite
from config.aws import events
from config.tests import sns_signing
from config.tests.sns_signing import SnsSigner
from conftest import FFMPEG

pytestmark = [pytest.mark.media, pytest.mark.django_db]

ROLE = "arn:aws:iam::123456789012:role/onair-mediaconvert"
QUEUE = "arn:aws:mediaconvert:eu-west-1:123456789012:queues/onair"
REMOTE_ID = "1733200000000-abc123"


@pytest.fixture(autouse=True)
def aws(settings: Any) -> None:
    settings.TRANSCODER = "mediaconvert"
    settings.AWS_STORAGE_BUCKET_NAME = "onair-media"
    settings.AWS_MEDIACONVERT_ROLE_ARN = ROLE
    settings.AWS_MEDIACONVERT_QUEUE_ARN = QUEUE
    settings.AWS_MEDIACONVERT_REGION = "eu-west-1"


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    """A real MediaConvert client whose every request is validated, answered by the Stubber."""
    client = botocore.session.get_session().create_client(
        "mediaconvert", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stubber:
        monkeypatch.setattr(mediaconvert, "make_client", lambda: client)
        yield stubber
        stubber.assert_no_pending_responses()


def created(remote_id: str = REMOTE_ID) -> dict[str, Any]:
    return {"Job": {"Id": remote_id, "Role": ROLE, "Settings": {}, "Status": "SUBMITTED"}}


def requests(stubber: Stubber) -> list[dict[str, Any]]:
    """Record the parameters of every call made on the stubbed client."""
    seen: list[dict[str, Any]] = []
    stubber.client.meta.events.register(
        "provide-client-params.mediaconvert.*", lambda params, **_: seen.append(params)
    )
    return seen


def submit(stubber: Stubber, video: Video, remote_id: str = REMOTE_ID) -> TranscodeJob:
    stubber.add_response("create_job", created(remote_id))
    run_transcode(video)
    return video.jobs.get(attempt=video.jobs.order_by("-attempt")[0].attempt)


def event(job: TranscodeJob, status: str, **detail: Any) -> dict[str, Any]:
    """A "MediaConvert Job State Change" event as EventBridge delivers it."""
    return {
        "version": "0", "id": "7c2d0a2c-2a3e-4d3b-9c1c-0d7a8f1e2b3c",
        "detail-type": "MediaConvert Job State Change", "source": "aws.mediaconvert",
        "account": "123456789012", "time": "2026-12-03T12:00:00Z", "region": "eu-west-1",
        "resources": [f"arn:aws:mediaconvert:eu-west-1:123456789012:jobs/{REMOTE_ID}"],
        "detail": {
            "timestamp": 1733227200000, "accountId": "123456789012", "queue": QUEUE,
            "jobId": job.remote["state"]["id"], "status": status,
            "userMetadata": {"onair_job": job.pk, "onair_prefix": job.remote["prefix"]},
            **detail,
        },
    }  # fmt: skip


@pytest.fixture(scope="module")
def stand_in(clip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """HLS that ffmpeg writes once, in place of MediaConvert's output of the clip."""
    out = tmp_path_factory.mktemp("mediaconvert") / "out"
    FFmpegTranscoder(preset="ultrafast").transcode(
        source=clip, info=probe(clip), out_dir=out, on_progress=lambda _p: None
    )
    return out


def write_outputs(stand_in: Path, prefix: str, thumbs: int) -> None:
    """Place the outputs under ``prefix`` with the names MediaConvert gives them."""
    for path in stand_in.iterdir():
        if path.suffix in (".m4s", ".mp4", ".m3u8"):
            storage.save_file(f"{prefix}/{path.name}", path)
    for i in range(2):
        storage.save_file(f"{prefix}/poster.{i:07d}.jpg", stand_in / "poster.jpg")
    for i in range(thumbs):
        storage.save_file(f"{prefix}/thumb.{i:07d}.jpg", stand_in / "poster.jpg")


def test_the_job_follows_the_ffmpeg_ladder(stub: Stubber, user: User, clip: Path) -> None:
    seen = requests(stub)
    video = create_video(user, clip)
    job = submit(stub, video)
    request = seen[0]
    assert request["Role"] == ROLE and request["Queue"] == QUEUE
    assert request["UserMetadata"]["onair_job"] == job.pk
    groups = {g["Name"]: g for g in request["Settings"]["OutputGroups"]}
    cmaf = groups["HLS"]["OutputGroupSettings"]["CmafGroupSettings"]
    prefix = job.remote["prefix"]
    assert cmaf["Destination"] == f"s3://onair-media/{prefix}/master"
    assert (cmaf["SegmentLength"], cmaf["FragmentLength"]) == (6, 2)
    source = request["Settings"]["Inputs"][0]["FileInput"]
    assert source == f"s3://onair-media/{video.source.name}"
    videos = [o["VideoDescription"] for o in groups["HLS"]["Outputs"] if "VideoDescription" in o]
    rungs = plan_ladder(640, 360)
    assert [(v["Width"], v["Height"]) for v in videos] == [(r.width, r.height) for r in rungs]
    h264 = [v["CodecSettings"]["H264Settings"] for v in videos]
    assert [(h["Bitrate"], h["MaxBitrate"]) for h in h264] == [
        (r.video_bitrate, r.maxrate) for r in rungs
    ]
    assert {(h["GopSize"], h["GopSizeUnits"]) for h in h264} == {(2.0, "SECONDS")}
    thumbs = groups["Thumbnails"]["Outputs"][0]["VideoDescription"]
    plan = plan_sprite(2.0, rungs[-1].width, rungs[-1].height)
    assert thumbs["CodecSettings"]["FrameCaptureSettings"]["MaxCaptures"] == plan.count
    assert "Poster" in groups
    # Handed off: running under its lease, held by no local process, nothing published.
    assert job.status == TranscodeJob.Status.RUNNING and job.lease_pid is None
    assert job.remote["state"]["id"] == REMOTE_ID
    assert job.lease_expires_at is not None
    assert job.lease_expires_at > timezone.now() + timedelta(seconds=300)
    video.refresh_from_db()
    assert video.status == Video.Status.PROCESSING and not video.hls_path


def test_completion_event_publishes_a_playable_video(
    stub: Stubber, user: User, clip: Path, stand_in: Path, settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    settings.AWS_SNS_TOPIC_ARNS = [sns_signing.TOPIC]
    signer = SnsSigner()
    signer.install(monkeypatch)

    def deliver(evt: dict[str, Any]) -> None:  # EventBridge → SNS → the signed webhook
        body = json.dumps(signer.sign(sns_signing.notification(evt)))
        response = Client().post(sns_signing.HOOK, body, content_type="text/plain")
        assert response.status_code == 200, response.json()

    video = create_video(user, clip)
    job = submit(stub, video)
    deliver(event(job, "STATUS_UPDATE", jobProgress={"jobPercentComplete": 40}))
    video.refresh_from_db()
    assert 39 <= video.progress <= 40 and video.status == Video.Status.PROCESSING
    prefix = job.remote["prefix"]
    write_outputs(stand_in, prefix, thumbs=1)
    deliver(event(job, "COMPLETE"))
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.error
    assert video.hls_path == f"{prefix}/master.m3u8"
    assert video.poster_path == f"{prefix}/poster.0000001.jpg"
    renditions = list(video.renditions.order_by("-height"))
    assert [(r.width, r.height) for r in renditions] == [(640, 360), (426, 240)]
    assert all(r.codecs.startswith("avc1.") and "mp4a.40.2" in r.codecs for r in renditions)
    assert all(r.bytes > 0 and r.bitrate > 0 for r in video.renditions.all())
    vtt = default_storage.open(video.sprite_vtt_path).read().decode()
    assert "sprite.jpg#xywh=0,0," in vtt
    assert default_storage.exists(f"{prefix}/sprite.jpg")
    assert play(Path(django_settings.MEDIA_ROOT) / video.hls_path) == pytest.approx(2, abs=0.2)
    job.refresh_from_db()
    assert job.status == TranscodeJob.Status.DONE and job.progress == 100
    deliver(event(job, "COMPLETE"))  # a second event (a new message) changes nothing
    assert video.renditions.count() == 2


def test_an_error_fails_the_video_with_mediaconvert_message(
    stub: Stubber, user: User, clip: Path
) -> None:
    video = create_video(user, clip)
    job = submit(stub, video)
    prefix = job.remote["prefix"]
    storage.overwrite(f"{prefix}/master_360p_00001.mp4", b"partial")
    message = "Demuxer: [ReadPacketData File read failed - end of file hit]"
    events.dispatch(event(job, "ERROR", errorCode=1030, errorMessage=message))
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert video.error == f"The video could not be converted: {message}"
    assert not list(storage.walk(prefix))


def test_the_poll_finds_what_events_missed(
    stub: Stubber, user: User, clip: Path, stand_in: Path
) -> None:
    seen = requests(stub)
    video = create_video(user, clip)
    job = submit(stub, video)
    job_of = {"Id": REMOTE_ID, "Role": ROLE, "Settings": {}}
    stub.add_response(
        "get_job", {"Job": job_of | {"Status": "PROGRESSING", "JobPercentComplete": 50}}
    )
    assert tasks.poll_remote_transcodes() == [job.pk]
    video.refresh_from_db()
    assert video.progress == pytest.approx(49.5)
    write_outputs(stand_in, job.remote["prefix"], thumbs=1)
    stub.add_response("get_job", {"Job": job_of | {"Status": "COMPLETE"}})
    tasks.poll_remote_transcodes()
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.error
    assert [s.get("Id") for s in seen[1:]] == [REMOTE_ID, REMOTE_ID]
    assert tasks.poll_remote_transcodes() == []  # nothing in flight any more


def test_a_silent_job_is_submitted_again_as_a_new_attempt(
    stub: Stubber, user: User, clip: Path
) -> None:
    video = create_video(user, clip)
    job = submit(stub, video)
    stale = event(job, "COMPLETE")
    TranscodeJob.objects.filter(pk=job.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    stub.add_response("create_job", created("1733200000001-second"))
    recovery.resume_stalled()  # back to the queue (the task it sends is run here instead)
    tasks.transcode(job.pk)
    job.refresh_from_db()
    assert job.attempt == 2 and job.remote["state"]["id"] == "1733200000001-second"
    old_prefix = stale["detail"]["userMetadata"]["onair_prefix"]
    storage.overwrite(f"{old_prefix}/master.m3u8", b"#EXTM3U\n")  # what the first job wrote
    events.dispatch(stale)  # the first attempt's job finishing later is not this job's
    video.refresh_from_db()
    assert video.status == Video.Status.PROCESSING
    assert not list(storage.walk(old_prefix))  # nobody waits for it: deleted


def test_outputs_of_a_deleted_video_are_removed_when_its_job_ends(
    stub: Stubber, user: User, clip: Path
) -> None:
    video = create_video(user, clip)
    job = submit(stub, video)
    finished = event(job, "COMPLETE")
    prefix = job.remote["prefix"]
    video.delete()
    storage.overwrite(f"{prefix}/master.m3u8", b"#EXTM3U\n")  # written after the delete
    events.dispatch(finished)
    assert not list(storage.walk(prefix))


def test_a_refused_submission_fails_with_a_clear_message(
    stub: Stubber, user: User, clip: Path
) -> None:
    stub.add_client_error("create_job", "ForbiddenException", "not authorized", 403)
    video = run_transcode(create_video(user, clip))
    assert video.status == Video.Status.FAILED
    assert video.error == mediaconvert.NOT_SUBMITTED
    assert "ForbiddenException" in video.jobs.get().log_tail


def test_events_about_other_jobs_are_ignored(stub: Stubber, user: User, clip: Path) -> None:
    video = create_video(user, clip)
    job = submit(stub, video)
    foreign = event(job, "COMPLETE")
    foreign["detail"]["userMetadata"] = {}
    events.dispatch(foreign)
    video.refresh_from_db()
    assert video.status == Video.Status.PROCESSING


def test_the_audio_only_job_has_no_video_or_captures(
    stub: Stubber, user: User, clip_factory: Any
) -> None:
    seen = requests(stub)
    sound = clip_factory("tone.m4a", video=False)
    submit(stub, create_video(user, sound))
    groups = seen[0]["Settings"]["OutputGroups"]
    assert [g["Name"] for g in groups] == ["HLS"]
    assert [o["NameModifier"] for o in groups[0]["Outputs"]] == ["_audio"]


def test_a_job_past_the_time_limit_is_cancelled_and_failed(
    stub: Stubber, user: User, clip: Path, settings: Any
) -> None:
    video = create_video(user, clip)
    job = submit(stub, video)
    long_ago = (timezone.now() - timedelta(hours=5)).isoformat()
    TranscodeJob.objects.filter(pk=job.pk).update(remote=job.remote | {"since": long_ago})
    settings.TRANSCODE_TIMEOUT_SECONDS = 4 * 3600
    stub.add_response("cancel_job", {}, {"Id": REMOTE_ID})
    tasks.poll_remote_transcodes()
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert video.error == "Processing took longer than 4 hours and was stopped."


def test_an_audio_only_job_publishes_its_audio_rendition(
    stub: Stubber, user: User, clip_factory: Any, tmp_path: Path
) -> None:
    sound = clip_factory("tone.m4a", video=False)
    video = create_video(user, sound)
    job = submit(stub, video)
    out = tmp_path / "out"
    FFmpegTranscoder(preset="ultrafast").transcode(
        source=sound, info=probe(sound), out_dir=out, on_progress=lambda _p: None
    )
    for path in out.iterdir():
        if path.suffix in (".m4s", ".mp4", ".m3u8"):
            storage.save_file(f"{job.remote['prefix']}/{path.name}", path)
    events.dispatch(event(job, "COMPLETE"))
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.error
    assert video.audio_only and video.poster_path == ""
    [rendition] = video.renditions.all()
    assert rendition.height is None and rendition.codecs == "mp4a.40.2" and rendition.bytes > 0
    assert play(Path(django_settings.MEDIA_ROOT) / video.hls_path) == pytest.approx(2, abs=0.2)


@pytest.mark.sqlite_pass_only  # S3 over HTTP; the queries are the ones above
@pytest.mark.usefixtures("s3")  # default_storage is S3 on a fresh moto bucket
def test_on_s3_the_outputs_in_the_bucket_publish_and_play(
    stub: Stubber, user: User, clip: Path, stand_in: Path, settings: Any,
    request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    name, endpoint = request.getfixturevalue("bucket"), request.getfixturevalue("moto_endpoint")
    client = request.getfixturevalue("s3_client")
    settings.AWS_STORAGE_BUCKET_NAME = name
    seen = requests(stub)
    video = create_video(user, clip)
    job = submit(stub, video)
    # The original is read from the zone nobody may read from the bucket.
    assert (
        seen[0]["Settings"]["Inputs"][0]["FileInput"] == f"s3://{name}/internal/{video.source.name}"
    )
    destinations = {
        group_settings["Destination"]
        for group in seen[0]["Settings"]["OutputGroups"]
        for group_settings in group["OutputGroupSettings"].values()
        if isinstance(group_settings, dict) and "Destination" in group_settings
    }
    assert destinations and all(d.startswith(f"s3://{name}/public/videos/") for d in destinations)
    prefix = job.remote["prefix"]
    write_outputs(stand_in, prefix, thumbs=1)  # as MediaConvert writes into the bucket
    events.dispatch(event(job, "COMPLETE"))
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.error
    # Public video: its outputs sit in the bucket's public zone (catalog/s3.py).
    listed = client.list_objects_v2(Bucket=name, Prefix=f"public/{prefix}/sprite")["Contents"]
    assert sorted(o["Key"] for o in listed) == [
        f"public/{prefix}/sprite.jpg",
        f"public/{prefix}/sprite.vtt",
    ]
    url = f"{endpoint}/{name}/public/{video.hls_path}"  # anonymous, as a player fetches it
    cmd = [FFMPEG, "-v", "error", "-i", url, "-map", "0", "-f", "null", "-"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
