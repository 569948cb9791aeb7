"""Create the admin user that `make run` promises, or bring it back to its configured state."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

from accounts.models import User

DEFAULT_USERNAME = "admin"


class Command(BaseCommand):
    help = (
        "Ensure an admin user exists. With DJANGO_SUPERUSER_USERNAME/PASSWORD/EMAIL set, use "
        "them (resetting the password on every run); otherwise create 'admin' with a generated "
        "password, printed once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        """Apply the environment's admin settings, or create the default admin once."""
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "").strip() or DEFAULT_USERNAME
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "").strip()
        if password:
            self._from_environment(username=username, password=password, email=email)
        else:
            self._generated(username=username, email=email)

    def _from_environment(self, *, username: str, password: str, email: str) -> None:
        """Create or update the admin so that it matches the environment exactly."""
        with transaction.atomic():
            user, created = User.objects.get_or_create(username=username, defaults={"email": email})
            changed = created
            if email and user.email != email:
                user.email = email
                changed = True
            for flag in ("is_staff", "is_superuser", "is_active"):
                if not getattr(user, flag):
                    setattr(user, flag, True)
                    changed = True
            if not user.check_password(password):
                user.set_password(password)
                changed = True
            if changed:
                user.save()
        verb = "created" if created else ("updated" if changed else "unchanged")
        self.stdout.write(
            f"admin user {username!r} {verb} (password from DJANGO_SUPERUSER_PASSWORD)"
        )

    def _generated(self, *, username: str, email: str) -> None:
        """Create the admin with a random password the first time; never touch it later."""
        if User.objects.filter(username=username).exists():
            self.stdout.write(
                f"admin user {username!r} exists (forgot the password? run: "
                f".venv/bin/python manage.py changepassword {username})"
            )
            return
        password = secrets.token_urlsafe(12)
        try:
            User.objects.create_superuser(username=username, email=email, password=password)
        except IntegrityError as exc:  # another `make run` created it at the same moment
            raise CommandError(f"Could not create the admin user {username!r}: {exc}") from exc
        self.stdout.write(f"admin user: {username}")
        self.stdout.write(f"admin password: {password}")
