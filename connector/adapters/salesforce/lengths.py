"""How many characters each text field the writer fills holds, from the org's own describe.

An admin may create the connector's text fields shorter than `mappings provision` says (a
score-reasons field of 255 instead of 32,768), and Salesforce refuses a longer value with
STRING_TOO_LONG ("Label: data value too large: … (max length=n)"), which would reject the whole
record (SOAP API Developer Guide, "AllowFieldTruncationHeader": since API version 15.0 "if a
string or textarea value is too large, the operation fails and the fault code STRING_TOO_LONG is
returned"; the connector sends no truncation header, so the cut stays its own and visible). So
the writer cuts text to the length the org's describe reports (`fields[].length`, REST API
Developer Guide "sObject Describe"; DescribeFieldResult `length`: the maximum size of the field
in Unicode characters).

The describe is asked lazily, once per object and adapter (that is, per run), by the first
write that carries text for that object: a quiet sync, or a dry run (which never reaches the
writer), makes no describe call. A field the describe does not report, or reports without a
length, keeps the documented length the writer passes as the fallback.
"""

from __future__ import annotations

import threading

from connector.adapters.base import FieldSchema
from connector.adapters.salesforce.client import SalesforceClient
from connector.adapters.salesforce.describe import describe_objects, find_field


class FieldLengths:
    """Text lengths per (object, field), described on first need and kept for the adapter's
    life (one run: a field's length does not change under a running sync)."""

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
