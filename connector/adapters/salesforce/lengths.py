"""How many characters each text field the writer fills holds, from the org's own describe.

An admin may create a text field shorter than `mappings provision` says, and Salesforce refuses
a longer value with STRING_TOO_LONG, rejecting the whole record; so the writer cuts text to the
describe's `length` (Unicode characters). Described once per object and run, by the first write
that carries text for it (a quiet sync or a dry run makes no call); without a length, the
documented one.
"""

from __future__ import annotations

import threading

from connector.adapters.base import FieldSchema
from connector.adapters.salesforce.client import SalesforceClient
from connector.adapters.salesforce.describe import describe_objects, find_field


class FieldLengths:
    """Text lengths per (object, field), described on first need and kept for the run."""

    def __init__(self, client: SalesforceClient) -> None:
        self.client = client
        self._schema = FieldSchema()
        self._lock = threading.Lock()

    def length(self, crm_object: str, field: str, fallback: int) -> int:
        """The length the org gives `crm_object.field`, else `fallback` (the documented one)."""
        with self._lock:
            if crm_object not in self._schema.objects:
                described = describe_objects(self.client, [crm_object])
                self._schema.objects[crm_object] = described.objects.get(crm_object, {})
        found = find_field(self._schema, crm_object, field)
        return found.length if found is not None and found.length else fallback
