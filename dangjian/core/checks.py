from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def refuse_development_keys(app_configs, **kwargs):
    """`check --deploy` fails while the generated development secrets are in use."""
    errors = []
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
