"""The whole API, property-tested from its own OpenAPI schema with schemathesis (issue 9, point 10):
for the token of each demo persona, no operation answers 5xx, and every answer — status code and
body — is one the schema describes.

Deterministic (derandomized, no example database) and modest (``EXAMPLES`` per operation and
persona), so it runs in CI on every change; ``DANGJIAN_API_EXAMPLES`` raises it for a deeper run.
"""

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from conftest import make_user
from dangjian.accounts.seed import DEMO_USERS
from dangjian.api.api import api
from dangjian.orgs.models import LiaisonGroup, Org

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("DANGJIAN_API_EXAMPLES", "4"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# Where each demo persona (accounts.seed.DEMO_USERS) sits in the test tree of the root conftest.
HOME = {"SFQ": "T", "SFQ-V01": "T-A", "SFQ-C01": "T-C", "SFQ-V01-1": "T-A"}


@pytest.fixture
def persona_tokens(roles, zone, branch, other_branch, community, token_for):
    tokens = {}
    for username, _display, role_id, code, _sees in DEMO_USERS:
        org = Org.objects.get(code=HOME[code])
        user = make_user(username, roles[role_id] if role_id else None, org)
        if username.startswith("liaison"):
            group = LiaisonGroup.objects.create(zone=Org.objects.get(code="T"), name="第一联络组")
            group.members.add(user)
            group.orgs.add(branch)
        tokens[username] = token_for(user)["HTTP_AUTHORIZATION"]
    return tokens


@pytest.fixture
def connections_kept():
    """The WSGI handler closes the database connection after each request; inside a test's transaction
    it must not (Django's test client disconnects the same signal handlers)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _schema():
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))
    schema.app = WSGIHandler()
    return schema


def _operations():
    return [result.ok() for result in _schema().get_all_operations()]


def _property(operation, token: str):
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def holds(case):
        case.headers = {**(case.headers or {}), "Authorization": token}
        case.call_and_validate(checks=CHECKS)

    return holds


@pytest.mark.parametrize("persona", [row[0] for row in DEMO_USERS])
def test_every_operation_keeps_to_its_schema_for_every_persona(persona, persona_tokens, connections_kept):
    failures = []
    for operation in _operations():
        try:
            _property(operation, persona_tokens[persona])()
        except (Exception, BaseExceptionGroup) as exc:  # every operation's failure, reported together
            failures.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:800]}")
    assert failures == [], "\n\n".join(failures)
