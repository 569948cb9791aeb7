"""Find what is missing or inconsistent in the AWS settings: one clear sentence a problem.

Plain functions of the values (no Django imports): config/settings/base.py calls them while
it reads the environment and stops start-up (and ``manage.py check``) with every line.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
QUEUE_ARN = re.compile(r"^arn:aws[a-z-]*:mediaconvert:[a-z0-9-]+:\d{12}:queues/[\w-]+$")
TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}(\.fifo)?$")


def sns_problems(topic_arns: list[str]) -> list[str]:
    """Check the topics the webhook accepts."""
    return [
        f"AWS_SNS_TOPIC_ARNS: {arn!r} is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)."
        for arn in topic_arns
        if not TOPIC_ARN.match(arn)
    ]


def mediaconvert_problems(
    *, storage_backend: str, bucket: str, role_arn: str, queue_arn: str, region: str,
    endpoint: str, topic_arns: list[str],
) -> list[str]:  # fmt: skip
    """Check what TRANSCODER=mediaconvert needs."""
    problems: list[str] = []
    if storage_backend != "s3" or not bucket:
        problems.append(
            "TRANSCODER=mediaconvert needs STORAGE_BACKEND=s3 with AWS_STORAGE_BUCKET_NAME: "
            "MediaConvert reads sources from S3 and writes its outputs there."
        )
    if not role_arn:
        problems.append(
            "TRANSCODER=mediaconvert needs AWS_MEDIACONVERT_ROLE_ARN, the IAM role "
            "MediaConvert assumes to read and write the bucket (see docs/aws.md)."
        )
    elif not ROLE_ARN.match(role_arn):
        problems.append(
            f"AWS_MEDIACONVERT_ROLE_ARN={role_arn!r} is not an IAM role ARN "
            "(arn:aws:iam::ACCOUNT:role/NAME)."
        )
    if queue_arn and not QUEUE_ARN.match(queue_arn):
        problems.append(
            f"AWS_MEDIACONVERT_QUEUE_ARN={queue_arn!r} is not a MediaConvert queue ARN "
            "(arn:aws:mediaconvert:REGION:ACCOUNT:queues/NAME)."
        )
    if not region:
        problems.append(
            "TRANSCODER=mediaconvert needs AWS_MEDIACONVERT_REGION (or AWS_S3_REGION_NAME)."
        )
    elif not REGION.match(region):
        problems.append(f"AWS_MEDIACONVERT_REGION={region!r} is not an AWS region.")
    elif queue_arn and QUEUE_ARN.match(queue_arn) and queue_arn.split(":")[3] != region:
        problems.append(
            f"AWS_MEDIACONVERT_QUEUE_ARN is in {queue_arn.split(':')[3]}, "
            f"but MediaConvert is used in {region}: they must match."
        )
    if endpoint and urlsplit(endpoint).scheme not in ("https", "http"):
        problems.append(f"AWS_MEDIACONVERT_ENDPOINT={endpoint!r} is not an http(s) URL.")
    if not topic_arns:
        problems.append(
            "TRANSCODER=mediaconvert needs AWS_SNS_TOPIC_ARNS: completion events arrive "
            "through SNS (polling alone would publish videos only once a minute)."
        )
    return problems
