"""Production: a secret key is required, HTTPS is enforced and cookies are secure."""

from config.env import env, non_negative_int, secret_key

from .base import *  # noqa: F403

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = secret_key(required=True)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Behind a proxy that terminates TLS, every request reaches Django as plain HTTP; the proxy
# says the original scheme in X-Forwarded-Proto. Trusting that header lets any client that
# reaches Django directly claim HTTPS, so it is opt-in: only behind a proxy that sets the
# header on every request, overwriting what the client sent.
if env.bool("DJANGO_TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Plain HTTP is redirected to HTTPS, except the probes: load balancers check them over plain
# HTTP inside the network, and a redirect would count as a failed check.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# HSTS: browsers that saw the header use HTTPS only, for this many seconds (0 turns it off).
SECURE_HSTS_SECONDS = non_negative_int("DJANGO_SECURE_HSTS_SECONDS", 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
# security.W021 asks for SECURE_HSTS_PRELOAD. It stays off by default on purpose: the preload
# list ships inside browsers, and leaving it takes months of releases, so a self-hoster who
# moves the domain or drops HTTPS on a subdomain would lock visitors out for that long. An
# operator who wants it sets DJANGO_SECURE_HSTS_PRELOAD=true and submits the domain.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
