"""AWS settings: each missing or inconsistent one is named on its own line at start-up."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings

from config.aws.checks import mediaconvert_problems, sns_problems
from config.tests.test_settings import CLEARED

TOPIC = "arn:aws:sns:eu-west-1:123456789012:onair-events"
GOOD = {
    "storage_backend": "s3", "bucket": "media", "region": "eu-west-1", "endpoint": "",
    "role_arn": "arn:aws:iam::123456789012:role/onair-mediaconvert",
    "queue_arn": "arn:aws:mediaconvert:eu-west-1:123456789012:queues/Default",
    "topic_arns": [TOPIC],
}  # fmt: skip


def test_a_complete_configuration_has_no_problem() -> None:
    assert mediaconvert_problems(**GOOD) == []  # type: ignore[arg-type]
    assert sns_problems([TOPIC, "arn:aws-cn:sns:cn-north-1:123456789012:events.fifo"]) == []


@pytest.mark.parametrize(
    ("change", "starts"),
    [
        ({"storage_backend": "local"}, "TRANSCODER=mediaconvert needs STORAGE_BACKEND=s3"),
        ({"role_arn": ""}, "TRANSCODER=mediaconvert needs AWS_MEDIACONVERT_ROLE_ARN"),
        ({"role_arn": "onair-mediaconvert"}, "AWS_MEDIACONVERT_ROLE_ARN='onair-mediaconvert'"),
        ({"queue_arn": "Default"}, "AWS_MEDIACONVERT_QUEUE_ARN='Default' is not"),
        ({"region": ""}, "TRANSCODER=mediaconvert needs AWS_MEDIACONVERT_REGION"),
        ({"region": "europe"}, "AWS_MEDIACONVERT_REGION='europe' is not an AWS region."),
        ({"region": "us-east-1"}, "AWS_MEDIACONVERT_QUEUE_ARN is in eu-west-1, but"),
        ({"endpoint": "ftp://x"}, "AWS_MEDIACONVERT_ENDPOINT='ftp://x' is not"),
        ({"topic_arns": []}, "TRANSCODER=mediaconvert needs AWS_SNS_TOPIC_ARNS"),
    ],
)
def test_each_problem_is_one_sentence(change: dict[str, object], starts: str) -> None:
    problems = mediaconvert_problems(**(GOOD | change))  # type: ignore[arg-type]
    assert len(problems) == 1 and problems[0].startswith(starts), problems


def test_a_malformed_topic_is_named() -> None:
    assert sns_problems(["onair-events"]) == [
        "AWS_SNS_TOPIC_ARNS: 'onair-events' is not an SNS topic ARN "
        "(arn:aws:sns:REGION:ACCOUNT:NAME)."
    ]


def test_manage_py_check_names_every_problem_on_its_own_line() -> None:

    env = {k: v for k, v in os.environ.items() if k not in CLEARED and not k.startswith("AWS_")}
    env |= {"TRANSCODER": "mediaconvert", "AWS_SNS_TOPIC_ARNS": "onair-events"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=env, cwd=settings.BASE_DIR,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert all(line.startswith("Onair configuration error: ") for line in lines), lines
    assert [line.split(": ", 1)[1][:40] for line in lines] == [
        "AWS_SNS_TOPIC_ARNS: 'onair-events' is no",
        "TRANSCODER=mediaconvert needs STORAGE_BA",
        "TRANSCODER=mediaconvert needs AWS_MEDIAC",
        "TRANSCODER=mediaconvert needs AWS_MEDIAC",
    ]
    assert "Traceback" not in result.stderr
