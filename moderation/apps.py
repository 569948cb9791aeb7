from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Classifiers, flags and bans (filled by the moderation issue)."""

    name = "moderation"
    verbose_name = "Moderation"
