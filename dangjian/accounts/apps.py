from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from dangjian.core import registry

        from . import signals  # noqa: F401  (login auditing)
        from .grants import grants_of

        registry.provide("grants", grants_of)
