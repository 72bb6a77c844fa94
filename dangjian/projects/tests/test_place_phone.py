"""A service place's phone goes through the platform's one phone check (issue 9, point 8)."""

import pytest
from django.core.exceptions import ValidationError

from dangjian.projects import services
from dangjian.projects.models import PlaceKind, ServicePlace

pytestmark = pytest.mark.django_db


def test_a_service_phone_abc_is_refused_and_nothing_saved(admin_user, branch):
    with pytest.raises(ValidationError, match="服务电话格式不正确"):
        services.register_place(
            actor=admin_user, org=branch, name="党群服务站", kind=PlaceKind.SERVICE_STATION, phone="abc"
        )
    assert not ServicePlace.objects.exists()


def test_a_landline_with_its_area_code_is_taken(admin_user, branch):
    place = services.register_place(
        actor=admin_user, org=branch, name="党群服务站", kind=PlaceKind.SERVICE_STATION, phone="0571-87654321"
    )
    assert place.phone == "0571-87654321"
