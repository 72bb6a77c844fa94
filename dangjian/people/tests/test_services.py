"""Transfers, the development pipeline and dues: the rules of DOMAIN.md, one at a time."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError

from dangjian.core.models import AuditEntry
from dangjian.orgs.models import Org
from dangjian.people import development, dues, transfers
from dangjian.people.models import DuesCategory, Member, Person, TransferKind, TransferState
from dangjian.people.selectors import transfers_visible_to, unpaid_dues

from .factories import MemberFactory, PersonFactory, fresh_id

pytestmark = pytest.mark.django_db


def org(code):
    return Org.objects.get(code=code)


# ---------------------------------------------------------------- transfers


def test_transfer_between_branches_moves_the_member_and_keeps_the_history(admin_user, branch, other_branch):
    member = MemberFactory(org=branch)
    t = transfers.request_transfer_out(
        actor=admin_user, member=member, applied_on=date(2024, 3, 1), months_away=12, to_org=other_branch
    )
    assert t.kind == TransferKind.FORMAL
    transfers.approve_transfer(actor=admin_user, transfer=t, on=date(2024, 3, 2))
    transfers.issue_letter(actor=admin_user, transfer=t, on=date(2024, 3, 3))
    assert t.due_on == date(2024, 6, 1)
    transfers.receive_transfer(actor=admin_user, transfer=t, on=date(2024, 3, 20))
    member.refresh_from_db()
    assert member.org == other_branch
    history = list(member.periods.order_by("started_on").values_list("org__code", "ended_on"))
    assert history == [("T-A", date(2024, 3, 20)), ("T-B", None)]


def test_short_absence_gets_a_temporary_certificate(admin_user, branch):
    t = transfers.request_transfer_out(
        actor=admin_user,
        member=MemberFactory(org=branch),
        applied_on=date(2024, 3, 1),
        months_away=6,
        outside_org_name="郑州某社区党委",
    )
    assert t.kind == TransferKind.TEMPORARY


def test_receiving_branch_sees_the_transfer_but_not_before_it_is_addressed_to_it(
    admin_user, secretary, outsider, branch, other_branch
):
    t = transfers.request_transfer_out(
        actor=secretary,
        member=MemberFactory(org=branch),
        applied_on=date(2024, 3, 1),
        months_away=12,
        to_org=other_branch,
    )
    assert t in transfers_visible_to(outsider)
    with pytest.raises(ValidationError, match="转出支部"):
        transfers.approve_transfer(actor=outsider, transfer=t, on=date(2024, 3, 2))


def test_a_letter_past_its_validity_is_flagged_overdue(admin_user, branch):
    t = transfers.request_transfer_out(
        actor=admin_user,
        member=MemberFactory(org=branch),
        applied_on=date(2024, 1, 2),
        months_away=12,
        outside_org_name="外地",
    )
    transfers.approve_transfer(actor=admin_user, transfer=t, on=date(2024, 1, 3))
    transfers.issue_letter(actor=admin_user, transfer=t, on=date(2024, 1, 4))
    assert not t.is_overdue(date(2024, 4, 3))
    assert t.is_overdue(date(2024, 4, 4))
    assert transfers.mark_overdue_transfers(actor=admin_user, today=date(2024, 4, 4)) == 1
    t.refresh_from_db()
    assert t.state == TransferState.EXPIRED


def test_receipt_from_outside_takes_the_member_off_the_roll(admin_user, branch):
    member = MemberFactory(org=branch)
    t = transfers.request_transfer_out(
        actor=admin_user, member=member, applied_on=date(2024, 1, 2), months_away=12, outside_org_name="外地"
    )
    transfers.approve_transfer(actor=admin_user, transfer=t, on=date(2024, 1, 3))
    transfers.issue_letter(actor=admin_user, transfer=t, on=date(2024, 1, 4))
    transfers.receive_transfer(actor=admin_user, transfer=t, on=date(2024, 2, 1))
    member.refresh_from_db()
    assert member.left_on == date(2024, 2, 1)


def test_transfer_in_from_outside_creates_the_member_when_received(admin_user, branch):
    number = fresh_id(date(1980, 1, 1), "男")
    t = transfers.request_transfer_in(
        actor=admin_user,
        to_org=branch,
        person_name="赵建军",
        id_number=number,
        outside_org_name="上海某企业党委",
        applied_on=date(2024, 5, 1),
        status="full",
        joined_on=date(2001, 7, 1),
    )
    transfers.receive_transfer(actor=admin_user, transfer=t, on=date(2024, 5, 10))
    member = Member.objects.get(person__name="赵建军")
    assert member.org == branch and member.periods.count() == 1


def test_a_second_open_transfer_is_refused(admin_user, branch):
    member = MemberFactory(org=branch)
    transfers.request_transfer_out(
        actor=admin_user, member=member, applied_on=date(2024, 1, 2), months_away=12, outside_org_name="甲"
    )
    with pytest.raises(ValidationError, match="未办结"):
        transfers.request_transfer_out(
            actor=admin_user,
            member=member,
            applied_on=date(2024, 1, 3),
            months_away=12,
            outside_org_name="乙",
        )


# ---------------------------------------------------------------- development


@pytest.fixture
def applicant(branch):
    return PersonFactory(org=branch, id_number=fresh_id(date(2000, 1, 1), "女"))


@time_machine.travel(date(2026, 6, 1))
def test_an_applicant_under_18_is_refused(admin_user, branch):
    young = PersonFactory(org=branch, id_number=fresh_id(date(2010, 1, 1), "男"))
    with pytest.raises(ValidationError, match="年满18周岁"):
        development.register_application(
            actor=admin_user, person=young, org=branch, applied_on=date(2026, 5, 20)
        )


@time_machine.travel(date(2026, 6, 1))
def test_candidate_before_one_year_as_activist_is_refused_with_the_rule_named(admin_user, branch, applicant):
    case = development.register_application(
        actor=admin_user, person=applicant, org=branch, applied_on=date(2026, 5, 20)
    )
    development.record_talk(actor=admin_user, case=case, on=date(2026, 5, 25))
    development.make_activist(actor=admin_user, case=case, on=date(2026, 5, 30))
    with pytest.raises(ValidationError, match="一年以上") as exc:
        development.make_candidate(actor=admin_user, case=case, on=date(2026, 6, 1))
    assert exc.value.code == "activist_one_year"


def test_back_dating_without_a_note_is_refused(admin_user, branch, applicant):
    with pytest.raises(ValidationError, match="补录"):
        development.register_application(
            actor=admin_user, person=applicant, org=branch, applied_on=date(2020, 1, 1)
        )
    case = development.register_application(
        actor=admin_user, person=applicant, org=branch, applied_on=date(2020, 1, 1), note="补录纸质档案"
    )
    assert case.steps.get().note == "补录纸质档案"


def test_a_stopped_case_blocks_every_later_step(admin_user, branch, applicant):
    case = development.register_application(
        actor=admin_user, person=applicant, org=branch, applied_on=date(2022, 1, 5), note="补录"
    )
    development.stop_case(actor=admin_user, case=case, on=date(2022, 2, 1), reason="本人撤回申请")
    with pytest.raises(ValidationError, match="已终止"):
        development.record_talk(actor=admin_user, case=case, on=date(2022, 2, 2), note="补录")


# ---------------------------------------------------------------- dues


@pytest.mark.parametrize(
    ("category", "income_yuan", "expected_fen"),
    [
        (DuesCategory.SALARIED, 3000, 1500),  # 0.5%
        (DuesCategory.SALARIED, 3000.01, 3000),  # 1%
        (DuesCategory.SALARIED, 5000, 5000),
        (DuesCategory.SALARIED, 8000, 12000),  # 1.5%
        (DuesCategory.SALARIED, 12000, 24000),  # 2%
        (DuesCategory.RETIRED, 5000, 2500),
        (DuesCategory.RETIRED, 6000, 6000),
        (DuesCategory.STUDENT, 0, 20),
        (DuesCategory.LOW_INCOME, 0, 20),
        (DuesCategory.FARMER, 0, 100),
    ],
)
def test_monthly_dues_follow_the_brackets(category, income_yuan, expected_fen):
    assert dues.monthly_dues_fen(category, round(income_yuan * 100)) == expected_fen


def test_a_farmer_pays_between_twenty_fen_and_one_yuan():
    assert dues.monthly_dues_fen(DuesCategory.FARMER, farmer_fen=50) == 50
    with pytest.raises(ValidationError):
        dues.monthly_dues_fen(DuesCategory.FARMER, farmer_fen=200)


def test_a_month_is_paid_at_most_once(admin_user, branch):
    member = MemberFactory(org=branch)
    dues.set_dues_assessment(
        actor=admin_user, member=member, year=2024, category=DuesCategory.SALARIED, monthly_income_fen=400_000
    )
    before = AuditEntry.objects.count()
    dues.record_dues_payment(
        actor=admin_user, member=member, month=date(2024, 3, 15), paid_on=date(2024, 3, 20)
    )
    assert member.dues_payments.get().amount_fen == 4000
    with pytest.raises(ValidationError, match="已登记"):
        dues.record_dues_payment(
            actor=admin_user, member=member, month=date(2024, 3, 1), paid_on=date(2024, 3, 21)
        )
    assert AuditEntry.objects.count() == before + 1


def test_members_unpaid_for_six_months_are_flagged(admin_user, secretary, branch):
    paying, lapsed = MemberFactory(org=branch), MemberFactory(org=branch)
    newcomer = MemberFactory(org=branch, joined_on=date(2024, 5, 1))
    for m in (paying, lapsed):
        dues.set_dues_assessment(actor=admin_user, member=m, year=2024, category=DuesCategory.STUDENT)
    for month in range(1, 11):
        dues.record_dues_payment(
            actor=admin_user, member=paying, month=date(2024, month, 1), paid_on=date(2024, month, 5)
        )
    for month in range(1, 4):
        dues.record_dues_payment(
            actor=admin_user, member=lapsed, month=date(2024, month, 1), paid_on=date(2024, month, 5)
        )
    flagged = set(unpaid_dues(secretary, today=date(2024, 10, 15)))
    assert lapsed in flagged and paying not in flagged and newcomer not in flagged
    assert not unpaid_dues(secretary, today=date(2024, 8, 15)).filter(pk=lapsed.pk).exists()


def test_metrics_count_members_on_the_roll_at_year_end(admin_user, branch, zone):
    from dangjian.core import metrics

    MemberFactory(org=branch, joined_on=date(2020, 1, 1))
    MemberFactory(org=branch, joined_on=date(2023, 6, 1), status="probationary", full_on=None)
    MemberFactory(org=branch, joined_on=date(2024, 2, 1))
    gone = MemberFactory(org=branch, joined_on=date(2010, 1, 1))
    gone.left_on = date(2023, 5, 1)
    gone.save()
    on_roll = metrics.get("members.on_roll")
    assert on_roll.value(zone, 2023) == 2
    assert on_roll.split(zone, 2023) == {"正式党员": 1, "预备党员": 1}
    assert metrics.get("members.new").value(zone, 2023) == 1
    assert metrics.get("members.by_kind").split(zone, 2023) == {"村": 2}
    assert sum(metrics.get("members.by_age_band").split(zone, 2023).values()) == 2


def test_person_page_assesses_dues_and_shows_the_monthly_amount(secretary_client, branch):
    from django.urls import reverse

    member = MemberFactory(org=branch)
    response = secretary_client.post(
        reverse("people:dues_assess"),
        {"member_id": member.pk, "year": 2024, "category": "salaried", "monthly_income": "4000"},
    )
    assert response.status_code == 302
    page = secretary_client.get(reverse("people:person", args=[member.person_id])).content.decode()
    assert "每月40.00元" in page


def test_pinyin_initials_read_character_by_character_are_pypinyins_own():
    import random

    from pypinyin import Style, lazy_pinyin

    from dangjian.core.seeding import fake_name
    from dangjian.people.services import name_initials

    rng = random.Random(11)
    names = [fake_name(rng) for _ in range(3000)]
    names += [
        "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(rng.randrange(1, 6))) for _ in range(3000)
    ]
    names += ["曾国藩", "单雄信", "长孙无忌", "尉迟恭", "阿卜杜·热合曼", "Anna王", "王2号", "朝阳"]
    for name in names:
        whole = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default", strict=False)
        assert name_initials(name) == "".join(whole).lower()[:50], name


def test_a_secretary_links_a_members_own_login_but_not_one_of_another_branch(secretary, branch, other_branch):
    from conftest import make_user
    from dangjian.people.selectors import member_for_user
    from dangjian.people.services import link_login

    own, foreign = MemberFactory(org=branch), MemberFactory(org=other_branch)
    user = make_user("jiacun")
    assert link_login(actor=secretary, person=own.person, user=user).user == user
    assert member_for_user(user) == own
    with pytest.raises(ValidationError, match="管理范围"):
        link_login(actor=secretary, person=foreign.person, user=make_user("yicun2"))
    other = MemberFactory(org=branch)
    with pytest.raises(ValidationError, match="已关联其他人员"):
        link_login(actor=secretary, person=other.person, user=user)
    assert Person.objects.get(pk=other.person_id).user is None


def test_persons_without_an_id_number_coexist_and_a_repeated_id_number_is_refused_by_the_database(branch):
    from django.db import IntegrityError, transaction

    from dangjian.people.services import prepare_person

    first, second = (prepare_person(Person(org=branch, name=name)) for name in ("张三", "李四"))
    first.save()
    second.save()
    assert list(Person.objects.filter(pk__in=[first.pk, second.pk]).values_list("id_index", flat=True)) == [
        None,
        None,
    ]
    number = fresh_id()
    prepare_person(Person(org=branch, name="王五", id_number=number)).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        prepare_person(Person(org=branch, name="赵六", id_number=number)).save()


def test_a_person_is_found_by_id_number_through_the_unique_index_alone(branch):
    from django.db import connection

    from dangjian.core.pii import blind_index

    person = PersonFactory(org=branch)
    found = Person.objects.filter(id_index=blind_index("id", person.id_number))
    assert list(found) == [person]
    indexes = {
        index
        for index, details in connection.introspection.get_constraints(
            connection.cursor(), "people_person"
        ).items()
        if details["columns"] == ["id_index"]
    }
    assert len(indexes) == 1  # one btree on these random keys for every insert to keep up
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            sql, params = found.values("pk").query.sql_with_params()
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "INDEX" in plan and "SCAN" not in plan
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT column_name, collation_name FROM information_schema.columns"
                " WHERE table_name = 'people_person' AND column_name IN ('id_index', 'phone_index', 'name_initials')"
            )
            assert dict(cursor.fetchall()) == {"id_index": "C", "phone_index": "C", "name_initials": "C"}
