"""The policy a fresh install starts with (moderation.policy.DEFAULT_RULES)."""

from django.db import migrations

DEFAULT_RULES = [
    ("insult", 0.9, "hide"),
    ("hate_speech", 0.5, "hide"),
    ("threat", 0.5, "hide"),
    ("self_harm", 0.5, "hide"),
    ("harassment", 0.8, "hide"),
    ("blocked_term", 0.5, "hide"),
    ("sexual", 0.9, "review"),
    ("graphic", 0.9, "review"),
    ("explicit_nudity", 0.5, "review"),
    ("explicit_nudity", 0.8, "end_stream"),
    ("suggestive", 0.9, "review"),
    ("violence", 0.8, "review"),
    ("visually_disturbing", 0.8, "review"),
    ("drugs_tobacco", 0.8, "review"),
    ("hate_symbols", 0.8, "hide"),
]


def add_rules(apps, schema_editor):  # type: ignore[no-untyped-def]
    PolicyRule = apps.get_model("moderation", "PolicyRule")
    for label, threshold, action in DEFAULT_RULES:
        PolicyRule.objects.get_or_create(
            label=label, threshold=threshold, defaults={"action": action}
        )


class Migration(migrations.Migration):
    dependencies = [("moderation", "0003_policy_flags_reports")]
    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
