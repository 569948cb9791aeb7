from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Classifiers, flags and bans (filled by the moderation issue)."""

    name = "moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        from moderation import checks  # noqa: F401 (registers the system checks)
