from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from dangjian.core.scoping import authenticated, get_scoped_or_404, public, requires
from dangjian.orgs.selectors import orgs_visible_to

from . import services
from .forms import GrantForm, LoginForm, UserCreateForm
from .models import RoleAssignment
from .selectors import assignments_of, users_visible_to

login = public(
    auth_views.LoginView.as_view(template_name="accounts/login.html", authentication_form=LoginForm)
)
logout = authenticated(auth_views.LogoutView.as_view())


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


@require_http_methods(["GET", "POST"])
@requires("accounts.manage")
def users(request: HttpRequest) -> HttpResponse:
    orgs = orgs_visible_to(request.user, "accounts.manage").order_by("path")
    form = UserCreateForm(request.POST or None, orgs=orgs)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_user(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, f"已创建用户“{user.username}”。")
            return redirect("accounts:user", user_id=user.pk)
    return render(request, "accounts/users.html", {"users": users_visible_to(request.user), "form": form})


@require_http_methods(["GET", "POST"])
@requires("accounts.manage")
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    target = get_scoped_or_404(users_visible_to(request.user), request.user, "accounts.manage", pk=user_id)
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        org = orgs_visible_to(request.user, "accounts.manage").filter(code=data["org_code"].strip()).first()
        if org is None:
            form.add_error("org_code", "组织代码不存在或不在您的管理范围内。")
        else:
            try:
                services.grant_role(
                    actor=request.user,
                    user=target,
                    role=data["role"],
                    org=org,
                    subtree=data["subtree"],
                    valid_from=data["valid_from"],
                    valid_to=data["valid_to"],
                )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                messages.success(request, "授权已添加。")
                return redirect("accounts:user", user_id=target.pk)
    context = {"target": target, "assignments": assignments_of(target), "form": form}
    return render(request, "accounts/user_detail.html", context)


@require_POST
@requires("accounts.manage")
def end_assignment(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = get_scoped_or_404(
        RoleAssignment.objects.select_related("org", "user", "role"),
        request.user,
        "accounts.manage",
        pk=assignment_id,
    )
    services.end_role(actor=request.user, assignment=assignment)
    messages.success(request, "授权已终止。")
    return redirect("accounts:user", user_id=assignment.user_id)
