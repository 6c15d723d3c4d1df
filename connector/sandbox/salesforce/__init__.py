"""A stateful Salesforce org emulator, faithful enough for the unmodified simple-salesforce.

simple-salesforce always builds https URLs, so the sandbox serves TLS with a throw-away CA that
clients trust (`sandbox.ca_file`; never `verify=False`):

    with SalesforceSandbox(SandboxConfig(contacts=500)) as sandbox:
        sf = Salesforce(**sandbox.salesforce_kwargs())   # a pre-issued session, no login call
        c = sandbox.credentials                          # or one of simple-salesforce's logins,
        sf = Salesforce(consumer_key=c.client_id, consumer_secret=c.client_secret,
                        domain=sandbox.my_domain, session=sandbox.session())
        # `sandbox.session()` routes the *.salesforce.com login hosts here (client.py). Any other
        # client posts form-encoded OAuth to `sandbox.token_url` and uses the answered
        # `instance_url` with `Authorization: Bearer <access_token>`.

Served (README "Trying it against a sandbox" lists it for other tools; each module says how
Salesforce documents its part): OAuth2 token endpoint (oauth.py); `/services/data/` and
`/services/data/vXX.X/` (31.0-62.0); global and per-object describe; SOQL `query`/`queryAll`
with 2,000-record pages (query.py; the SOQL subset: soql/parser.py); sObject create, get, update
and delete (records.py); sObject Get Deleted with the 15-day recycle bin (replication.py);
sObject Collections create/update (collections.py); Bulk API 2.0 query jobs (bulk2.py); the
daily and concurrent allowances with `Sforce-Limit-Info` and injected faults (app.py). Left out,
because nothing in the connector uses them: SOAP login, an object's basic information,
`?fields=` on a get, external-id get/upsert, Collections upsert/delete/retrieve, listing and
deleting Bulk jobs, `/limits`, sObject Get Updated, `Sforce-Query-Options`. Request-log names
are the route names in app.py (`query`, `sobject.create`, `bulk2.query.get`, ...).

The seeded org (the connector's Salesforce mapping relies on these names): objects, fields, key
prefixes and picklist values are data (catalogue.yaml, with the seeding tables); seeding.py says
who becomes a Lead (about 60 %) or a Contact under an Account, and how engagement becomes Tasks,
Events and CampaignMembers. The API user "Sandbox Integration" (`sandbox.integration_user_id`)
owns what the seed leaves unassigned; the seeded history was written by the "Automated Process"
user, so what the connector's user modified last is what the connector wrote itself. Logging an
activity leaves the person's LastModifiedDate alone: Salesforce documents no such change, so the
connector must not rely on it (writes.py).
"""

from connector.sandbox.salesforce.oauth import SalesforceCredentials
from connector.sandbox.salesforce.sandbox import DEFAULT_API_VERSION, SalesforceSandbox

__all__ = ["DEFAULT_API_VERSION", "SalesforceCredentials", "SalesforceSandbox"]
