"""Implausible dates and numbers are refused when a CRM record is translated, so the record is
skipped with the reason instead of being decided on."""

import pytest

from connector.mapping.translate import parse_datetime


@pytest.mark.parametrize("value", ["9999-12-31T00:00:00Z", "0001-01-01", 253402214400000])
def test_placeholder_dates_are_refused(value):
    with pytest.raises(ValueError, match="implausible date"):
        parse_datetime(value)


def test_ordinary_dates_pass():
    assert parse_datetime("2026-11-02T09:00:00Z").year == 2026
