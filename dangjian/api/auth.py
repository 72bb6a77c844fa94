from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from ninja.security import HttpBearer

from dangjian.accounts.models import ApiToken


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        if not token or len(token) > 200:
            return None
        now = timezone.now()
        row = (
            ApiToken.objects.select_related("user")
            .filter(digest=ApiToken.digest_of(token), revoked=False, user__is_active=True)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .first()
        )
        if row is None:
            return None
        # Touch the token at most once a minute so reads stay reads.
        if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user
