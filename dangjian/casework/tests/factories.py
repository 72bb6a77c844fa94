"""Builders for casework tests: a zone's default categories, requests, visits and research records."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from dangjian.casework import services
from dangjian.casework.models import Category, ResearchTheme
from dangjian.core.actors import SYSTEM
from dangjian.orgs.models import Org


def categories(zone: Org) -> dict[str, Category]:
    with transaction.atomic():
        services.ensure_default_categories(zone)
    return {c.code: c for c in Category.objects.filter(zone=zone)}


def aware(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def request(
    org: Org, category: Category, *, received: date | None = None, description: str = "路灯坏了", **extra
):
    with transaction.atomic():
        created, code = services.create_request(
            actor=SYSTEM,
            org=org,
            category=category,
            description=description,
            phone=extra.pop("phone", "13912345678"),
            received_at=aware(received) if received else None,
            **extra,
        )
    created.tracking_code = code
    return created


def theme(org: Org, year: int = 2023, title: str = "关于农村人居环境的调研") -> ResearchTheme:
    with transaction.atomic():
        return services.create_theme(actor=SYSTEM, org=org, year=year, title=title)
