from django.apps import AppConfig


class LiveConfig(AppConfig):
    """Streamer channels, ingest and chat."""

    name = "live"
    verbose_name = "Live"

    def ready(self) -> None:
        from catalog.sections import register_home_section
        from live import sections

        # The catalog's home page shows the channels live now above its videos.
        register_home_section(template="live/_home_live_now.html", context=sections.live_now)
