from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from . import registry


@register(Tags.security, deploy=True)
def refuse_development_keys(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """`check --deploy` fails while the generated development secrets are in use."""
    errors: list[CheckMessage] = []
    if settings.SECRET_KEY.startswith("django-insecure-"):
        errors.append(Error("DJANGO_SECRET_KEY is the generated development key", id="dangjian.E001"))
    if settings.PII_DEV_KEYS_IN_USE:
        errors.append(
            Error(
                "DANGJIAN_PII_KEYS / DANGJIAN_PII_INDEX_KEY are the generated development keys",
                id="dangjian.E002",
            )
        )
    if settings.DEBUG:
        errors.append(Error("DJANGO_DEBUG must be 0 in production", id="dangjian.E003"))
    return errors


@register()
def registrations_are_consistent(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """Every app's registrations (core.registry) fit together: a bad one stops the start."""
    return [Error(problem, id="dangjian.E010") for problem in registry.problems()]


def _metrics_modules_not_loaded() -> list[str]:
    """An app with a ``metrics.py`` its ``ready()`` never imported would lose its figures quietly."""
    import importlib.util
    import sys

    from django.apps import apps

    missing = []
    for config in apps.get_app_configs():
        module = f"{config.name}.metrics"
        unloaded = config.name.startswith("dangjian.") and module not in sys.modules
        if unloaded and importlib.util.find_spec(module) is not None:
            missing.append(f"{config.label}: metrics.py exists but its AppConfig.ready() does not import it")
    return missing


registry.add_validator(_metrics_modules_not_loaded)
