"""The HubSpot sandbox's catalogue entries: the property model ignores keys a request may carry
(HubSpot accepts fields the emulator does not model), but a key the catalogue itself misspells
must stop the sandbox, not vanish."""

from __future__ import annotations

import pytest

from connector.sandbox.hubspot.catalogue import property_def


def test_a_catalogue_entry_becomes_a_property_with_the_catalogues_defaults() -> None:
    made = property_def({"name": "plan", "label": "Plan", "custom": True}, "contactinformation")
    assert (made.type, made.field_type, made.group_name) == ("string", "text", "contactinformation")
    assert made.hubspot_defined is False


def test_a_misspelt_key_in_the_catalogue_is_refused_with_its_property_named() -> None:
    with pytest.raises(ValueError, match=r"'plan': unknown keys \['lable'\]"):
        property_def({"name": "plan", "lable": "Plan"}, "contactinformation")
