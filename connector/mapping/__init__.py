"""The files in mappings/: their schemas, their loading with file:line errors, and the
translation between CRM field names/values and domain fields."""
