from django.apps import AppConfig


class ChecklistsConfig(AppConfig):
    name = "dangjian.checklists"
    label = "checklists"
    verbose_name = "重点任务与督导"

    def ready(self) -> None:
        from . import ledgers, metrics  # metrics registers its figures and examples

        ledgers.register()
        del metrics
