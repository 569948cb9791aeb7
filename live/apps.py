from django.apps import AppConfig


class LiveConfig(AppConfig):
    """Streamer channels, the RTMP ingest, live packaging and replays."""

    name = "live"
    verbose_name = "Live"

    def ready(self) -> None:
        from catalog.media import register_access_rule
        from live.media_access import session_media_access

        register_access_rule("live/", session_media_access)
