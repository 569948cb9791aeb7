from django.apps import AppConfig


class LiveConfig(AppConfig):
    """Streamer channels, ingest and chat (filled by the live-streaming issue)."""

    name = "live"
    verbose_name = "Live"
