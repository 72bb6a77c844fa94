from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "dangjian.reports"
    label = "reports"
    verbose_name = "统计与报告"

    def ready(self) -> None:
        from dangjian.core import figures as marks
        from dangjian.core import registry
        from dangjian.jobs.registry import register_daily

        from . import figures
        from .checks import summary_references_are_registered
        from .tasks import queue_refresh

        registry.add_validator(summary_references_are_registered)
        # The figure store: every app has registered its metrics by now (reports comes after them in
        # INSTALLED_APPS), so the signals of every fact model can be hooked.
        registry.provide("figures.refresh", queue_refresh)
        from .todo import home_for

        registry.provide("home", home_for)
        marks.connect()
        register_daily("reports.rebuild_figures", figures.rebuild_daily)
