"""The permission to end any channel's stream, and the streamers group (live/streamers.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "streamers"
# As live/streamers.py's PERMISSIONS when this migration was written (migrations are frozen).
PERMISSIONS = {
    ("live", "channel"): ("add", "view", "change", "delete"),
    ("live", "livesession"): ("view", "delete"),
    ("live", "channelmoderator"): ("add", "view", "delete"),
    ("catalog", "video"): ("view", "change", "delete"),
}


def create_group(apps, schema_editor):
    # Permissions are made by post_migrate, after every migration; make them now instead.
    for label in ("catalog", "live"):
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    for (app, model), actions in PERMISSIONS.items():
        codenames = [f"{action}_{model}" for action in actions]
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label=app, content_type__model=model, codename__in=codenames
            )
        )


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("live", "0002_bus_presence"),
        ("catalog", "0004_video_kind"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="channel",
            options={
                "ordering": ["-is_live", "-created"],
                "permissions": [("end_any_session", "Can end any channel's live session")],
            },
        ),
        migrations.RunPython(create_group, delete_group),
    ]
