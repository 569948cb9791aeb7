from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    """An Onair account: viewer, uploader and (later) streamer."""

    # API tokens issued before this moment are refused (accounts.authentication). Every way
    # Django changes a password (the password-change and reset pages, the admin, the
    # changepassword and createsuperuser commands, create_user) goes through set_password().
    password_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    def set_password(self, raw_password: str | None) -> None:
        """Set the password and note when, which revokes the API tokens issued before."""
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def set_unusable_password(self) -> None:
        """Turn off password sign-in, and with it the API tokens issued before."""
        super().set_unusable_password()
        self.password_changed_at = timezone.now()
