"""Factories for persons and members, and builders of roster files as branches keep them."""

from __future__ import annotations

import csv
import io
import random
from datetime import date

import factory
from django.db import transaction

from dangjian.core.idcard import make_id
from dangjian.core.seeding import fake_name
from dangjian.people.models import Member, MembershipPeriod, MemberStatus, Person
from dangjian.people.services import prepare_person

_seq = iter(range(10**6))


def fresh_id(birth: date | None = None, sex: str = "男") -> str:
    """A valid fictitious ID number, unique within a test run."""
    n = next(_seq)
    # Born by 1979, so a member joined in 2000 (MemberFactory) was over 18 whatever the sequence.
    birth = birth or date(1960 + n % 20, 1 + n % 12, 1 + n % 28)
    return (
        make_id("410611", birth, n % 100, sex)
        if n < 100
        else make_id(f"4106{11 + (n // 100) % 80:02d}", birth, n % 100, sex)
    )


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: fake_name(random.Random(n)))
    id_number = factory.LazyFunction(fresh_id)
    ethnicity = "汉族"
    education = "高中"
    phone = factory.Sequence(lambda n: f"139{n:08d}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        person = model_class(*args, **kwargs)
        prepare_person(person)
        person.save()
        return person


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    person = factory.SubFactory(PersonFactory, org=factory.SelfAttribute("..org"))
    status = MemberStatus.FULL
    joined_on = date(2000, 7, 1)
    full_on = date(2001, 7, 1)

    @factory.post_generation
    def period(self, create, extracted, **kwargs):
        if create:
            MembershipPeriod.objects.create(member=self, org=self.org, started_on=self.joined_on)


HEADER = [
    "序号",
    "姓名",
    "性别",
    "民族",
    "出生年月",
    "公民身份号码",
    "学历",
    "入党时间",
    "转正时间",
    "工作单位及职务",
    "联系电话",
]


def roster_rows(n: int, start: int = 0) -> list[list]:
    rows = []
    for i in range(n):
        sex = "男" if i % 2 else "女"
        birth = date(1950 + (i * 7) % 50, 1 + i % 12, 1 + i % 28)
        number = fresh_id(birth, sex)
        rows.append(
            [
                start + i + 1,
                fake_name(random.Random(f"r{start + i}")),
                sex,
                "汉族",
                f"{birth:%Y.%m}",
                number,
                "大专",
                f"{birth.year + 25}.07",
                f"{birth.year + 26}.07",
                "村民",
                f"1390000{start + i:04d}",
            ]
        )
    return rows


def xlsx_bytes(
    rows: list[list], header=HEADER, title: str | None = "甲村党支部党员花名册", text_ids: bool = True
) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], header=HEADER, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["甲村党支部党员花名册"])
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xls_bytes(rows: list[list], header=HEADER) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("花名册")
    sheet.write_merge(0, 0, 0, len(header) - 1, "甲村党支部党员花名册")
    for c, name in enumerate(header):
        sheet.write(1, c, name)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def atomic_import(**kwargs):
    from dangjian.people.importers import import_members

    with transaction.atomic():
        return import_members(**kwargs)


def ods_bytes(rows: list[list], header=HEADER) -> bytes:
    """A minimal OpenDocument spreadsheet (content.xml + manifest), as LibreOffice/WPS save one."""
    import zipfile
    from xml.sax.saxutils import escape

    def cell(v) -> str:
        if isinstance(v, int | float):
            return f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'

    table = [["甲村党支部党员花名册"], header, *rows]
    body = "".join("<table:table-row>" + "".join(cell(v) for v in r) + "</table:table-row>" for r in table)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content'
        ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="花名册">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest'
        ' xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return out.getvalue()
