"""Writes of the reports app: the staff's edits of the overview's prose (one audited version each)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from dangjian.core.actors import Actor, acting_user
from dangjian.core.audit import log_action
from dangjian.core.scoping import require

from .models import SummaryText
from .summary import check_template
from .summary_sections import default_section


class ReportError(ValidationError):
    pass


@transaction.atomic
def save_summary_section(
    *, actor: Actor, org, year: int, section: str, heading: str, body: str
) -> SummaryText:
    """Store a new version of one section's heading and template text (figures stay placeholders)."""
    require(actor, "reports.edit", org, message="您无权编辑该组织的年度综述。")
    if default_section(section) is None:
        raise ReportError("没有这个章节。", code="section")
    if not 2000 <= year <= 2100:
        raise ReportError("年度不正确。", code="year")
    heading = heading.strip()
    body = "\n".join(line.rstrip() for line in body.strip().splitlines())
    check_template(heading)
    check_template(body)
    rows = SummaryText.objects.select_for_update().filter(org=org, year=year, section=section)
    latest = rows.order_by("-version").first()
    if latest is not None and latest.heading == heading and latest.body == body:
        return latest
    version = (rows.aggregate(v=Max("version"))["v"] or 0) + 1
    text = SummaryText.objects.create(
        org=org,
        year=year,
        section=section,
        version=version,
        heading=heading,
        body=body,
        created_by=acting_user(actor),
    )
    log_action(
        actor=actor,
        action="reports.save_summary_section",
        obj=text,
        org=org,
        data={
            "year": year,
            "section": section,
            "version": version,
            "heading": heading,
            "body": body,
            "previous_version": latest.version if latest else None,
        },
    )
    return text
