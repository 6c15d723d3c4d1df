"""Translation between CRM records and domain values, driven by a mapping file.

Both adapters use this, so a HubSpot property and a Salesforce field that mean the same thing
become the same domain value, and one rules file decides the same way on both CRMs. Values that
cannot be understood raise `RecordDataError` naming the record and field, so the sync engine can
skip that record with its reason instead of writing nonsense back.
"""

import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from pydantic import ValidationError

from connector.domain.contact import Bant, Company, Contact, Deal
from connector.domain.outcomes import ContactUpdate, UpdatableField
from connector.domain.properties import PropertyType
from connector.domain.stages import LifecycleStage, SalesStatus
from connector.mapping.crm_schema import CompanyField, ContactField, PersonMapping

V = TypeVar("V", bound=str)
Parser = Callable[[Any], Any]
_BOOLS = {
    **dict.fromkeys(("true", "yes", "1", "y", "checked"), True),
    **dict.fromkeys(("false", "no", "0", "n", "unchecked"), False),
}
_SALESFORCE_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")  # 2026-01-01T00:00:00.000+0000


class RecordDataError(ValueError):
    """A value in a CRM record the rules cannot use; the record is skipped with this reason."""

    def __init__(self, record_id: str, field: str, crm_field: str, reason: str) -> None:
        self.record_id, self.field, self.crm_field = record_id, field, crm_field
        self.reason = reason
        super().__init__(f"record {record_id}: {field} ({crm_field}) {reason}")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


#: Dates outside these years are placeholders ("9999-12-31") or typos: a record holding one is
#: skipped with its reason (README: "impossible dates, absurd values") rather than decided on.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200
#: More employees than any organisation has (the largest employers have about two million) or
#: more revenue than any company earns (about a trillion a year at most, in any currency the
#: CRM reports): data entry errors the fit grade must not be built on.
MAX_EMPLOYEES = 10_000_000
MAX_ANNUAL_REVENUE = 1e13


def parse_datetime(value: Any) -> datetime:
    """ISO 8601 (with Z, +00:00 or Salesforce's +0000), a date, or epoch milliseconds (HubSpot)
    → an aware UTC datetime. Text is tried first: it is what both CRMs send for every record
    and engagement date, so it is the case to keep cheap."""
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            moment = datetime.fromtimestamp(int(text) / 1000, tz=UTC)
        else:
            try:
                # Python 3.11+ reads "Z", "+0000" and any fraction itself, at a twentieth of
                # the cost of the rewrite below.
                moment = datetime.fromisoformat(text)
            except ValueError:
                text = _SALESFORCE_OFFSET.sub(r"\1:\2", text.replace("Z", "+00:00"))
                moment = datetime.fromisoformat(text)
    elif isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    else:
        raise ValueError(f"not a date: {value!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ValueError(
            f"implausible date {moment.date().isoformat()} (expected years "
            f"{EARLIEST_YEAR}-{LATEST_YEAR}): a placeholder or typo, not a moment to decide on"
        )
    # already UTC (what fromisoformat makes of "Z" and "+0000"): converting would only copy it
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


def parse_number(value: Any) -> float:
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise ValueError("not a finite number")
    return number


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    found = _BOOLS.get(str(value).strip().casefold())
    if found is None:
        raise ValueError(f"not yes/no: {value!r}")
    return found


def reverse_map(mapping: Mapping[V, Iterable[str]]) -> dict[str, V]:
    """CRM value (case-folded) → domain value."""
    return {crm.casefold(): domain for domain, values in mapping.items() for crm in values}


class PersonTranslator:
    """Reads one person object's records into Contacts and turns updates into field values."""

    def __init__(self, mapping: PersonMapping, company_fields: Mapping[CompanyField, str]) -> None:
        self.mapping = mapping
        self.fields = mapping.fields
        self.company_fields = dict(company_fields)
        values = mapping.values
        self._stages = reverse_map(values.lifecycle_stage)
        self._industries = reverse_map(values.industry)
        self._properties = mapping.properties
        # What to_contact reads, looked up once here rather than per record: the mapped text
        # fields, the parsed ones in the order their errors are reported, the properties.
        mapped = self.fields
        self._texts = tuple(
            (n, mapped[f]) for n in _TEXT.split() if (f := ContactField(n)) in mapped
        )
        self._parsed = tuple(
            (name, f.value, mapped[f], parser) for name, f, parser in _PARSED_FIELDS if f in mapped
        )
        self._property_parsers = tuple(
            (name, f"properties.{name}", p.field, _PROPERTY_PARSERS[p.type])
            for name, p in self._properties.items()
        )
        # A vocabulary's value is its domain term; one the mapping does not list passes through
        # as the CRM holds it in an open vocabulary, and is None in a closed one.
        self._vocabularies = tuple(
            (f.value, mapped[f], reverse_map(getattr(values, f.value)), f in _OPEN)
            for f in _VOCABULARIES
            if f in mapped
        )
        self._marker_field = mapped.get(ContactField.CONNECTOR_STAGE)
        self._blank_values: dict[str, Any] = dict.fromkeys(
            (
                *_TEXT.split(),
                *(name for name, _, _ in _PARSED_FIELDS),
                *(f.value for f in _VOCABULARIES),
            )
        )

    # --- reading -------------------------------------------------------------------------------

    def read_fields(self) -> list[str]:
        """Exactly the CRM fields the mapping needs (its `fields` and `properties`), to request
        nothing more."""
        return sorted({*self.fields.values(), *(p.field for p in self._properties.values())})

    @staticmethod
    def _parse(
        record_id: str, get: Callable[[str], Any], fields: Iterable[tuple[str, str, str, Parser]]
    ) -> dict[str, Any]:
        """name → parsed value of the (name, label, CRM field, parser) `fields` the record
        holds; a value that does not parse is a RecordDataError naming the label (the domain
        field, or `properties.NAME`) and the CRM field."""
        found: dict[str, Any] = {}
        for name, label, crm_field, parser in fields:
            raw = get(crm_field)
            if raw is None or (isinstance(raw, str) and not raw.strip()):  # _blank, inlined
                continue
            try:
                found[name] = parser(raw)
            except (ValueError, TypeError, OverflowError) as exc:
                raise RecordDataError(record_id, label, crm_field, f"has {raw!r}: {exc}") from None
        return found

    def company_read_fields(self) -> list[str]:
        return sorted(set(self.company_fields.values()))

    def _stage(self, record_id: str, record: Mapping[str, Any]) -> LifecycleStage | None:
        crm_field = self.fields.get(ContactField.LIFECYCLE_STAGE)
        value = None if crm_field is None else record.get(crm_field)
        if _blank(value):
            return None
        stage = self._stages.get(str(value).strip().casefold())
        if stage is None:
            # Guessing would let the connector overwrite a stage it does not understand.
            raise RecordDataError(
                record_id,
                "lifecycle_stage",
                self.fields[ContactField.LIFECYCLE_STAGE],
                f"has {value!r}, which values.lifecycle_stage does not map: add it to the "
                "mapping file under the stage it means",
            )
        return stage

    def to_contact(
        self,
        record_id: str,
        record: Mapping[str, Any],
        company: Company | None = None,
        deals: Iterable[Deal] = (),
    ) -> Contact:
        """A Contact from a CRM record (field name → raw value) and its company and deals."""
        stage = self._stage(record_id, record)
        get = record.get
        values = dict(self._blank_values)
        for name, crm_field in self._texts:
            values[name] = _text(get(crm_field))
        for name, crm_field, lookup, is_open in self._vocabularies:
            text = _text(get(crm_field))
            if text is not None:
                values[name] = lookup.get(text.casefold(), text if is_open else None)
        values.update(self._parse(record_id, get, self._parsed))
        marker = None if self._marker_field is None else _text(get(self._marker_field))
        score = values.pop("score")
        bant = Bant(**{part: values.pop(part) for part in _BANT})
        try:
            return Contact(
                id=record_id,
                lifecycle_stage=stage,
                # The connector stamps the stage it wrote; a different stage now means a person
                # changed it. No stamp yet means the connector never claimed this contact.
                stage_set_manually=marker is not None
                and stage is not None
                and marker != stage.value,
                bant=bant,
                company=company,
                deals=tuple(deals),
                score=None if score is None else round(score),
                properties=self._parse(record_id, get, self._property_parsers),
                **values,
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise RecordDataError(record_id, where, where, first["msg"]) from None

    def to_company(self, company_id: str, record: Mapping[str, Any]) -> Company:
        """A Company from a CRM company/account record; absurd numbers are a RecordDataError."""

        def get(field: CompanyField) -> Any:
            crm_field = self.company_fields.get(field)
            value = record.get(crm_field) if crm_field else None
            return None if _blank(value) else value

        def number(field: CompanyField) -> float | None:
            """The employees or the annual revenue, if believable."""
            value = get(field)
            if value is None:
                return None
            ceiling = MAX_EMPLOYEES if field == CompanyField.EMPLOYEES else MAX_ANNUAL_REVENUE
            try:
                parsed = parse_number(value)
            except (ValueError, TypeError) as exc:
                reason = f"has {value!r}: {exc}"
            else:
                if 0 <= parsed <= ceiling:
                    return parsed
                reason = (
                    f"is negative ({value})"
                    if parsed < 0
                    else f"is implausibly large ({value}; at most {ceiling:,.0f} is believable)"
                )
            raise RecordDataError(company_id, field.value, self.company_fields[field], reason)

        employees = number(CompanyField.EMPLOYEES)
        industry = _text(get(CompanyField.INDUSTRY))
        return Company(
            id=company_id,
            name=_text(get(CompanyField.NAME)),
            domain=_text(get(CompanyField.DOMAIN)),
            # The person's industry map, since a company's industry and a person's share one
            # vocabulary in the rules (and in Salesforce, one picklist on Lead and Account).
            industry=industry and self._industries.get(industry.casefold(), industry),
            employees=None if employees is None else round(employees),
            annual_revenue=number(CompanyField.ANNUAL_REVENUE),
            country=_text(get(CompanyField.COUNTRY)),
            region=_text(get(CompanyField.REGION)),
            owner_id=_text(get(CompanyField.OWNER_ID)),
        )

    # --- writing -------------------------------------------------------------------------------

    def to_crm(self, update: ContactUpdate) -> dict[str, Any]:
        """CRM field → value for an update. Datetimes stay datetimes: each adapter formats them
        as its API expects. A stage change also stamps the connector's stage marker."""
        out: dict[str, Any] = {}
        for field, value in update.changes.items():
            match field:
                case UpdatableField.LIFECYCLE_STAGE:
                    stage = LifecycleStage(str(value)) if value is not None else None
                    out[self.fields[ContactField.LIFECYCLE_STAGE]] = (
                        self.mapping.values.lifecycle_stage[stage][0] if stage else None
                    )
                    out[self.fields[ContactField.CONNECTOR_STAGE]] = stage.value if stage else None
                case UpdatableField.SALES_STATUS:
                    status = SalesStatus(str(value)) if value is not None else None
                    crm_field = self.fields.get(ContactField.SALES_STATUS)
                    if crm_field is not None:
                        out[crm_field] = (
                            self.mapping.values.sales_status[status][0] if status else None
                        )
                case _:
                    out[self.fields[ContactField(field.value)]] = value
        return out


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    return str(value).strip()


_BANT = ("budget", "authority", "need", "timeline")
#: Fields of a vocabulary (`values:` in the mapping), each the Contact attribute of its name;
#: the open ones pass values they do not list through (see `ValueMaps`).
_VOCABULARIES = tuple(
    map(ContactField, ("industry", "decision_role", "source", "intent", "sales_status"))
)
_OPEN = frozenset({ContactField.INDUSTRY, ContactField.DECISION_ROLE})
#: Contact attributes read as plain text from the mapped field of the same name.
_TEXT = "email first_name last_name job_title seniority country region owner_id grade score_reasons"
#: Contact attribute (or BANT part) ← mapped field and its parser; a value that does not parse
#: skips the record, so the order is the order the errors are found in.
_PARSED_FIELDS = (
    ("score", ContactField.SCORE, parse_number),
    *((part, ContactField(f"bant_{part}"), parse_bool) for part in _BANT),
    *(
        (name, ContactField(name), parse_datetime)
        for name in ("recycled_at", "created_at", "updated_at")
    ),
)


def _property_text(value: Any) -> str:
    return str(value).strip()


_PROPERTY_PARSERS: dict[PropertyType, Parser] = {
    PropertyType.NUMBER: parse_number,
    PropertyType.TEXT: _property_text,
    PropertyType.PICKLIST: _property_text,
    PropertyType.DATE: parse_datetime,
    PropertyType.BOOL: parse_bool,
}
