"""A stateful HubSpot API emulator, faithful enough for the unmodified hubspot-api-client.

    with HubSpotSandbox(SandboxConfig(contacts=500)) as sandbox:
        client = HubSpot(access_token=sandbox.token, host=sandbox.url)   # hubspot-api-client 12

(`HubSpot(**kwargs)` copies every keyword onto each API's `Configuration`, whose `host` replaces
`https://api.hubapi.com`.) Plain HTTP tools use `sandbox.url` and `Bearer <sandbox.token>`.

Served: CRM v3 objects of every type in `catalogue.yaml` (list, get, create, update, archive,
batch read/create/update, search), associations v4 (one record's list, batch read), owners,
properties and property groups (list, read, create). Not emulated, because nothing in the
connector, the demo or the bench uses them: batch upsert/archive, association creation (records
are associated at creation) and removal, association labels, one owner by id, one group by name,
properties batch read, `propertiesWithHistory`, `idProperty` (records are read and written by
id; a read that asks for either is a 400 naming it). Request log route names are
"METHOD /path/pattern", e.g. "POST /crm/v3/objects/tasks/batch/create".

The seeded portal (the connector's HubSpot mapping relies on its names) is data: object types,
properties and options in `catalogue.yaml` (the connector's own group "connector" only with
`provision_connector_fields`), how seed values become them in its `seeding` tables
(read by `seeding.py`). Web and e-mail activity become the contact's counters, conversions its
`*_conversion_*` properties; booked meetings and calls are meeting and call objects associated
with the contact and its company; contact→company associations are both unlabeled (279) and
Primary (1); deals sit in pipeline "default". Owners have ids from 52000001 (user ids from
9100001); the seed's inactive owner is archived.
"""

from connector.sandbox.hubspot.app import HubSpotSandbox

__all__ = ["HubSpotSandbox"]
