"""ffmpeg runs confined: a minimal environment, resource limits, its input pinned.

The checks read the running ffmpeg's own ``/proc/<pid>/environ`` and ``/proc/<pid>/limits``
(or record them from inside each run the transcoder starts), not our arguments to it.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from accounts.models import User
from catalog.models import TranscodeJob, Video
from catalog.tests.conftest import create_video, run_transcode
from catalog.transcoding.backends.ffmpeg import CPU_LIMITED, FFmpegTranscoder
from catalog.transcoding.probe import probe
from catalog.transcoding.process import CHILD_ENV, OPEN_FILES, Limits, run_ffmpeg
from conftest import FFMPEG

pytestmark = pytest.mark.media

SECRETS = {
    "DJANGO_SECRET_KEY": "django-secret-for-the-test",
    "DATABASE_URL": "postgres://onair:db-password-for-the-test@db/onair",
    "AWS_SECRET_ACCESS_KEY": "aws-secret-for-the-test",
}
MAX_TICKS = 4000  # a bound so that a broken test fails instead of hanging; never reached


class Inspected(Exception):
    """Raised from ``on_progress`` once the running ffmpeg has been looked at."""


def children_running(marker: str) -> list[int]:
    """Return our child processes whose command line contains ``marker`` (after exec)."""
    pids = []
    for children in Path("/proc/self/task").glob("*/children"):
        for pid in children.read_text().split():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline:
                pids.append(int(pid))
    return pids


def limit(limits: str, name: str) -> tuple[str, str]:
    """Return the (soft, hard) values of one line of a ``/proc/<pid>/limits`` table."""
    found = re.search(rf"^Max {name}\s+(\S+)\s+(\S+)", limits, re.MULTILINE)
    assert found, limits
    return found[1], found[2]


def environ(raw: bytes) -> dict[str, str]:
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if item)
    return {k.decode(): v.decode() for k, v in pairs}


def test_a_running_ffmpeg_has_a_minimal_environment_and_its_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    fifo = tmp_path / "input-nobody-writes"
    os.mkfifo(fifo)  # ffmpeg waits to open it for as long as we look
    seen: dict[str, object] = {}
    ticks = iter(range(MAX_TICKS))

    def look(_percent: float) -> None:
        assert next(ticks, None) is not None, "ffmpeg never started"
        pids = children_running(str(fifo))
        if not pids:
            return  # not exec'd yet: look again at the next tick
        seen["environ"] = environ(Path(f"/proc/{pids[0]}/environ").read_bytes())
        seen["limits"] = Path(f"/proc/{pids[0]}/limits").read_text()
        raise Inspected

    limits = Limits(cpu_seconds=77, memory_bytes=3 * 1024**3)
    cmd = [FFMPEG, "-protocol_whitelist", "file", "-i", str(fifo), "-f", "null", "-"]
    with pytest.raises(Inspected):
        run_ffmpeg(cmd, log_path=tmp_path / "ffmpeg.log", on_progress=look, limits=limits)
    assert seen["environ"] == CHILD_ENV
    table = str(seen["limits"])
    assert limit(table, "cpu time") == ("77", "77")
    assert limit(table, "address space") == (str(3 * 1024**3), str(3 * 1024**3))
    assert limit(table, "open files") == (str(OPEN_FILES), str(OPEN_FILES))
    assert limit(table, "core file size") == ("0", "0")
    assert not children_running(str(fifo))  # stopping the look stopped ffmpeg


def recording_ffmpeg(tmp_path: Path) -> tuple[Path, Path]:
    """Write an "ffmpeg" that records its arguments, environment and limits, then runs ffmpeg."""
    record = tmp_path / "runs.txt"
    wrapper = tmp_path / "ffmpeg"
    wrapper.write_text(
        "#!/bin/sh\n"
        f"{{ printf 'ARGS'; printf ' %s' \"$@\"; echo; /usr/bin/env; cat /proc/$$/limits; "
        f"echo END; }} >> '{record}'\n"
        f"exec '{FFMPEG}' \"$@\"\n"
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper, record


def test_every_run_of_a_transcode_is_confined_and_reads_only_its_input(
    tmp_path: Path, clip: Path, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    settings.TRANSCODE_MEMORY_MB = 5000
    wrapper, record = recording_ffmpeg(tmp_path)
    transcoder = FFmpegTranscoder(ffmpeg=str(wrapper), preset="ultrafast")
    transcoder.transcode(
        source=clip, info=probe(clip), out_dir=tmp_path / "out", on_progress=lambda _: None
    )
    runs = record.read_text().split("END\n")[:-1]
    assert len(runs) == 3  # the ladder, the poster and the sprite
    for run, pinned in zip(runs, ("mov", "mov", "hls"), strict=True):
        args = run.splitlines()[0].split()
        assert args[args.index("-protocol_whitelist") + 1] == "file"
        assert args[args.index("-f") + 1] == pinned  # the first -f is the input's
        assert "-format_whitelist" in args
        assert not any(secret in run for secret in SECRETS.values())
        soft, hard = limit(run, "cpu time")
        assert soft == hard and soft.isdigit()
        assert limit(run, "address space")[0] == str(5000 * 1024**2)
        assert limit(run, "open files")[0] == str(OPEN_FILES)


@pytest.mark.django_db
def test_a_run_out_of_cpu_time_fails_the_job_once_with_a_clear_message(
    user: User, clip: Path, settings
) -> None:
    settings.TRANSCODE_CPU_SECONDS = 1
    settings.TRANSCODE_CPU_PER_SECOND = 0
    settings.TRANSCODE_PRESET = "placebo"  # about 7 CPU seconds for the 2 s clip
    video = run_transcode(create_video(user, clip))
    assert video.status == Video.Status.FAILED
    assert video.error == CPU_LIMITED
    job = video.jobs.get()
    assert (job.status, job.attempt, job.error) == (TranscodeJob.Status.FAILED, 1, CPU_LIMITED)
