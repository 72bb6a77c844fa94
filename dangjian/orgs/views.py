from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.accounts.selectors import users_visible_to
from dangjian.core.actors import Actor
from dangjian.core.forms import error_summary
from dangjian.core.http import AuthedRequest
from dangjian.core.scoping import get_scoped_or_404, has_capability, may_open, requires
from dangjian.core.versioning import StaleEdit

from . import selectors, services
from .forms import LiaisonGroupForm, MoveForm, OrgEditForm, OrgForm, PostForm, TermForm
from .models import TERM_WARNING_DAYS, CommitteeTerm, Org


def _org(request: AuthedRequest, code: str, capability: str = "orgs.view") -> Org:
    return get_scoped_or_404(Org.objects.all(), request.user, capability, code=code)


def _fail(form: forms.BaseForm, exc: ValidationError) -> None:
    form.add_error(None, "；".join(exc.messages))


@require_GET
@requires("orgs.view")
def tree(request: AuthedRequest) -> HttpResponse:
    tops = list(selectors.top_orgs_for(request.user))
    # A single top (the usual case) opens one level; several tops load their children on demand.
    roots = [
        (top, list(selectors.children_in_scope(request.user, top)) if len(tops) == 1 else None)
        for top in tops
    ]
    context = {"roots": roots, "due_terms": selectors.terms_due_soon(request.user)}
    return render(request, "orgs/tree.html", context)


@require_GET
@requires("orgs.view")
def tree_children(request: AuthedRequest, code: str) -> HttpResponse:
    org = _org(request, code)
    nodes = selectors.children_in_scope(request.user, org)
    return render(request, "orgs/tree.html#nodes", {"nodes": nodes})


@require_GET
@requires("orgs.view")
def detail(request: AuthedRequest, code: str) -> HttpResponse:
    org = _org(request, code)
    term = selectors.current_term(org)
    today = timezone.localdate()
    context = {
        "org": org,
        "ancestors": selectors.ancestors_in_scope(request.user, org),
        "children": selectors.children_in_scope(request.user, org),
        "grassroots": selectors.grassroots_count(org),
        "term": term,
        "term_due_days": (term.due_on - today).days if term else None,
        "warning_days": TERM_WARNING_DAYS,
        "liaison_groups": org.supervised_by.all(),
        "can_edit": has_capability(request.user, "orgs.edit", org),
        "term_form": TermForm(initial={"term_years": org.term_years}),
        "post_form": PostForm(),
        "move_form": MoveForm(actor=request.user),
        "work_links": _work_links(request.user, org, today.year),
    }
    return render(request, "orgs/detail.html", context)


def _work_links(user: Actor, org: Org, year: int) -> list[tuple[str, str, str]]:
    """(icon, label, url) of this org's pages elsewhere — members, meetings, the ledger, the compliance
    row — each only when the user may open it for this org (no link that answers 404)."""
    links = [
        ("people", "党员花名册", "people:roster", (), f"?org={org.code}" if org.level == "branch" else ""),
        ("calendar-event", "组织生活", "activities:index", (), f"?org={org.code}&year={year}"),
        ("journal-text", "组织生活台账", "activities:ledger", (org.code, year), ""),
        ("calendar-check", "合规日历", "activities:compliance", (), f"?org={org.code}&year={year}"),
        ("list-check", "重点任务", "checklists:index", (), f"?org={org.code}&year={year}"),
        ("chat-square-text", "群众诉求", "casework:index", (), f"?org={org.pk}"),
    ]
    out = []
    for icon, label, name, args, query in links:
        try:
            if may_open(user, name, *args, org=org):
                out.append((icon, label, reverse(name, args=args) + query))
        except NoReverseMatch:  # an app not installed in this deployment
            continue
    return out


@require_http_methods(["GET", "POST"])
@requires("orgs.edit")
def edit(request: AuthedRequest, code: str) -> HttpResponse:
    org = _org(request, code, "orgs.edit")
    form = OrgEditForm(request.POST or None, instance=Org.objects.get(pk=org.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_org(
                actor=request.user,
                org=org,
                version=form.cleaned_data["version"],
                **{f: form.cleaned_data[f] for f in OrgEditForm.Meta.fields},
            )
        except StaleEdit as exc:
            _fail(form, exc)  # the user's input stays, against the current version
            form.take_version(Org.objects.values_list("version", flat=True).get(pk=org.pk))
        except ValidationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, "组织信息已保存。")
            return redirect("orgs:detail", code=org.code)
    return render(request, "orgs/form.html", {"form": form, "org": org, "title": f"编辑 {org.name}"})


@require_http_methods(["GET", "POST"])
@requires("orgs.edit")
def add_child(request: AuthedRequest, code: str) -> HttpResponse:
    parent = _org(request, code, "orgs.edit")
    form = OrgForm(request.POST or None, initial={"kind": parent.kind, "term_years": parent.term_years})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            child = services.create_org(
                actor=request.user, parent=parent, **{k: data[k] for k in OrgForm.Meta.fields}
            )
        except ValidationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, f"已添加“{child.name}”。")
            return redirect("orgs:detail", code=child.code)
    return render(
        request, "orgs/form.html", {"form": form, "org": parent, "title": f"在 {parent.name} 下添加组织"}
    )


@require_POST
@requires("orgs.edit")
def move(request: AuthedRequest, code: str) -> HttpResponse:
    org = _org(request, code, "orgs.edit")
    form = MoveForm(request.POST, actor=request.user)
    if form.is_valid():
        target = form.cleaned_data["target"]
        try:
            services.move_org(actor=request.user, org=org, new_parent=target)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已将“{org.name}”移到“{target.name}”之下。")
    else:
        messages.error(request, error_summary(form))
    return redirect("orgs:detail", code=org.code)


@require_POST
@requires("orgs.edit")
def add_term(request: AuthedRequest, code: str) -> HttpResponse:
    org = _org(request, code, "orgs.edit")
    form = TermForm(request.POST)
    if form.is_valid():
        try:
            services.start_term(actor=request.user, org=org, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "换届已登记。")
    else:
        messages.error(request, "请填写正确的选举日期和任期。")
    return redirect("orgs:detail", code=org.code)


@require_POST
@requires("orgs.edit")
def add_post(request: AuthedRequest, code: str, term_id: int) -> HttpResponse:
    org = _org(request, code, "orgs.edit")
    term = get_scoped_or_404(
        CommitteeTerm.objects.select_related("org"), request.user, "orgs.edit", pk=term_id, org=org
    )
    form = PostForm(request.POST)
    if form.is_valid():
        try:
            services.set_post(actor=request.user, term=term, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "职务已登记。")
    else:
        messages.error(request, "请填写职务和姓名。")
    return redirect("orgs:detail", code=org.code)


@require_GET
@requires("orgs.view")
def liaison_groups(request: AuthedRequest) -> HttpResponse:
    groups = selectors.liaison_groups_visible_to(request.user)
    zones = [
        o
        for o in selectors.top_orgs_for(request.user)
        if may_open(request.user, "orgs:liaison_group_new", o.code, org=o)
    ]
    return render(request, "orgs/liaison_groups.html", {"groups": groups, "zones": zones})


@require_http_methods(["GET", "POST"])
@requires("orgs.edit")
def liaison_group_edit(request: AuthedRequest, code: str, group_id: int | None = None) -> HttpResponse:
    zone = _org(request, code, "orgs.edit")
    group = None
    if group_id is not None:
        group = get_scoped_or_404(
            selectors.liaison_groups_visible_to(request.user),
            request.user,
            "orgs.edit",
            pk=group_id,
            zone=zone,
        )
    users = users_visible_to(request.user)
    initial = {}
    if group is not None:
        initial = {
            "name": group.name,
            "leader_name": group.leader_name,
            "orgs": list(group.orgs.values_list("pk", flat=True)),
            "members": group.members.all(),
        }
    form = LiaisonGroupForm(request.POST or None, actor=request.user, initial=initial, users=users)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_liaison_group(
                actor=request.user,
                zone=zone,
                group=group,
                orgs=form.cleaned_data["orgs"],
                name=form.cleaned_data["name"],
                leader_name=form.cleaned_data["leader_name"],
                members=list(form.cleaned_data["members"]),
            )
        except ValidationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, "联络组已保存。")
            return redirect("orgs:liaison_groups")
    return render(request, "orgs/form.html", {"form": form, "org": zone, "title": "联络组"})
