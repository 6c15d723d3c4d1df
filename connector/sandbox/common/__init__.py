"""CRM-neutral sandbox machinery the HubSpot and Salesforce emulators build on."""
