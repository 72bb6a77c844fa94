"""Residents' request phones go through the platform's one phone check (issue 9, point 8)."""

import pytest

from dangjian.casework.services import CaseworkError, clean_phone


@pytest.mark.parametrize("raw", ["abc", "12345", "139123456789"])
def test_a_request_phone_that_is_no_phone_is_refused(raw):
    with pytest.raises(CaseworkError, match="联系电话格式不正确"):
        clean_phone(raw)


def test_mobiles_and_landlines_are_taken():
    assert clean_phone("139 1234 5678") == "13912345678"
    assert clean_phone("0571-87654321") == "0571-87654321"
