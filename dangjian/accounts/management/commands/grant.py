from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dangjian.accounts.models import Role, User
from dangjian.accounts.services import grant_role
from dangjian.core.actors import SYSTEM
from dangjian.orgs.models import Org


class Command(BaseCommand):
    help = "Give USERNAME the role ROLE on ORG_CODE (with --subtree: and everything below it)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "role",
            help="zone_admin, staff, liaison, secretary, clerk, viewer, auditor, sysadmin, secadmin, auditadmin",
        )
        parser.add_argument("org_code")
        parser.add_argument("--subtree", action="store_true")

    def handle(self, *args, username, role, org_code, subtree, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户“{username}”不存在。")
        role_obj = Role.objects.filter(identifier=role).first()
        if role_obj is None:
            known = ", ".join(Role.objects.values_list("identifier", flat=True))
            raise CommandError(f"角色“{role}”不存在。可用角色：{known}")
        org = Org.objects.filter(code=org_code).first()
        if org is None:
            raise CommandError(f"组织代码“{org_code}”不存在。")
        try:
            # Run on the server, so it acts as SYSTEM: this is how the first 安全管理员 is made.
            grant_role(actor=SYSTEM, user=user, role=role_obj, org=org, subtree=subtree)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        scope = "及其全部下级组织" if subtree else "（仅本级）"
        self.stdout.write(f"已授予 {username} 在 {org.name}{scope} 的“{role_obj.name}”角色。")
