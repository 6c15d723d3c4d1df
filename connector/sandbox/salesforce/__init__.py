"""A stateful Salesforce org emulator, faithful enough for the unmodified simple-salesforce.

simple-salesforce only builds https URLs, so the sandbox serves TLS with a throw-away CA that
clients trust (`sandbox.ca_file`; never `verify=False`):

    with SalesforceSandbox(SandboxConfig(contacts=500)) as sandbox:
        sf = Salesforce(**sandbox.salesforce_kwargs())   # a pre-issued session, no login call

`sandbox.session()` routes simple-salesforce's own logins here too (sandbox.py); other clients
post form-encoded OAuth to `sandbox.token_url`. What is served, and what is left out because
nothing in the connector uses it, is in README "Trying it against a sandbox" and, with what
Salesforce documents for each part, in the modules: app.py (routes, whose names the request log
uses, and allowances), oauth.py, records.py (Get Deleted and sObject Collections too), query.py and
soql/, bulk2.py. The seeded org, whose names the connector's Salesforce mapping relies on, is data
(catalogue.yaml); seeding.py says who becomes a Lead or a Contact, and writes.py which fields
Salesforce derives and why logging an activity leaves the person's LastModifiedDate alone.
"""

from connector.sandbox.salesforce.oauth import SalesforceCredentials
from connector.sandbox.salesforce.sandbox import DEFAULT_API_VERSION, SalesforceSandbox

__all__ = ["DEFAULT_API_VERSION", "SalesforceCredentials", "SalesforceSandbox"]
