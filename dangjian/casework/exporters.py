"""The 走访台账 and the 民生实事台账 of an organization and year: one exporter each, written as xlsx by the
core base and printed (A4, header repeated, pages numbered) from the same rows as HTML."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from django.db.models import Count, Q
from django.utils import timezone

from dangjian.core.actors import Actor
from dangjian.core.exporting import ListExporter, labels
from dangjian.core.pii import mask_phone
from dangjian.orgs.models import Org

from . import selectors
from .models import DONE_STATUSES, OPEN_STATUSES, Satisfaction, Source, Status, TargetReason, is_overdue


def _year_range(field: str, year: int) -> dict:
    return {f"{field}__gte": date(year, 1, 1), f"{field}__lt": date(year + 1, 1, 1)}


class _Ledger(ListExporter):
    name = ""
    landscape = True

    def __init__(self, *, actor: Actor, org: Org, year: int, reveal: bool = False):
        super().__init__(actor=actor, reveal=reveal)
        self.org, self.year = org, year

    @property
    def title(self) -> str:
        return f"{self.org.name}{self.year}年{self.name}"

    def summary(self) -> str:
        return ""

    def html_context(self) -> dict:
        return {
            "title": self.title,
            "headers": self.headers,
            "rows": list(self.iterate_rows()),
            "summary": self.summary(),
            "org": self.org,
            "year": self.year,
            "which": self.identifier,
            "printed_on": timezone.localdate(),
        }


class VisitLedger(_Ledger):
    identifier = "visits"
    verbose_name = "走访台账"
    name = "走访台账"
    headers = ["序号", "走访日期", "组织", "走访人", "走访对象", "住址", "重点帮扶对象", "反映事项"]
    column_widths = {0: 6, 1: 11, 2: 20, 3: 10, 4: 10, 5: 24, 6: 14, 7: 40}

    def queryset(self):
        return (
            selectors.visits_visible_to(self.actor)
            .filter(org__path__startswith=self.org.path, **_year_range("date", self.year))
            .select_related("org", "target")
            .order_by("date", "id")
        )

    def summary(self) -> str:
        agg = self.queryset().aggregate(n=Count("pk"), t=Count("target", distinct=True))
        return f"全年走访群众{agg['n']}人次，走访重点帮扶对象{agg['t']}名。"

    def iterate_rows(self) -> Iterator[list]:
        reasons = labels(TargetReason.choices)
        rows = self.queryset().values_list(
            "date", "org__name", "visitor", "visitee", "address", "target_id", "target__reason", "raised"
        )
        for n, (day, org, visitor, visitee, address, target, reason, raised) in enumerate(
            rows.iterator(chunk_size=2000), start=1
        ):
            yield [
                n,
                day,
                org,
                visitor,
                visitee,
                address,
                f"是（{reasons[reason]}）" if target else "",
                raised,
            ]


class RequestLedger(_Ledger):
    identifier = "requests"
    verbose_name = "民生实事台账"
    name = "民生实事台账"
    headers = [
        "序号",
        "受理日期",
        "类别",
        "来源",
        "诉求内容",
        "提出人",
        "联系电话",
        "承办组织",
        "办理期限",
        "办结日期",
        "状态",
        "是否逾期",
        "答复",
        "满意度",
    ]
    column_widths = {
        0: 6,
        1: 11,
        2: 14,
        3: 10,
        4: 36,
        5: 8,
        6: 13,
        7: 18,
        8: 11,
        9: 11,
        10: 8,
        11: 8,
        12: 30,
        13: 8,
    }

    def queryset(self):
        start = timezone.make_aware(datetime(self.year, 1, 1))
        end = timezone.make_aware(datetime(self.year + 1, 1, 1))
        # Requests the org handles now or handled and sent on: both are in its ledger.
        return (
            selectors.requests_visible_to(self.actor)
            .filter(received_at__gte=start, received_at__lt=end)
            .filter(
                Q(org__path__startswith=self.org.path) | Q(steps__from_org__path__startswith=self.org.path)
            )
            .distinct()
            .order_by("received_at", "id")
        )

    def summary(self) -> str:
        today = timezone.localdate()
        qs = self.queryset().order_by()
        agg = qs.aggregate(
            n=Count("pk", distinct=True),
            done=Count("pk", filter=Q(status__in=DONE_STATUSES), distinct=True),
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES), distinct=True),
            overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, deadline__lt=today), distinct=True),
            rated=Count("pk", filter=~Q(satisfaction=""), distinct=True),
            good=Count("pk", filter=Q(satisfaction__in=("satisfied", "basic")), distinct=True),
        )
        rate = f"，回访满意率{agg['good'] * 100 // agg['rated']}%" if agg["rated"] else ""
        return f"全年受理群众诉求{agg['n']}件，已办结{agg['done']}件，未办结{agg['open']}件（其中逾期{agg['overdue']}件）{rate}。"

    def iterate_rows(self) -> Iterator[list]:
        today = timezone.localdate()
        # The zone's time zone looked up once: timezone.localdate() asks for it on every call.
        beijing = timezone.get_current_timezone()
        sources, statuses, ratings = (
            labels(Source.choices),
            labels(Status.choices),
            labels(Satisfaction.choices),
        )
        # The request's id keeps the DISTINCT (a request sent on and back joins its steps twice) from
        # folding two requests with the same text and times into one row.
        rows = self.queryset().values_list(
            "pk",
            "received_at",
            "category__name",
            "source",
            "description",
            "name",
            "phone",
            "org__name",
            "deadline",
            "resolved_at",
            "status",
            "reply",
            "satisfaction",
        )
        for n, (
            _,
            received,
            category,
            source,
            text,
            name,
            phone,
            org,
            deadline,
            resolved_at,
            status,
            reply,
            rating,
        ) in enumerate(rows.iterator(chunk_size=2000), start=1):
            resolved_on = resolved_at.astimezone(beijing).date() if resolved_at else None
            yield [
                n,
                received.astimezone(beijing).date(),
                category,
                sources.get(source, source),
                text,
                name,
                phone if self.reveal else mask_phone(phone),
                org,
                deadline,
                resolved_on,
                statuses.get(status, status),
                "逾期" if is_overdue(status, deadline, resolved_on, today) else "",
                reply,
                ratings.get(rating, "") if rating else "",
            ]


LEDGERS = {"visits": VisitLedger, "requests": RequestLedger}
