from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from django_q.signals import post_spawn

        from catalog import tasks

        post_spawn.connect(tasks.reclaim_on_worker_start, dispatch_uid="catalog.reclaim")
