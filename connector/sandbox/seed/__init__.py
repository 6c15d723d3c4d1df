"""Deterministic seed data for the emulators, built only from the domain value types.

`SeedData(spec)` streams companies and contacts (never a list of all of them) in either of two
modes: synthetic B2B data (`spec.dataset is None`) or the real X Education lead history
(`spec.dataset` = path of x-education-leads.csv). Each emulator converts these neutral records
into its own native objects and assigns its own CRM ids.
"""

from __future__ import annotations

from collections.abc import Iterator

from connector.domain.contact import Company, Owner
from connector.sandbox.seed.dataset import LEAKING_COLUMNS, DatasetProperty, DatasetSeed
from connector.sandbox.seed.spec import DEFAULT_NOW, SeedContact, SeedDataError, SeedSpec
from connector.sandbox.seed.synthetic import SyntheticSeed


class SeedData:
    """The seed for one spec. Iterating twice yields the same items again."""

    def __init__(self, spec: SeedSpec) -> None:
        self.spec = spec
        self._synthetic = SyntheticSeed(spec)
        self._dataset = DatasetSeed(spec, spec.dataset) if spec.dataset is not None else None
        self.owners: list[Owner] = list(self._synthetic.owners)

    @property
    def contact_count(self) -> int | None:
        """How many contacts `contacts()` yields; None in dataset mode with contacts=0 (all)."""
        return self.spec.contacts if self._dataset is None else (self.spec.contacts or None)

    def picklist_options(self) -> dict[DatasetProperty, tuple[str, ...]]:
        """Dataset mode: each picklist property's values in the file (for provisioning the
        CRM's picklists); empty in synthetic mode."""
        return self._dataset.picklist_options() if self._dataset is not None else {}

    def companies(self) -> Iterator[Company]:
        """Every company, competitors first. Dataset mode has none (the file holds none)."""
        return iter(()) if self._dataset is not None else self._synthetic.companies()

    def contacts(self, start: int = 0, stop: int | None = None) -> Iterator[SeedContact]:
        """Contacts `start`..`stop-1` (all by default), streamed in a stable order (synthetic
        mode: built without building the ones before `start`)."""
        return (self._dataset or self._synthetic).contacts(start, stop)


__all__ = [
    "DEFAULT_NOW",
    "LEAKING_COLUMNS",
    "SeedContact",
    "SeedData",
    "SeedDataError",
    "SeedSpec",
]
