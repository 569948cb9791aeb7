from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from django_q.signals import post_spawn

        from accounts.services import on_user_delete
        from catalog import checks, services, tasks  # noqa: F401 (checks register)
        from catalog.transcoding.backends import mediaconvert
        from config.aws.events import register_event_handler

        post_spawn.connect(tasks.reclaim_on_worker_start, dispatch_uid="catalog.reclaim")
        on_user_delete(services.user_videos_delete)  # deleting an account deletes its files
        register_event_handler(
            mediaconvert.EVENT_SOURCE, mediaconvert.EVENT_TYPE, mediaconvert.on_job_state_change
        )
