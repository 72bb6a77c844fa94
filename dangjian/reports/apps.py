from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "dangjian.reports"
    label = "reports"
    verbose_name = "统计与报告"

    def ready(self) -> None:
        from dangjian.core import registry

        from .checks import summary_references_are_registered

        registry.add_validator(summary_references_are_registered)
