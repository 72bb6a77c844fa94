"""A hypothesis state machine drives a list through approve, pay, reverse, re-import and replay in any
order, and checks after every step that the ledger says what a careful cashier would: no entitlement
paid twice, replays answered with the first answer, and the books reconciling to the 分."""

import pytest
from django.db import transaction
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from conftest import make_user
from dangjian.accounts.models import Role
from dangjian.accounts.services import ensure_default_roles
from dangjian.core.actors import SYSTEM
from dangjian.orgs.models import Kind as OrgKind
from dangjian.orgs.models import Level, Org
from dangjian.payouts import selectors, services
from dangjian.payouts.models import Kind, ListStatus, Payment, Reversal, Rule

from . import factories as f

AMOUNTS = [150_00, 99_99, 1]
LINES = st.integers(0, len(AMOUNTS) - 1)


class PayoutMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        ensure_default_roles(actor=SYSTEM)
        zone = Org.objects.add_root(
            instance=Org(code="H", name="状态机区", level=Level.WORKING_COMMITTEE, kind=OrgKind.ZONE)
        )
        staff, admin = Role.objects.get(identifier="staff"), Role.objects.get(identifier="zone_admin")
        self.trio = [
            make_user("h-prep", staff, zone),
            make_user("h-verify", staff, zone),
            make_user("h-approve", admin, zone),
        ]
        self.cashier = make_user("h-cashier", staff, zone)
        self.people = [f.person(zone, f"居民{i}", seq=i) for i in range(len(AMOUNTS))]
        self.prog = services.create_programme(
            actor=SYSTEM, org=zone, name="状态机奖励", kind=Kind.REWARD, year=2023, rule=Rule.LISTED
        )
        services.generate_list(actor=SYSTEM, programme=self.prog, lines=self._lines())
        self.signed = 0
        self.paid = [False] * len(AMOUNTS)
        self.answers: dict[str, tuple[int, dict]] = {}
        self.keys = 0
        self.payload = {
            "method": "counter",
            "signature_png": f.png_b64(),
            "proxy_name": "",
            "proxy_id_number": "",
        }

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _lines(self):
        return [services.Line(p, a) for p, a in zip(self.people, AMOUNTS, strict=True)]

    def _line(self, i):
        return self.prog.entitlements.get(line_no=i + 1)

    @rule()
    def approve(self):
        if self.signed == 3:
            with pytest.raises(services.PayoutError):
                services.advance_list(actor=self.trio[2], programme=self.prog)
            return
        services.advance_list(actor=self.trio[self.signed], programme=self.prog)
        self.signed += 1

    @rule(i=LINES)
    def pay(self, i):
        self.keys += 1
        key = f"key-{self.keys}"
        try:
            answer = services.pay_with_key(
                actor=self.cashier, entitlement_id=self._line(i).pk, key=key, payload=self.payload
            )
        except services.PayoutError as exc:
            expected = "not_approved" if self.signed < 3 else "already_paid"
            assert exc.code == expected and (self.signed < 3 or self.paid[i])
            return
        assert self.signed == 3 and not self.paid[i]
        self.paid[i] = True
        self.answers[key] = (i, answer)

    @rule(data=st.data())
    def replay(self, data):
        if not self.answers:
            return
        key = data.draw(st.sampled_from(sorted(self.answers)))
        i, first = self.answers[key]
        again = services.pay_with_key(
            actor=self.cashier, entitlement_id=self._line(i).pk, key=key, payload=self.payload
        )
        assert again == first

    @rule(i=LINES)
    def reverse(self, i):
        payment = Payment.objects.filter(entitlement=self._line(i), reversal__isnull=True).first()
        assert (payment is not None) == self.paid[i]
        if payment is None:
            return
        request = services.request_reversal(actor=self.trio[1], payment=payment, reason="状态机冲正")
        services.decide_reversal(actor=self.trio[2], request=request, approve=True)
        self.paid[i] = False

    @rule()
    def reimport(self):
        if self.signed > 0:
            with pytest.raises(services.PayoutError) as exc:
                services.generate_list(actor=SYSTEM, programme=self.prog, lines=self._lines()[:1])
            assert exc.value.code == "frozen"
        else:
            services.generate_list(actor=SYSTEM, programme=self.prog, lines=self._lines())

    @invariant()
    def at_most_one_unreversed_payment_each_and_as_the_model_says(self):
        for i in range(len(AMOUNTS)):
            n = Payment.objects.filter(
                entitlement__programme=self.prog, entitlement__line_no=i + 1, reversal__isnull=True
            ).count()
            assert n == int(self.paid[i])

    @invariant()
    def the_books_reconcile_to_the_fen(self):
        self.prog.refresh_from_db()
        if self.prog.status != ListStatus.APPROVED:
            assert not Payment.objects.filter(entitlement__programme=self.prog).exists()
            return
        r = selectors.reconcile(self.prog)
        assert r.ok, r.problems
        assert r.paid_total == sum(a for a, p in zip(AMOUNTS, self.paid, strict=True) if p)
        assert r.paid_count + r.unpaid_count == len(AMOUNTS)
        assert Reversal.objects.filter(entitlement__programme=self.prog).count() == r.reversed_count


@pytest.mark.django_db
def test_approve_pay_reverse_reimport_and_replay_in_any_order_keep_the_invariants():
    run_state_machine_as_test(
        PayoutMachine, settings=settings(max_examples=15, stateful_step_count=20, deadline=None)
    )
