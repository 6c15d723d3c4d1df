"""The CRM-agnostic heart: value types and pure, deterministic rules.

Nothing in this package performs I/O or knows which CRM it serves; every function takes `now`
explicitly so the same input always yields the same decision (and so dry runs can be trusted).
"""
