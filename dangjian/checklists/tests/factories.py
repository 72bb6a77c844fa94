"""Builders for checklists tests: tasks published to owners, reports, supervision visits."""

from __future__ import annotations

import io
from datetime import date

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image

from dangjian.checklists import services
from dangjian.checklists.models import Assignment, Category, KeyTask, LedgerEntry
from dangjian.core.actors import SYSTEM
from dangjian.orgs.models import LiaisonGroup, Org


def task(
    zone: Org,
    owners: list[Org],
    *,
    title: str = "开展“五星”支部创建",
    category: str = Category.EXCELLENCE,
    start_on: date = date(2023, 2, 1),
    due_on: date = date(2023, 6, 30),
    publish: bool = True,
    **fields,
) -> KeyTask:
    with transaction.atomic():
        return services.create_task(
            actor=fields.pop("actor", SYSTEM),
            zone=zone,
            year=start_on.year,
            category=category,
            title=title,
            start_on=start_on,
            due_on=due_on,
            owners=owners,
            publish=publish,
            **fields,
        )


def assignment(task: KeyTask, org: Org) -> Assignment:
    return Assignment.objects.select_related("task", "org").get(task=task, org=org)


def report(actor, a: Assignment, *, final: bool = True, text: str = "已完成", **fields):
    with transaction.atomic():
        return services.submit_report(actor=actor, assignment=a, text=text, final=final, **fields)


def review(actor, r, accept: bool = True, note: str = ""):
    with transaction.atomic():
        return services.review_report(actor=actor, report=r, accept=accept, note=note)


def png(name: str = "photo.png", size: tuple[int, int] = (8, 8)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf(name: str = "report.pdf", body: bytes = b"") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + body + b"\n%%EOF\n", content_type="application/pdf")


class LiaisonGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LiaisonGroup
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"第{n + 1}联络组")
    leader_name = "联络组长"

    @factory.post_generation
    def covers(self, create, extracted, **kwargs):
        if create and extracted:
            self.orgs.add(*extracted)


class LedgerEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LedgerEntry

    name = factory.Sequence(lambda n: f"台账{n}")
    order = factory.Sequence(lambda n: n)
