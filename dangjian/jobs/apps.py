from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "dangjian.jobs"
    label = "jobs"
    verbose_name = "后台任务"

    def ready(self) -> None:
        from dangjian.core.audit_labels import register_action_labels

        from . import schedule  # noqa: F401  (registers the platform's own daily work)

        register_action_labels({"jobs.export.queue": "后台导出", "jobs.export.download": "下载导出文件"})
