"""Development: the embedded defaults with debugging on unless told otherwise."""

from config.env import env, secret_key

from .base import *  # noqa: F403

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = secret_key(required=False)
