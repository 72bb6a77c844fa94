from ninja.security import HttpBearer

from dangjian.accounts.services import user_for_api_token


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        user = user_for_api_token(token)
        if user is not None:
            request.user = user
        return user
