"""A stateful HubSpot API emulator, faithful enough for the unmodified hubspot-api-client.

Reaching it
-----------
    with HubSpotSandbox(SandboxConfig(contacts=500)) as sandbox:
        client = HubSpot(access_token=sandbox.token, host=sandbox.url)   # hubspot-api-client 12
        client.crm.contacts.get_all()

`HubSpot(**kwargs)` keeps every keyword in `client.config`; each API's `Configuration` gets them
by `setattr`, and `Configuration.host` replaces the default `https://api.hubapi.com`. Plain HTTP
tools use `sandbox.url` as the base URL and `Authorization: Bearer <sandbox.token>`.

Served
------
CRM v3 objects (contacts, companies, deals, tasks, emails, meetings, calls, notes): list, get,
create, update, archive, batch read/create/update, search; associations v4 (default create,
list, batch read, batch default create, labels); owners (list); properties (list, read, create)
and property groups (list, create). The object types and properties are data:
`catalogue.yaml`. Not emulated, because nothing in the connector uses them: batch upsert/archive,
labelled association create and removal, one owner by id, one group by name, properties batch
read. Errors, 207 multi-status, 401, 429 with the
X-HubSpot-RateLimit-* headers, fault injection and the request log: see `app`, `errors`,
`limits`. Route names in the request log are "METHOD /path/pattern", e.g.
"GET /crm/v3/objects/contacts" or "POST /crm/v3/objects/tasks/batch/create".

Seeded portal (the connector's HubSpot mapping relies on these names)
-------------------------------------------------------------------
The object types, their properties and option values (the customer's BANT properties; the
connector's own, group "connector", present only with `provision_connector_fields`) are data:
`catalogue.yaml`, with the tables of how seed values become option values (`seeding`).
Contacts: the seed fills email, firstname, lastname, jobtitle, hs_buying_role (multi-select),
country, state (the seed's region), city, phone, company, industry (free text), lifecyclestage
(forward only unless cleared first), hs_lead_status, hubspot_owner_id, hs_analytics_source.
Activity counters: hs_analytics_num_page_views, hs_analytics_num_visits,
hs_analytics_last_visit_timestamp, hs_email_open, hs_email_last_open_date, hs_email_click,
hs_email_last_click_date, hs_email_bounce, hs_email_optout (unsubscribe or spam report),
num_conversion_events, recent_conversion_date, recent_conversion_event_name,
first_conversion_event_name, first_conversion_date. Conversion names: "Request a demo",
"Pricing page form", "Free trial signup", "Whitepaper download: <title>",
"Webinar registration: <title>", and the form's name for other form submissions.
Meetings (hs_meeting_title, hs_meeting_start_time, hs_meeting_end_time, hs_meeting_outcome,
hs_timestamp) and calls (hs_call_title, hs_call_disposition = HubSpot's outcome GUIDs,
hs_call_direction, hs_timestamp) are activity objects associated with the contact (200 / 194)
and its company.
Companies: name, domain, industry (HubSpot values, e.g. COMPUTER_SOFTWARE), numberofemployees,
annualrevenue, country, state (region), hubspot_owner_id; contact→company associations are both
unlabeled (279) and Primary (1).
Deals (pipeline "default"): dealname, amount, dealstage, closedate, pipeline, hubspot_owner_id;
associated with the contact (3) and company (341 and 5).
Owners: ids from 52000001 on (user ids from 9100001); an inactive seed owner is archived.
"""

from connector.sandbox.hubspot.app import HubSpotApp
from connector.sandbox.hubspot.sandbox import HubSpotSandbox

__all__ = ["HubSpotApp", "HubSpotSandbox"]
