"""Production: a secret key is required and cookies are secure."""

from config.env import env, secret_key

from .base import *  # noqa: F403

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = secret_key(required=True)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
