"""A stateful Salesforce org emulator, faithful enough for the unmodified simple-salesforce.

Reaching it
-----------
simple-salesforce always builds https URLs, so the sandbox serves TLS with a throw-away CA
(trustme). The client trusts that CA file (never `verify=False`):

    with SalesforceSandbox(SandboxConfig(contacts=500)) as sandbox:
        # 1. A pre-issued session: no login call.
        sf = Salesforce(**sandbox.salesforce_kwargs())      # instance_url, session_id, session
        # 2. simple-salesforce's own logins. It posts to https://<domain>.salesforce.com, so the
        #    session from `sandbox.session()` (verify=CA file + a transport adapter for the
        #    login hosts, the equivalent of a hosts-file entry) routes those to the sandbox:
        c = sandbox.credentials
        sf = Salesforce(username=c.username, password=c.password + c.security_token,
                        consumer_key=c.client_id, consumer_secret=c.client_secret,
                        session=sandbox.session())                         # OAuth password flow
        sf = Salesforce(consumer_key=c.client_id, consumer_secret=c.client_secret,
                        domain=sandbox.my_domain, session=sandbox.session())  # client credentials
        # 3. Any HTTP client: POST `sandbox.token_url` (form-encoded OAuth) and use the answered
        #    `instance_url` (= `sandbox.url`) with `Authorization: Bearer <access_token>`,
        #    trusting `sandbox.ca_file`.

Served
------
OAuth2 token endpoint (password, client-credentials and - once a certificate is uploaded with
`sandbox.add_jwt_certificate(pem)` - JWT bearer grants); `/services/data/` (versions, no auth)
and `/services/data/vXX.X/` (31.0-62.0); global and per-object describe; SOQL `query`/`queryAll`
with `nextRecordsUrl` paging (2,000 per page); sObject create/get/update/delete; sObject Get
Deleted (`/sobjects/<Type>/deleted/?start=&end=`, seconds dropped, 15 days back,
INVALID_REPLICATION_DATE, EXCEEDED_ID_LIMIT); a deleted record stays in the recycle bin
(QueryAll, IsDeleted = true) for 15 days; sObject Collections create/update (<= 200, allOrNone,
results in order); Bulk API 2.0 query jobs (`/jobs/query`: create, get, abort, CSV results with
Sforce-Locator and Sforce-NumberOfRecords); `Sforce-Limit-Info: api-usage=N/M` on every counted
answer; 401 INVALID_SESSION_ID; 403 REQUEST_LIMIT_EXCEEDED for the daily allowance
(`daily_limit`) and concurrent requests (`rate_limit`); UNABLE_TO_LOCK_ROW for locked records and
PARTIAL_BATCH faults; injected faults (rate limit -> 403 REQUEST_LIMIT_EXCEEDED, 500
UNKNOWN_EXCEPTION, 502, 503 SERVER_UNAVAILABLE, dropped connections, slow answers). Not emulated,
because nothing in the connector uses them: SOAP login, an object's basic information, `?fields=`
on a record get, get/upsert by external id, Collections upsert/delete/retrieve, listing and
deleting Bulk jobs, `/limits`, sObject Get Updated, `Sforce-Query-Options`. Request-log endpoint
names: oauth.token, versions, resources, describe.global, sobject.describe, sobject.create,
sobject.get, sobject.update, sobject.delete, sobject.deleted, query, query.more, queryAll,
queryAll.more, collections.create, collections.update, bulk2.query.create, bulk2.query.get,
bulk2.query.abort, bulk2.query.results.

SOQL subset: SELECT fields (with relationship paths such as Owner.Name, Account.Name,
Who.Name), COUNT(); FROM one object; WHERE with = != <> < <= > >= LIKE IN NOT IN, AND/OR/NOT and
parentheses (AND and OR not mixed without parentheses, as in SOQL); string, number, boolean,
null, date and datetime literals; ORDER BY ASC/DESC NULLS FIRST/LAST; LIMIT; OFFSET (<= 2,000).
Not emulated: COUNT(field) and other aggregates, GROUP BY/HAVING, semi-joins and subqueries,
TYPEOF, functions (FIELDS(), toLabel(), convertCurrency()), relative date literals (TODAY,
LAST_N_DAYS:n, ...: the connector always sends explicit datetimes), SOSL search.

Seeded org (the connector's Salesforce mapping relies on these names)
----------------------------------------------------------------------
The objects, their fields, key prefixes and picklist values (the customer's BANT and buying-role
fields; the connector's own fields, present only with `provision_connector_fields`) are data:
`catalogue.yaml`, with the table of how seed values become picklist values (`seeding`). Ids are
18-character Salesforce ids with those key prefixes (750 for Bulk API jobs).

Users (the owners): Id, Name, FirstName, LastName, Email, Username, Alias, IsActive, UserType
(Standard). One seed owner is inactive. The API user "Sandbox Integration"
(`sandbox.integration_user_id`, username = `credentials.username`) owns whatever the seed leaves
unassigned. The seeded history was created and last modified by the "Automated Process" user
(UserType AutomatedProcess, not an owner), never by the integration user: what the connector's
user modified last is what the connector wrote itself. Every API write sets LastModifiedById (and
CreatedById on insert) to the session's user. Logging a Task or Event, or adding a campaign
member, leaves the person's LastModifiedDate and SystemModstamp alone: Salesforce documents no
such change, so the connector must not rely on it.

About 60 % of the seed people are unconverted Leads; the rest are Contacts under an Account
(seeding.py says who and how; catalogue.yaml lists each object's fields). Lifecycle_Stage__c
(with the connector's fields) is seeded with the person's current stage. Engagement is Tasks
(WhoId = the person), Events and CampaignMembers; unsubscribes and spam reports set
HasOptedOutOfEmail, bounces EmailBouncedDate.
Writing a field that does not exist answers INVALID_FIELD; a value outside a restricted
picklist answers INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST.
"""

from connector.sandbox.salesforce.oauth import SalesforceCredentials
from connector.sandbox.salesforce.sandbox import DEFAULT_API_VERSION, SalesforceSandbox

__all__ = ["DEFAULT_API_VERSION", "SalesforceCredentials", "SalesforceSandbox"]
