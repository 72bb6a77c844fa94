from django.core.management.base import BaseCommand

from dangjian.accounts.models import User
from dangjian.accounts.seed import DEMO_USERS
from dangjian.core.seeding import demo_password


class Command(BaseCommand):
    help = "Print the demo zone's logins."

    def handle(self, *args, **options):
        self.stdout.write(f"演示账号（密码均为 {demo_password()}）：")
        existing = set(
            User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).values_list("username", flat=True)
        )
        for username, display, _, _, sees in DEMO_USERS:
            if username in existing:
                self.stdout.write(f"  {username:<10} {display}（可见：{sees}）")
