from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "dangjian.jobs"
    label = "jobs"
    verbose_name = "后台任务"

    def ready(self) -> None:
        from . import schedule  # noqa: F401  (registers the platform's own daily work)
