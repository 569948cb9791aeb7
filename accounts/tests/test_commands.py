"""The ensure_admin command run by `make run`."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User

pytestmark = pytest.mark.django_db

ENV = ("DJANGO_SUPERUSER_USERNAME", "DJANGO_SUPERUSER_PASSWORD", "DJANGO_SUPERUSER_EMAIL")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def ensure_admin() -> str:
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    return out.getvalue()


def test_environment_creates_the_superuser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "first-secret-phrase")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.com")

    output = ensure_admin()

    user = User.objects.get(username="root")
    assert user.is_superuser and user.is_staff and user.is_active
    assert user.email == "root@example.com"
    assert user.check_password("first-secret-phrase")
    assert "first-secret-phrase" not in output
    assert "admin password" not in output
    assert not User.objects.filter(username="admin").exists()


def test_environment_resets_the_password_on_a_later_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "first-secret-phrase")
    ensure_admin()
    user = User.objects.get(username="root")
    user.set_password("changed-in-the-admin")
    user.is_superuser = False
    user.save()

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "second-secret-phrase")
    output = ensure_admin()

    user.refresh_from_db()
    assert user.check_password("second-secret-phrase")
    assert user.is_superuser
    assert "updated" in output
    assert User.objects.filter(username="root").count() == 1


def test_environment_unchanged_run_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "first-secret-phrase")
    ensure_admin()
    assert "unchanged" in ensure_admin()


def test_generated_password_is_printed_on_the_first_run_only() -> None:
    first = ensure_admin()

    match = re.search(r"^admin password: (\S+)$", first, re.MULTILINE)
    assert match, first
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(match.group(1))
    assert len(match.group(1)) >= 12

    second = ensure_admin()

    assert "admin password" not in second
    assert match.group(1) not in second
    admin.refresh_from_db()
    assert admin.check_password(match.group(1))  # a later run leaves the password alone


def test_generated_passwords_differ_between_installs() -> None:
    first = re.search(r"admin password: (\S+)", ensure_admin())
    User.objects.all().delete()
    second = re.search(r"admin password: (\S+)", ensure_admin())
    assert first and second
    assert first.group(1) != second.group(1)
