from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "dangjian.reports"
    label = "reports"
    verbose_name = "统计与报告"

    def ready(self) -> None:
        from .examples import register_builtin_examples

        register_builtin_examples()
