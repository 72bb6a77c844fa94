from typing import TYPE_CHECKING

from django.http import HttpRequest
from ninja.security import HttpBearer

from dangjian.accounts.services import user_for_api_token

if TYPE_CHECKING:
    from dangjian.accounts.models import User


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> "User | None":
        user = user_for_api_token(token)
        if user is not None:
            request.user = user
        return user
