"""Local, stateful HTTP emulators of the HubSpot and Salesforce APIs, with seed data and faults.

The connector is only worth something if it works through the unmodified CRM SDKs, so the sandbox
speaks the CRMs' wire formats over loopback instead of faking the SDKs. `common` holds the
CRM-neutral machinery (HTTP server, routing, fault injection, limits, request log); `seed` builds
the deterministic contacts each emulator loads; `hubspot` and `salesforce` hold the emulators.
"""
