from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from dangjian.core.actors import Actor
from dangjian.core.scoping import scoped

from .models import RoleAssignment, User


def users_visible_to(actor: Actor) -> QuerySet[User]:
    today = timezone.localdate()
    active = RoleAssignment.objects.active_on(today).select_related("role", "org")
    return (
        scoped(User.objects.all(), actor, "accounts.manage")
        .select_related("home_org")
        .prefetch_related(Prefetch("assignments", queryset=active, to_attr="active_assignments"))
        .order_by("username")
    )


def assignments_of(user: User) -> QuerySet[RoleAssignment]:
    return user.assignments.select_related("role", "org").order_by("-valid_to", "-id")


def user_named(username: str) -> User | None:
    """The login of that name, or None (seeds and commands that name their users)."""
    return User.objects.filter(username=username).first()
