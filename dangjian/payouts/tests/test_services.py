"""Payout lists, payments and reversals: the rules of DOMAIN.md, held by services and the database."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from dangjian.core.actors import SYSTEM
from dangjian.core.models import AuditEntry
from dangjian.core.scoping import OutOfScope
from dangjian.payouts import selectors, services
from dangjian.payouts.models import (
    Entitlement,
    Kind,
    ListStatus,
    Method,
    Payment,
    Reversal,
    Rule,
    SignedSheet,
    Step,
)
from dangjian.payouts.services import PayoutError

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def trio(roles, admin_user):
    return f.signers(roles)


def _pay(prog, line=0, actor=SYSTEM, **kw):
    e = prog.entitlements.order_by("line_no")[line]
    kw.setdefault("method", Method.COUNTER)
    kw.setdefault("signature_png", f.png_b64())
    with transaction.atomic():
        return services.pay_entitlement(actor=actor, entitlement=e, **kw)


def test_a_list_is_prepared_verified_and_approved_by_three_different_people(branch, trio):
    prog = f.approved(branch, trio)
    assert prog.status == ListStatus.APPROVED
    assert (prog.prepared_by, prog.verified_by, prog.approved_by) == trio
    assert prog.approved_count == 3 and prog.approved_total_fen == 600_01


def test_the_same_person_may_not_sign_off_a_list_twice(branch, trio):
    prog = f.programme(branch)
    services.advance_list(actor=trio[0], programme=prog)
    with pytest.raises(PayoutError) as exc:
        services.advance_list(actor=trio[0], programme=prog)
    assert exc.value.code == "same_person"


def test_a_branch_secretary_cannot_approve_a_list(branch, trio, secretary):
    prog = f.programme(branch)
    services.advance_list(actor=trio[0], programme=prog)
    services.advance_list(actor=trio[1], programme=prog)
    with pytest.raises(OutOfScope):
        services.advance_list(actor=secretary, programme=prog)


def test_an_approved_list_does_not_change_when_the_registry_does(branch, trio):
    prog = f.approved(branch, trio)
    line = prog.entitlements.order_by("line_no").first()
    line.person.name = "改名后"
    line.person.save()
    line.refresh_from_db()
    assert line.name == "受益人0"
    with pytest.raises(PayoutError) as exc:
        services.generate_list(actor=SYSTEM, programme=prog, lines=[])
    assert exc.value.code == "frozen"


def test_the_database_refuses_to_edit_a_line_of_an_approved_list(branch, trio):
    prog = f.approved(branch, trio)
    with pytest.raises(Exception, match="frozen"), transaction.atomic():
        prog.entitlements.update(amount_fen=1)


def test_the_database_refuses_to_update_or_delete_ledger_rows(branch, trio):
    prog = f.approved(branch, trio)
    payment = _pay(prog)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(amount_fen=1)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).delete()


def test_the_database_refuses_a_second_unreversed_payment_even_without_the_service(branch, trio):
    prog = f.approved(branch, trio)
    payment = _pay(prog)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            entitlement=payment.entitlement,
            amount_fen=payment.amount_fen,
            method=Method.BANK,
            paid_at=timezone.now(),
        )


def test_paying_twice_is_refused_as_already_paid(branch, trio):
    prog = f.approved(branch, trio)
    _pay(prog)
    with pytest.raises(PayoutError) as exc:
        _pay(prog)
    assert exc.value.code == "already_paid"


def test_a_list_not_yet_approved_cannot_be_paid(branch, trio):
    prog = f.programme(branch)
    services.advance_list(actor=trio[0], programme=prog)
    with pytest.raises(PayoutError) as exc:
        _pay(prog)
    assert exc.value.code == "not_approved"


def test_a_counter_payment_needs_a_png_signature(branch, trio):
    prog = f.approved(branch, trio)
    for bad in (None, "", "bm90IGEgcG5n", "%%%"):
        with pytest.raises(PayoutError):
            _pay(prog, signature_png=bad)
    assert not Payment.objects.exists()


def test_a_signature_is_stored_encrypted_with_its_hash(branch, trio):
    from django.db import connection

    prog = f.approved(branch, trio)
    payment = _pay(prog)
    assert len(payment.signature_sha256) == 64
    with connection.cursor() as c:
        c.execute("SELECT signature_png FROM payouts_payment WHERE id = %s", [payment.pk])
        stored = c.fetchone()[0]
    assert not stored.startswith("iVBOR")  # base64 of the PNG magic: it is not in clear


def test_a_proxy_collects_with_a_valid_id_which_pages_show_masked(branch, trio):
    prog = f.approved(branch, trio)
    with pytest.raises(PayoutError) as exc:
        _pay(prog, method=Method.PROXY, proxy_name="代领人", proxy_id_number="123")
    assert exc.value.code == "proxy_id_invalid"
    number = f.person(branch, "代领人", birth=date(1980, 1, 1), seq=9).id_number
    payment = _pay(prog, method=Method.PROXY, proxy_name="代领人", proxy_id_number=number)
    assert payment.masked_proxy_id.startswith("410") and "*" in payment.masked_proxy_id


def test_a_reversal_needs_a_reason_and_a_second_person_and_then_allows_paying_again(branch, trio):
    prog = f.approved(branch, trio)
    payment = _pay(prog)
    with pytest.raises(PayoutError):
        services.request_reversal(actor=trio[0], payment=payment, reason=" ")
    request = services.request_reversal(actor=trio[0], payment=payment, reason="发错人")
    with pytest.raises(PayoutError) as exc:
        services.decide_reversal(actor=trio[0], request=request, approve=True)
    assert exc.value.code == "same_person"
    with pytest.raises(PayoutError):
        _pay(prog)  # still paid while the reversal waits
    reversal = services.decide_reversal(actor=trio[2], request=request, approve=True)
    assert reversal.amount_fen == -payment.amount_fen
    again = _pay(prog)
    assert again.prev_reversal == reversal
    with pytest.raises(PayoutError):
        _pay(prog)
    r = selectors.reconcile(prog)
    assert (r.paid_count, r.paid_total, r.reversed_count) == (1, 100_00, 1)
    assert r.ok


def test_the_database_refuses_a_reversal_approved_by_its_requester(branch, trio):
    prog = f.approved(branch, trio)
    payment = _pay(prog)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reversal.objects.create(
            payment=payment,
            entitlement=payment.entitlement,
            amount_fen=-payment.amount_fen,
            reason="x",
            requested_by=trio[0],
            approved_by=trio[0],
            reversed_at=timezone.now(),
        )


def test_reconciliation_adds_up_to_the_fen(branch, trio):
    prog = f.approved(branch, trio)
    _pay(prog, 0)
    _pay(prog, 2)
    r = selectors.reconcile(prog)
    assert (r.lines, r.paid_count, r.unpaid_count) == (3, 2, 1)
    assert (r.paid_total, r.outstanding) == (400_01, 200_00)
    assert r.ok


def test_reconciliation_catches_a_one_fen_difference_planted_in_the_ledger(branch, trio):
    prog = f.approved(branch, trio)
    line = prog.entitlements.order_by("line_no")[1]
    Payment.objects.create(
        entitlement=line,
        amount_fen=line.amount_fen - 1,
        method=Method.COUNTER,
        paid_at=timezone.now(),
        signature_sha256="0" * 64,
    )
    r = selectors.reconcile(prog)
    assert not r.ok
    title, detail, rows = r.problems[0]
    assert "审批总额" in title and "相差0.01元" in detail
    assert rows == [(2, "受益人1", 199_99, 200_00)]


def test_reconciliation_flags_a_counter_payment_without_signature_or_sheet(branch, trio):
    prog = f.approved(branch, trio)
    line = prog.entitlements.order_by("line_no")[0]
    Payment.objects.create(
        entitlement=line, amount_fen=line.amount_fen, method=Method.COUNTER, paid_at=timezone.now()
    )
    r = selectors.reconcile(prog)
    assert [p[0] for p in r.problems] == ["柜台发放缺少签名或签领表"]


def test_an_age_rule_takes_people_of_that_age_on_the_day(branch):
    f.person(branch, "七十整", birth=date(1953, 12, 31), seq=1)
    f.person(branch, "差一天", birth=date(1954, 1, 1), seq=2)
    prog = services.create_programme(
        actor=SYSTEM,
        org=branch,
        name="敬老",
        kind=Kind.ELDER,
        year=2023,
        rule=Rule.AGE,
        rule_min_age=70,
        rule_age_on=date(2023, 12, 31),
        amount_fen=500_00,
    )
    assert services.generate_list(actor=SYSTEM, programme=prog) == 1
    assert prog.entitlements.get().name == "七十整"


@settings(deadline=None)
@given(pool=st.integers(0, 10**12), shares=st.lists(st.integers(1, 50), min_size=1, max_size=40))
def test_a_dividend_split_leaves_no_fen_unaccounted(pool, shares):
    per_share, amounts, carried = services.allocate_by_shares(pool, shares)
    assert sum(amounts) + carried == pool
    assert 0 <= carried < sum(shares)
    assert all(a == per_share * s for a, s in zip(amounts, shares, strict=True))


def _dividend(branch, trio, present=60, votes=40):
    sh = [f.person(branch, f"股东{i}", seq=i, is_shareholder=True) for i in range(3)]
    prog = services.create_programme(
        actor=SYSTEM, org=branch, name="分红", kind=Kind.DIVIDEND, year=2023, rule=Rule.SHAREHOLDERS
    )
    plan = services.save_dividend_plan(
        actor=SYSTEM,
        programme=prog,
        income_fen=1000_00,
        lump_sum_rent_fen=300_00,
        lump_sum_rent_years=3,
        land_compensation_fen=99999_00,
        costs_fen=200_00,
        undistributed_fen=1,
        reserve_fen=100_00,
    )
    services.generate_list(actor=SYSTEM, programme=prog)
    return prog, plan, sh


def test_a_dividend_pays_the_distributable_income_after_set_asides_by_share(branch, trio):
    prog, plan, _ = _dividend(branch, trio)
    figures = services.dividend_figures(plan, 3)
    # 1000 + 300/3 − 200 + 0.01 − 100 = 800.01 元; land compensation is not dividend.
    assert figures["pool"] == 800_01
    assert (figures["per_share"], figures["carried"]) == (266_67, 0)
    assert sorted(prog.entitlements.values_list("amount_fen", flat=True)) == [266_67] * 3


def test_a_dividend_cannot_be_approved_before_the_assembly_vote_passes(branch, trio):
    prog, plan, _ = _dividend(branch, trio)
    services.advance_list(actor=trio[0], programme=prog)
    services.advance_list(actor=trio[1], programme=prog)
    with pytest.raises(PayoutError) as exc:
        services.advance_list(actor=trio[2], programme=prog)
    assert exc.value.code == "vote_not_passed"
    with pytest.raises(PayoutError) as exc:
        services.record_plan_step(actor=SYSTEM, plan=plan, step=Step.ASSEMBLY, held_on=date(2023, 12, 1))
    assert exc.value.code == "order"
    for i, step in enumerate([Step.PROPOSAL, Step.COMMITTEES, Step.PARTY_MEETING]):
        services.record_plan_step(actor=SYSTEM, plan=plan, step=step, held_on=date(2023, 12, 1 + i))
    # 50 of 100 present is not more than half: no quorum.
    services.record_plan_step(
        actor=SYSTEM,
        plan=plan,
        step=Step.ASSEMBLY,
        held_on=date(2023, 12, 5),
        eligible=100,
        present=50,
        votes_for=50,
    )
    assert not services.assembly_passed(plan)
    with pytest.raises(PayoutError):
        services.advance_list(actor=trio[2], programme=prog)


def test_a_dividend_is_approved_once_a_quorate_assembly_votes_for_it(branch, trio):
    prog, plan, _ = _dividend(branch, trio)
    for i, step in enumerate([Step.PROPOSAL, Step.COMMITTEES, Step.PARTY_MEETING]):
        services.record_plan_step(actor=SYSTEM, plan=plan, step=step, held_on=date(2023, 12, 1 + i))
    services.record_plan_step(
        actor=SYSTEM,
        plan=plan,
        step=Step.ASSEMBLY,
        held_on=date(2023, 12, 5),
        eligible=100,
        present=51,
        votes_for=26,
    )
    for user in trio:
        prog = services.advance_list(actor=user, programme=prog)
    assert prog.status == ListStatus.APPROVED


def test_bank_batch_failed_lines_return_to_unpaid(branch, trio):
    prog = f.approved(branch, trio)
    batch = services.create_bank_batch(actor=SYSTEM, programme=prog)
    lines = list(batch.lines.order_by("pk"))
    with pytest.raises(PayoutError):
        services.create_bank_batch(actor=SYSTEM, programme=prog)  # all lines are waiting in the batch
    result = services.import_bank_result(
        actor=SYSTEM,
        batch=batch,
        results={lines[0].pk: (True, "成功"), lines[1].pk: (False, "账户冻结"), lines[2].pk: (True, "")},
    )
    assert result == {"paid": 2, "failed": 1}
    unpaid = list(selectors.unpaid_entitlements(prog))
    assert [e.pk for e in unpaid] == [lines[1].entitlement_id]
    again = services.create_bank_batch(actor=SYSTEM, programme=prog)
    assert again.lines.count() == 1


@pytest.fixture
def scan_dir(settings, tmp_path):
    """Scans stored under the test's own directory, so a test can see what lies on disk."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


def test_a_signed_sheet_scan_is_encrypted_at_rest_and_every_view_is_audited(
    branch, trio, admin_user, scan_dir
):
    prog = f.approved(branch, trio)
    scan = b"%PDF-1.4 fingerprints"
    sheet = services.upload_sheet(actor=SYSTEM, programme=prog, data=scan, title="第一页")
    stored = next(scan_dir.rglob("*.enc")).read_bytes()
    assert b"fingerprints" not in stored
    before = AuditEntry.objects.filter(action="payouts.view_sheet").count()
    assert services.open_sheet(actor=admin_user, sheet=sheet) == scan
    assert AuditEntry.objects.filter(action="payouts.view_sheet").count() == before + 1
    payment = _pay(prog, method=Method.SHEET, signature_png=None, sheet=sheet)
    assert payment.sheet == sheet and selectors.reconcile(prog).ok


def test_a_scan_is_purged_after_the_programmes_retention(branch, trio, scan_dir):
    prog = f.approved(branch, trio)
    sheet = services.upload_sheet(actor=SYSTEM, programme=prog, data=_jpeg())
    assert services.purge_expired_sheets(actor=SYSTEM, today=sheet.delete_after) == 0
    assert (
        services.purge_expired_sheets(
            actor=SYSTEM, today=date.fromordinal(sheet.delete_after.toordinal() + 1)
        )
        == 1
    )
    assert not list(scan_dir.rglob("*.enc"))
    sheet.refresh_from_db()
    with pytest.raises(PayoutError):
        services.open_sheet(actor=SYSTEM, sheet=sheet)


def test_the_daily_schedule_deletes_scans_past_their_retention_without_anyone_running_a_command(
    branch, trio, scan_dir
):
    from dangjian.jobs.registry import daily_items

    prog = f.approved(branch, trio)
    kept = services.upload_sheet(actor=SYSTEM, programme=prog, data=_jpeg())
    due = services.upload_sheet(actor=SYSTEM, programme=prog, data=_jpeg())
    SignedSheet.objects.filter(pk=due.pk).update(delete_after=date(2000, 1, 1))
    assert daily_items()["payouts.purge_expired_scans"]() == 1
    due.refresh_from_db()
    kept.refresh_from_db()
    assert due.purged_at is not None and kept.purged_at is None
    assert len(list(scan_dir.rglob("*.enc"))) == 1


# --- campaign winners (ratings hands them over) ------------------------------------------------------


def _person_campaign(admin_user, zone, branch, names, winners):
    from dangjian.ratings import services as ratings

    c = ratings.create_campaign(
        actor=admin_user,
        zone=zone,
        year=2023,
        name="示范岗",
        purpose="model",
        nominee_kind="person",
        criteria="作用突出",
        winners=winners,
        judges=[admin_user],
    )
    people = [f.person(branch, name, seq=i) for i, name in enumerate(names)]
    noms = [
        ratings.nominate(actor=admin_user, campaign=c, org=branch, nominee_name=p.name, person=p, reason="r")
        for p in people
    ]
    ratings.start_scoring(actor=admin_user, campaign=c)
    for score, n in zip(range(90, 90 - len(noms), -1), noms, strict=True):
        ratings.score_nomination(actor=admin_user, nomination=n, score=score)
    return c, people


def test_a_campaign_programme_pays_the_published_individual_winners_in_rank_order(admin_user, zone, branch):
    from dangjian.ratings import services as ratings

    c, people = _person_campaign(admin_user, zone, branch, ["甲", "乙", "丙"], winners=2)
    prog = services.create_programme(
        actor=admin_user,
        org=zone,
        name="示范岗奖励",
        kind=Kind.REWARD,
        year=2023,
        rule=Rule.CAMPAIGN,
        rule_campaign=c,
        amount_fen=500_00,
    )
    with pytest.raises(PayoutError) as exc:  # nobody is paid on a provisional ranking
        services.generate_list(actor=admin_user, programme=prog)
    assert exc.value.code == "no_winners"
    ratings.publish_campaign(actor=admin_user, campaign=c)
    assert services.generate_list(actor=admin_user, programme=prog) == 2
    lines = list(prog.entitlements.order_by("line_no").values_list("name", "amount_fen", "note"))
    assert lines == [("甲", 500_00, "第1名"), ("乙", 500_00, "第2名")]


def test_a_campaign_programme_needs_a_campaign_and_an_amount(admin_user, zone):
    with pytest.raises(PayoutError) as exc:
        services.create_programme(
            actor=admin_user,
            org=zone,
            name="x",
            kind=Kind.REWARD,
            year=2023,
            rule=Rule.CAMPAIGN,
            amount_fen=100,
        )
    assert exc.value.code == "required"


def test_a_campaign_of_another_zone_cannot_be_paid_by_that_zones_outsiders(admin_user, zone, branch, roles):
    from conftest import make_user
    from dangjian.orgs.models import Kind as OrgKind
    from dangjian.orgs.models import Level, Org

    c, _ = _person_campaign(admin_user, zone, branch, ["甲"], winners=1)
    far = Org.objects.add_root(
        instance=Org(code="Z", name="另一区党工委", level=Level.WORKING_COMMITTEE, kind=OrgKind.ZONE)
    )
    far_admin = make_user("far", roles["zone_admin"], far)
    with pytest.raises(PayoutError) as exc:
        services.create_programme(
            actor=far_admin,
            org=far,
            name="x",
            kind=Kind.REWARD,
            year=2023,
            rule=Rule.CAMPAIGN,
            rule_campaign=c,
            amount_fen=100,
        )
    assert exc.value.code == "invalid"


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (60, 80), 255).save(out, "JPEG")
    return out.getvalue()


def test_a_scan_that_only_starts_like_a_jpeg_is_refused(branch, trio):
    prog = f.approved(branch, trio)
    with pytest.raises(services.PayoutError, match="不是图片"):
        services.upload_sheet(actor=SYSTEM, programme=prog, data=b"\xff\xd8\xff scan")


def test_a_keyed_counter_payment_takes_ten_statements_and_one_chained_audit_entry(
    branch, trio, django_assert_max_num_queries
):
    prog = f.approved(branch, trio)
    line = prog.entitlements.order_by("line_no").first()
    payload = {"method": Method.COUNTER, "signature_png": f.png_b64()}
    # The line lock (with its programme and org), the key and the prior payments in one, the payment,
    # the figure store's mark of the paid figures, the stored answer and the audit append (lock, head,
    # insert), with BEGIN and COMMIT where the database shows them.
    with django_assert_max_num_queries(10):
        status, body = services.pay_with_key(actor=trio[2], entitlement_id=line.pk, key="k1", payload=payload)
    assert status == 201 and body["entitlement_id"] == line.pk
    entry = AuditEntry.objects.filter(action="payouts.pay").get()
    assert entry.data == {"entitlement": line.pk, "amount_fen": line.amount_fen, "method": "counter"}
    from dangjian.core.audit import verify_chain

    assert verify_chain()[1] == []


def test_the_second_tap_is_refused_before_its_signature_is_read(branch, trio):
    prog = f.approved(branch, trio)
    line = prog.entitlements.order_by("line_no").first()
    payload = {"method": Method.COUNTER, "signature_png": f.png_b64()}
    services.pay_with_key(actor=trio[2], entitlement_id=line.pk, key="first", payload=payload)
    with pytest.raises(PayoutError) as exc:
        services.pay_with_key(
            actor=trio[2], entitlement_id=line.pk, key="second", payload={**payload, "signature_png": "x"}
        )
    assert exc.value.code == "already_paid"


def test_a_line_out_of_scope_or_absent_is_not_found_before_its_key_is_looked_at(branch, trio, outsider):
    prog = f.approved(branch, trio)
    line = prog.entitlements.order_by("line_no").first()
    payload = {"method": Method.COUNTER, "signature_png": f.png_b64()}
    for actor, pk in ((outsider, line.pk), (trio[2], line.pk + 10_000)):
        with pytest.raises(Entitlement.DoesNotExist):
            services.pay_with_key(actor=actor, entitlement_id=pk, key="", payload=payload)
    assert not Payment.objects.exists()


def test_the_locked_line_comes_with_its_programme_and_org_and_defers_the_rest(branch, trio):
    prog = f.approved(branch, trio)
    line = prog.entitlements.order_by("line_no").first()
    with transaction.atomic():
        locked = services._open_entitlement(line.pk)
    assert (locked.pk, locked.name, locked.id_number, locked.amount_fen) == (
        line.pk,
        line.name,
        line.id_number,
        line.amount_fen,
    )
    assert locked.programme.status == prog.status and locked.programme.org.path == branch.path
    assert locked.programme.name == prog.name  # deferred, loaded when asked


def test_a_keyed_payment_marks_the_paid_figures_of_its_org_as_a_save_would(branch, trio):
    from dangjian.core.models import FigureDirty

    prog = f.approved(branch, trio)
    line = prog.entitlements.order_by("line_no").first()
    FigureDirty.objects.all().delete()
    payload = {"method": Method.COUNTER, "signature_png": f.png_b64()}
    services.pay_with_key(actor=trio[2], entitlement_id=line.pk, key="k1", payload=payload)
    assert set(FigureDirty.objects.values_list("model", "path")) == {("payouts.payment", branch.path)}
    payment = Payment.objects.get(entitlement=line)
    assert payment.recorded_by == trio[2] and payment.idempotency_key == "k1"
    assert payment.prev_reversal is None and payment.sheet is None and payment.bank_line is None


def test_the_counter_finds_a_resident_by_pinyin_initials_typed_in_either_case_on_any_database(branch, trio):
    prog = f.approved(branch, trio)
    someone = prog.entitlements.select_related("person").first()
    initials = someone.person.name_initials.rstrip("0123456789")  # 受益人0 → syr
    assert initials.isalpha() and initials == initials.lower()
    for typed in (initials, initials.upper(), initials[:1].upper()):
        found = selectors.search_entitlements(prog.entitlements.all(), typed)
        assert someone in found, typed
    assert not selectors.search_entitlements(prog.entitlements.all(), "qqqqz").exists()
