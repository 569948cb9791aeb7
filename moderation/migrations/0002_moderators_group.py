"""The site moderators group: bans anywhere, site-wide ones included (moderation/roles.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "moderators"
# As moderation/roles.py's PERMISSIONS when this migration was written (migrations are frozen).
PERMISSIONS = ("add_ban", "change_ban", "view_ban", "ban_site_wide")


def create_group(apps, schema_editor):
    # Permissions are made by post_migrate, after every migration; make them now instead.
    config = apps.get_app_config("moderation")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="moderation", codename__in=PERMISSIONS)
    )


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
