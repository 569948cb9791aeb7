from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Classifiers, policy, flags, reports and bans."""

    name = "moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from accounts import restrictions
        from catalog import hooks as catalog_hooks
        from moderation import (
            checks,  # noqa: F401 (registers the system checks)
            receivers,
            targets,
            uploads,
        )
        from moderation.models import BlockedTerm, PolicyRule

        targets.register(uploads.TARGET)
        restrictions.register(receivers.ban_refusal)
        catalog_hooks.video_published.connect(receivers.video_published, dispatch_uid="moderation")
        for signal in (post_save, post_delete):
            signal.connect(receivers.policy_changed, sender=PolicyRule, dispatch_uid="mod_policy")
            signal.connect(receivers.terms_changed, sender=BlockedTerm, dispatch_uid="mod_terms")
