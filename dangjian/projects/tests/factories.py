"""Factories for projects, teams, enterprises and places (written through the ORM; services are tested)."""

from __future__ import annotations

from datetime import date

import factory

from dangjian.projects.models import (
    CommandoTeam,
    Enterprise,
    Project,
    ProjectKind,
    ProjectStatus,
    ServicePlace,
)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"测试项目{n}")
    kind = ProjectKind.INDUSTRY
    status = ProjectStatus.BUILDING
    investment = 100_000_000  # 100万元
    started_on = date(2023, 3, 1)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommandoTeam

    name = factory.Sequence(lambda n: f"第{n}党员突击队")
    formed_on = date(2023, 3, 1)


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"测试企业{n}")
    workers = 300
    member_workers = 12
    joined_on = date(2022, 1, 1)


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServicePlace

    name = factory.Sequence(lambda n: f"服务站{n}")
    kind = "station"
    opening_hours = "24小时"
