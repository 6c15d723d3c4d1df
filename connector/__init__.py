"""CRM lifecycle connector: readable lead scoring and lifecycle rules for HubSpot and Salesforce."""

__version__ = "0.1.0"
