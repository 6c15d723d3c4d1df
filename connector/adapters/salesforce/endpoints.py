"""The Salesforce operations the adapter uses, by their usage label: the REST API's resource
paths, so a run's API cost reads like the org's own API usage ("GET /query: 12 calls, 24,000
records"). HubSpot's endpoints.py labels its operations the same way (and adds their scopes).
"""

QUERY = "GET /query"
QUERY_MORE = "GET /query/{locator}"
QUERY_ALL = "GET /queryAll"
QUERY_ALL_MORE = "GET /queryAll/{locator}"
DESCRIBE = "GET /sobjects/{sobject}/describe"
COLLECTIONS_UPDATE = "PATCH /composite/sobjects"
COLLECTIONS_CREATE = "POST /composite/sobjects"
BULK_CREATE = "POST /jobs/query"
BULK_GET = "GET /jobs/query/{id}"
BULK_RESULTS = "GET /jobs/query/{id}/results"
BULK_ABORT = "PATCH /jobs/query/{id}"
