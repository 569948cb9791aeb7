from django.apps import AppConfig


class LiveConfig(AppConfig):
    """Streamer channels, ingest and chat (filled by the live-streaming issue)."""

    name = "live"
    verbose_name = "Live"

    def ready(self) -> None:
        from accounts.services import on_user_delete
        from live import services

        # Deleting an account deletes its channels' images and ends their streams.
        on_user_delete(services.user_channels_delete)
