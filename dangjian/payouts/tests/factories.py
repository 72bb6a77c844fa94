"""Builders for payouts tests: people on a branch, a programme, a list signed off by three people."""

from __future__ import annotations

import base64
import io
from datetime import date

from django.db import transaction
from PIL import Image

from conftest import make_user
from dangjian.accounts.models import Role
from dangjian.core.idcard import make_id
from dangjian.orgs.models import Org
from dangjian.payouts import services
from dangjian.payouts.models import Kind, Programme, Rule
from dangjian.people.models import Person
from dangjian.people.services import prepare_person


def png_b64(size: tuple[int, int] = (40, 20)) -> str:
    buf = io.BytesIO()
    Image.new("L", size, 255).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def person(org: Org, name: str, birth: date = date(1950, 3, 1), seq: int = 1, **extra) -> Person:
    p = Person(org=org, name=name, birth_date=birth, id_number=make_id("410611", birth, seq, "男"), **extra)
    p = prepare_person(p)
    p.save()
    return p


def signers(roles) -> tuple:
    """Three different people who may prepare, verify and approve on the test zone."""
    zone = Org.objects.get(code="T")
    staff = roles["staff"] if isinstance(roles, dict) else Role.objects.get(identifier="staff")
    admin = Role.objects.get(identifier="zone_admin")
    return (
        make_user("preparer", staff, zone),
        make_user("verifier", staff, zone),
        make_user("approver", admin, zone),
    )


def programme(
    org: Org,
    *,
    kind: str = Kind.REWARD,
    amounts: list[int] | None = None,
    name: str = "测试奖励",
    first_seq: int = 0,
) -> Programme:
    amounts = amounts or [100_00, 200_00, 300_01]
    with transaction.atomic():
        prog = services.create_programme(
            actor=services_system(), org=org, name=name, kind=kind, year=2023, rule=Rule.LISTED
        )
        people = [person(org, f"受益人{i}", seq=i) for i in range(first_seq, first_seq + len(amounts))]
        services.generate_list(
            actor=services_system(),
            programme=prog,
            lines=[services.Line(p, a) for p, a in zip(people, amounts, strict=True)],
        )
    return prog


def approved(org: Org, trio, **kwargs) -> Programme:
    prog = programme(org, **kwargs)
    for user in trio:
        with transaction.atomic():
            prog = services.advance_list(actor=user, programme=prog)
    return prog


def services_system():
    from dangjian.core.actors import SYSTEM

    return SYSTEM
