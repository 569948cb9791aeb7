from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """An Onair account: viewer, uploader and (later) streamer."""
