"""Poll remote transcodes (MediaConvert's GetJob) every minute: the fallback for lost events."""

from django.db import migrations

FUNC = "catalog.tasks.poll_remote_transcodes"


def add_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        func=FUNC,
        defaults={
            "name": "Poll remote transcodes",
            "schedule_type": "I",  # Schedule.MINUTES
            "minutes": 1,
            "repeats": -1,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_transcodejob_remote")]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
