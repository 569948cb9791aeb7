"""`manage.py check` on the rekognition backend's settings."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from moderation.checks import check_aws_settings

pytestmark = pytest.mark.database_free


def ids() -> list[str]:
    return [str(message.id) for message in check_aws_settings()]


@pytest.fixture(autouse=True)
def rekognition(settings: Any) -> None:
    settings.MODERATION_BACKEND = "rekognition"
    settings.MODERATION_AWS_REGION = "eu-west-1"
    settings.MODERATION_REKOGNITION_EXTRA_LABELS = []
    settings.MODERATION_AWS_MIN_CONFIDENCE = 50


def test_a_complete_configuration_passes(settings: Any) -> None:
    assert check_aws_settings() == []


def test_a_missing_region_is_one_clear_error(settings: Any) -> None:
    settings.MODERATION_AWS_REGION = ""
    [message] = check_aws_settings()
    assert message.id == "moderation.E102"
    assert message.msg.startswith("MODERATION_BACKEND=rekognition needs MODERATION_AWS_REGION")


def test_a_misspelt_region_is_one_warning(settings: Any) -> None:
    settings.MODERATION_AWS_REGION = "us-east1"
    [message] = check_aws_settings()
    assert message.id == "moderation.W102"
    assert "'us-east1' is not a region where Amazon Rekognition and Comprehend are" in message.msg


def test_a_confidence_over_100_is_an_error(settings: Any) -> None:
    settings.MODERATION_AWS_MIN_CONFIDENCE = 101
    assert ids() == ["moderation.E101"]


def test_extra_labels_without_the_backend_warn_that_they_are_ignored(settings: Any) -> None:
    settings.MODERATION_BACKEND = "local"
    settings.MODERATION_AWS_REGION = ""
    settings.MODERATION_REKOGNITION_EXTRA_LABELS = ["Cigarette"]
    assert ids() == ["moderation.W101"]
    settings.MODERATION_REKOGNITION_EXTRA_LABELS = []
    assert ids() == []


def test_manage_py_check_reports_it_in_one_line(settings: Any) -> None:
    settings.MODERATION_AWS_REGION = ""
    with pytest.raises(SystemCheckError) as caught:
        call_command("check")
    lines = [line for line in str(caught.value).splitlines() if "moderation.E102" in line]
    assert len(lines) == 1
    assert "needs MODERATION_AWS_REGION" in lines[0]


def test_a_region_without_comprehend_is_named(settings: Any) -> None:
    settings.MODERATION_AWS_REGION = "us-west-1"  # Rekognition, but no Comprehend, there
    [message] = check_aws_settings()
    assert "'us-west-1' is not a region where Comprehend is offered" in message.msg
