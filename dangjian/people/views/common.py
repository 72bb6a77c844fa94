"""What the roll's pages share: page size, the education choices, a refused write shown as a message."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404

from dangjian.core.scoping import get_scoped_or_404
from dangjian.orgs.models import Level, Org

PAGE_SIZE = 50


EDUCATION_CHOICES = ["小学", "初中", "高中", "中专", "大专", "本科", "研究生"]


def _fail(request, exc: ValidationError) -> None:
    messages.error(request, "；".join(exc.messages))


def _branch(request, code: str, capability: str) -> Org:
    org = get_scoped_or_404(Org.objects.all(), request.user, capability, code=(code or "").strip().upper())
    if org.level != Level.BRANCH:
        raise Http404
    return org
