from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dangjian.core"
    label = "core"
    verbose_name = "平台核心"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deploy checks and the registry's check)
