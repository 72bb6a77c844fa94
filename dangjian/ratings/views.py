"""Pages of ratings and evaluations: thin views over selectors and services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.actors import PUBLIC, Actor
from dangjian.core.http import AuthedRequest, Request
from dangjian.core.scoping import get_scoped_or_404, has_capability, public, requires
from dangjian.core.years import parse_year, requested_year
from dangjian.orgs.models import Org
from dangjian.orgs.selectors import top_orgs_for

from . import selectors, services
from .forms import AppealForm, NominationForm, PledgeForm, ReportForm, VoteForm
from .models import (
    Appeal,
    Campaign,
    CampaignStatus,
    Indicator,
    Pledge,
    Rating,
    Star,
    StarScheme,
)

VOTE_TRIES_PER_HOUR = 30


def _zone(request: AuthedRequest) -> Org:
    top = top_orgs_for(request.user, "ratings.view").first()
    if top is None:
        raise Http404
    return top


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, "；".join(exc.messages))


@require_GET
@requires("ratings.view")
def index(request: AuthedRequest) -> HttpResponse:
    top, year = _zone(request), requested_year(request)
    orgs = (
        [
            o
            for o in selectors.ratable_orgs(Org.objects.get(path=top.path[: Org.steplen]))
            if o.path.startswith(top.path)
        ]
        if top.depth == 1
        else [top]
    )
    rated = {r.org_id: r for r in selectors.ratings_visible_to(request.user).filter(year=year, org__in=orgs)}
    pledged = dict(Pledge.objects.filter(year=year, org__in=orgs).values_list("org_id", "target_stars"))
    rows = [{"org": o, "rating": rated.get(o.pk), "pledge": pledged.get(o.pk)} for o in orgs]
    context = {
        "year": year,
        "zone": top,
        "rows": rows,
        "distribution": selectors.star_distribution(request.user, top, year),
        "can_manage": has_capability(request.user, "ratings.manage", top),
        "unpublished": sum(1 for r in rows if r["rating"] is None),
    }
    return render(request, "ratings/index.html", context)


def _int(value: object) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError("请填写整数。") from None


@require_http_methods(["GET", "POST"])
@requires("ratings.view")
def schemes(request: AuthedRequest) -> HttpResponse:
    """The zone's star schemes of a year: stars, thresholds and indicators, edited in place (each edit
    moves the scheme's version on; ratings published before keep the version they were computed with)."""
    top, year = _zone(request), requested_year(request)
    zone = Org.objects.get(path=top.path[: Org.steplen])
    can_manage = has_capability(request.user, "ratings.manage", zone)
    if request.method == "POST":
        if not can_manage:
            raise Http404
        action = request.POST.get("form")
        try:
            if action == "indicator":
                item = get_object_or_404(Indicator, pk=_int(request.POST.get("pk")), star__scheme__zone=zone)
                services.update_indicator(
                    actor=request.user,
                    indicator=item,
                    points=_int(request.POST.get("points")),
                    target=_int(request.POST.get("target")),
                )
                messages.success(request, f"已修改指标“{item.name}”，方案版本已更新。")
            elif action == "star":
                star = get_object_or_404(Star, pk=_int(request.POST.get("pk")), scheme__zone=zone)
                services.update_star(
                    actor=request.user, star=star, threshold=_int(request.POST.get("threshold"))
                )
                messages.success(request, f"已修改“{star.name}”的摘星分数线，方案版本已更新。")
            elif action == "copy":
                source = get_object_or_404(StarScheme, pk=_int(request.POST.get("pk")), zone=zone)
                services.copy_scheme(actor=request.user, scheme=source, year=year)
                messages.success(request, f"已沿用{source.year}年的“{source.get_kind_display()}”方案。")
        except ValidationError as exc:
            _errors(request, exc)
        return redirect(f"{reverse('ratings:schemes')}?year={year}")
    found, earlier, missing = selectors.schemes_of_year(zone, year)
    context = {
        "year": year,
        "zone": zone,
        "schemes": found,
        "earlier": earlier,
        "missing": missing,
        "can_manage": can_manage,
    }
    return render(request, "ratings/schemes.html", context)


@require_POST
@requires("ratings.manage")
def publish_all(request: AuthedRequest) -> HttpResponse:
    top, year = _zone(request), requested_year(request)
    done, problems = 0, []
    for org in selectors.ratable_orgs(Org.objects.get(path=top.path[: Org.steplen])):
        if not org.path.startswith(top.path) or Rating.objects.filter(org=org, year=year).exists():
            continue
        try:
            services.publish_rating(actor=request.user, org=org, year=year)
            done += 1
        except ValidationError as exc:
            problems.append(f"{org.name}：{'；'.join(exc.messages)}")
    if done:
        messages.success(request, f"已公布{done}个党组织的星级评定。")
    for p in problems[:10]:
        messages.error(request, p)
    return redirect(f"/ratings/?year={year}")


@require_http_methods(["GET", "POST"])
@requires("ratings.view")
def org_rating(request: AuthedRequest, code: str, year: int) -> HttpResponse:
    org = get_scoped_or_404(Org.objects.all(), request.user, "ratings.view", code=code)
    if parse_year(year) is None or not selectors.is_ratable(org):
        raise Http404
    scheme = selectors.scheme_for(org, year)
    rating = Rating.objects.filter(org=org, year=year).first()
    pledge = Pledge.objects.filter(org=org, year=year).first()
    can_pledge = has_capability(request.user, "ratings.pledge", org)
    pledge_form = PledgeForm(request.POST if request.POST.get("form") == "pledge" else None)
    appeal_form = AppealForm(
        request.POST if request.POST.get("form") == "appeal" else None,
        stars=[s["name"] for s in rating.snapshot["stars"]] if rating else [],
    )
    if request.method == "POST":
        if not can_pledge:
            raise Http404
        try:
            if request.POST.get("form") == "pledge" and pledge_form.is_valid():
                services.file_pledge(actor=request.user, org=org, year=year, **pledge_form.cleaned_data)
                messages.success(request, "已提交登高摘星承诺。")
            elif request.POST.get("form") == "appeal" and rating and appeal_form.is_valid():
                services.file_appeal(actor=request.user, rating=rating, **appeal_form.cleaned_data)
                messages.success(request, "已提出申诉，等待复核。")
            else:
                messages.error(request, "请完整填写表单。")
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("ratings:org", code=org.code, year=year)
    context = {
        "org": org,
        "year": year,
        "scheme": scheme,
        "rating": rating,
        "pledge": pledge,
        "live": selectors.live_stars(org, year, scheme) if scheme else [],
        "appeals": rating.appeals.all() if rating else [],
        "can_pledge": can_pledge,
        "can_manage": has_capability(request.user, "ratings.manage", org),
        "pledge_form": pledge_form,
        "appeal_form": appeal_form,
    }
    return render(request, "ratings/org.html", context)


@require_POST
@requires("ratings.manage")
def decide(request: AuthedRequest, pk: int) -> HttpResponse:
    appeal = get_scoped_or_404(
        Appeal.objects.select_related("rating__org"), request.user, "ratings.manage", pk=pk
    )
    try:
        services.decide_appeal(
            actor=request.user,
            appeal=appeal,
            upheld=request.POST.get("upheld") == "1",
            decision=request.POST.get("decision", "")[:2000],
        )
        messages.success(request, "已复核。")
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("ratings:org", code=appeal.rating.org.code, year=appeal.rating.year)


# --- campaigns ------------------------------------------------------------------------------------


@require_GET
@requires("ratings.view")
def campaigns(request: AuthedRequest) -> HttpResponse:
    year = requested_year(request)
    qs = selectors.campaigns_visible_to(request.user).filter(year=year).order_by("purpose", "pk")
    return render(request, "ratings/campaigns.html", {"campaigns": qs, "year": year})


def _reward_url(user: Actor, item: Campaign) -> str:
    """A published campaign's individual winners are handed to payouts as a reward programme."""
    if not (
        item.status == CampaignStatus.PUBLISHED
        and item.nominee_kind == "person"
        and has_capability(user, "payouts.prepare", item.zone)
    ):
        return ""
    query: dict[str, str | int] = {
        "rule": "campaign",
        "rule_campaign": item.pk,
        "kind": "reward",
        "name": f"{item.year}年{item.name}奖励",
    }
    return f"{reverse('payouts:new')}?{urlencode(query)}"


@require_http_methods(["GET", "POST"])
@requires("ratings.view")
def campaign(request: AuthedRequest, pk: int) -> HttpResponse:
    item = selectors.campaigns_visible_to(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404
    is_judge = item.judges.filter(pk=request.user.pk).exists()
    can_manage = has_capability(request.user, "ratings.manage", item.zone)
    nominating_orgs = [
        o for o in top_orgs_for(request.user, "ratings.pledge") if o.path.startswith(item.zone.path)
    ]
    form = NominationForm(request.POST if request.POST.get("form") == "nominate" else None)
    if request.method == "POST":
        action = request.POST.get("form")
        try:
            if action == "nominate" and nominating_orgs and form.is_valid():
                services.nominate(
                    actor=request.user, campaign=item, org=nominating_orgs[0], **form.cleaned_data
                )
                messages.success(request, "已推荐。")
            elif action == "score" and is_judge:
                nomination = item.nominations.get(pk=int(request.POST.get("nomination", "0")))
                services.score_nomination(
                    actor=request.user, nomination=nomination, score=int(request.POST.get("score", ""))
                )
                messages.success(request, f"已为“{nomination.nominee_name}”打分。")
            elif action == "scoring" and can_manage:
                services.start_scoring(actor=request.user, campaign=item)
                messages.success(request, "推荐截止，开始评分。")
            elif action == "publish" and can_manage:
                services.publish_campaign(actor=request.user, campaign=item)
                messages.success(request, "已公布评选结果。")
            else:
                messages.error(request, "无法执行该操作，请检查填写的内容。")
        except (ValueError, item.nominations.model.DoesNotExist):
            messages.error(request, "分数应为整数。")
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("ratings:campaign", pk=item.pk)
    # Judges and the organizers see every nomination; a branch sees its own.
    nominations = item.nominations.select_related("org")
    if not (can_manage or is_judge):
        nominations = selectors.nominations_visible_to(request.user).filter(campaign=item)
    mine = (
        dict(item.nominations.filter(scores__judge=request.user).values_list("pk", "scores__score"))
        if is_judge
        else {}
    )
    rows = [{"n": n, "my_score": mine.get(n.pk)} for n in nominations]
    context = {
        "campaign": item,
        "rows": rows,
        "is_judge": is_judge,
        "can_manage": can_manage,
        "can_nominate": bool(nominating_orgs) and item.status == CampaignStatus.NOMINATING,
        "nominating_org": nominating_orgs[0] if nominating_orgs else None,
        "form": form,
        "published": selectors.published_list(item) if item.status == CampaignStatus.PUBLISHED else [],
        # A published campaign's individual winners are handed to payouts as a reward programme.
        "reward_url": _reward_url(request.user, item),
    }
    return render(request, "ratings/campaign.html", context)


@public
@require_GET
def campaign_public(request: Request, pk: int) -> HttpResponse:
    """The published list of winners, open to residents: personal names masked."""
    item = Campaign.objects.filter(pk=pk, status=CampaignStatus.PUBLISHED).select_related("zone").first()
    if item is None:
        raise Http404
    return render(
        request, "ratings/campaign_public.html", {"campaign": item, "rows": selectors.published_list(item)}
    )


# --- 一定三诺两评 ----------------------------------------------------------------------------------


@require_GET
@requires("ratings.view")
def commitments(request: AuthedRequest) -> HttpResponse:
    year = requested_year(request)
    items = list(selectors.commitments_visible_to(request.user).filter(year=year).order_by("org__path"))
    results = selectors.evaluation_results(items)
    rows = [{"c": c, "result": results[c.pk]} for c in items]
    return render(request, "ratings/commitments.html", {"rows": rows, "year": year})


@require_http_methods(["GET", "POST"])
@requires("ratings.view")
def commitment(request: AuthedRequest, pk: int) -> HttpResponse:
    item = get_scoped_or_404(
        selectors.commitments_visible_to(request.user), request.user, "ratings.view", pk=pk
    )
    can_pledge = has_capability(request.user, "ratings.pledge", item.org)
    can_manage = has_capability(request.user, "ratings.manage", item.org)
    form = ReportForm(
        request.POST if request.POST.get("form") == "report" else None,
        initial={
            "report": item.report,
            "reported_on": item.reported_on,
            "voting_closes_on": item.voting_closes_on,
        },
    )
    codes = None
    if request.method == "POST":
        try:
            if request.POST.get("form") == "report" and can_pledge and form.is_valid():
                services.file_report(actor=request.user, commitment=item, **form.cleaned_data)
                messages.success(request, "已提交述诺报告。")
                return redirect("ratings:commitment", pk=item.pk)
            if request.POST.get("form") == "codes" and can_manage:
                codes = services.issue_voting_codes(
                    actor=request.user,
                    commitment=item,
                    members=int(request.POST.get("members") or 0),
                    residents=int(request.POST.get("residents") or 0),
                )
            elif request.POST.get("form") == "org_score" and can_manage:
                services.evaluate_by_org(
                    actor=request.user, commitment=item, score=int(request.POST.get("score", ""))
                )
                messages.success(request, "已记录组织评价。")
                return redirect("ratings:commitment", pk=item.pk)
            elif codes is None:
                messages.error(request, "请完整填写表单。")
        except ValueError:
            messages.error(request, "请填写整数。")
        except ValidationError as exc:
            _errors(request, exc)
    context = {
        "c": item,
        "promises": item.promises.prefetch_related("progress"),
        "result": selectors.evaluation_result(item),
        "can_pledge": can_pledge,
        "can_manage": can_manage,
        "form": form,
        "codes": codes,
    }
    return render(request, "ratings/commitment.html", context)


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


@public
@require_http_methods(["GET", "POST"])
def vote(request: Request) -> HttpResponse:
    """The anonymous ballot: a one-time code and a choice. No login; a few tries per address an hour."""
    form = VoteForm(request.POST or None)
    done = False
    if request.method == "POST":
        key = f"ratings.vote.{_client_ip(request)}"
        tries: int = cache.get_or_set(key, 0, 3600) or 0
        if tries >= getattr(settings, "DANGJIAN_VOTE_TRIES_PER_HOUR", VOTE_TRIES_PER_HOUR):
            form.add_error(None, "尝试次数过多，请一小时后再试。")
        elif form.is_valid():
            cache.incr(key)
            try:
                services.cast_vote(actor=PUBLIC, **form.cleaned_data)
                done = True
            except ValidationError as exc:
                form.add_error(None, "；".join(exc.messages))
        else:
            cache.incr(key)
    return render(request, "ratings/vote.html", {"form": form, "done": done}, status=200)


# --- points ---------------------------------------------------------------------------------------


@require_GET
@requires("ratings.view")
def points(request: AuthedRequest) -> HttpResponse:
    top = _zone(request)
    rules = selectors.point_rules(top)
    entries = selectors.points_visible_to(request.user).order_by("-done_on", "-pk")[:200]
    return render(request, "ratings/points.html", {"rules": rules, "entries": entries, "zone": top})
