"""Property definitions, property groups and the validation of written values.

Shapes follow the SDK's `hubspot.crm.properties.models` (`ModelProperty`, `Option`,
`PropertyGroup`): `description`, `options`, `groupName`, `fieldType` are always present because the
SDK refuses a property without them. Validation errors copy HubSpot's own codes and messages as
seen in its responses: `PROPERTY_DOESNT_EXIST` ('Property "x" does not exist', the example in
"Using Object APIs" / error handling), `INVALID_OPTION` ("v was not one of the allowed options:
[...]") and `INVALID_LONG` ("v was not a valid long.", what HubSpot answers for a bad datetime).

Values are stored compactly: datetimes as epoch milliseconds (int), everything else as the string
HubSpot would return; "" or null clears a property (HubSpot's documented way to clear a value).
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from pydantic import BaseModel, ConfigDict, Field

from connector.sandbox.hubspot.objects import (
    CALLS,
    COMPANIES,
    CONTACTS,
    DEALS,
    EMAILS,
    MEETINGS,
    NOTES,
    OBJECT_TYPES,
    TASKS,
    ObjectType,
)
from connector.sandbox.seed.dataset_properties import DATASET_PROPERTIES, HUBSPOT_GROUP

#: When the standard catalog "was created"; HubSpot-defined properties predate every portal.
CATALOG_EPOCH = "2019-08-06T02:43:14.491Z"

# --- the value vocabularies the connector's mapping relies on --------------------------------

LIFECYCLE_STAGES: tuple[tuple[str, str], ...] = (
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
)
#: HubSpot's default lifecycle order; `other` is last, so moving away from it is "backward".
LIFECYCLE_ORDER: dict[str, int] = {value: rank for rank, (value, _) in enumerate(LIFECYCLE_STAGES)}

LEAD_STATUSES: tuple[tuple[str, str], ...] = (
    ("NEW", "New"),
    ("OPEN", "Open"),
    ("IN_PROGRESS", "In Progress"),
    ("OPEN_DEAL", "Open Deal"),
    ("UNQUALIFIED", "Unqualified"),
    ("ATTEMPTED_TO_CONTACT", "Attempted to Contact"),
    ("CONNECTED", "Connected"),
    ("BAD_TIMING", "Bad Timing"),
)
ANALYTICS_SOURCES: tuple[tuple[str, str], ...] = (
    ("ORGANIC_SEARCH", "Organic Search"),
    ("PAID_SEARCH", "Paid Search"),
    ("EMAIL_MARKETING", "Email Marketing"),
    ("SOCIAL_MEDIA", "Organic Social"),
    ("REFERRALS", "Referrals"),
    ("OTHER_CAMPAIGNS", "Other Campaigns"),
    ("DIRECT_TRAFFIC", "Direct Traffic"),
    ("OFFLINE", "Offline Sources"),
    ("PAID_SOCIAL", "Paid Social"),
)
BUYING_ROLES: tuple[tuple[str, str], ...] = (
    ("BLOCKER", "Blocker"),
    ("BUDGET_HOLDER", "Budget Holder"),
    ("CHAMPION", "Champion"),
    ("DECISION_MAKER", "Decision Maker"),
    ("END_USER", "End User"),
    ("EXECUTIVE_SPONSOR", "Executive Sponsor"),
    ("INFLUENCER", "Influencer"),
    ("LEGAL_AND_COMPLIANCE", "Legal & Compliance"),
    ("OTHER", "Other"),
)
DEAL_STAGES: tuple[tuple[str, str], ...] = (
    ("appointmentscheduled", "Appointment Scheduled"),
    ("qualifiedtobuy", "Qualified To Buy"),
    ("presentationscheduled", "Presentation Scheduled"),
    ("decisionmakerboughtin", "Decision Maker Bought-In"),
    ("contractsent", "Contract Sent"),
    ("closedwon", "Closed Won"),
    ("closedlost", "Closed Lost"),
)
TASK_STATUSES = ("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED")
TASK_PRIORITIES = ("NONE", "LOW", "MEDIUM", "HIGH")
TASK_TYPES = ("TODO", "CALL", "EMAIL", "LINKED_IN", "MEETING")
MEETING_OUTCOMES = ("SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED")
#: HubSpot's default call outcomes are GUIDs (engagements "get call dispositions").
CALL_DISPOSITIONS: dict[str, str] = {
    "Busy": "9d9162e7-6cf3-4944-bf63-4dff82258764",
    "Connected": "f240bbac-87c9-4f6e-bf70-924b57d47db7",
    "Left live message": "a4c4c377-d246-4b32-a13b-75a56a4cd0ff",
    "Left voicemail": "b2cf5968-551e-4856-9783-52b3da59a7d0",
    "No answer": "73a0d17f-1163-4015-bdd5-ec830791da20",
    "Wrong number": "17b47fee-58de-441e-a44c-c6300d46f273",
}
EMAIL_DIRECTIONS = ("EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL")
#: HubSpot's company `industry` enumeration (internal values).
INDUSTRIES: tuple[str, ...] = (
    "ACCOUNTING", "AIRLINES_AVIATION", "ALTERNATIVE_DISPUTE_RESOLUTION", "ALTERNATIVE_MEDICINE",
    "ANIMATION", "APPAREL_FASHION", "ARCHITECTURE_PLANNING", "ARTS_AND_CRAFTS", "AUTOMOTIVE",
    "AVIATION_AEROSPACE", "BANKING", "BIOTECHNOLOGY", "BROADCAST_MEDIA", "BUILDING_MATERIALS",
    "BUSINESS_SUPPLIES_AND_EQUIPMENT", "CAPITAL_MARKETS", "CHEMICALS",
    "CIVIC_SOCIAL_ORGANIZATION", "CIVIL_ENGINEERING", "COMMERCIAL_REAL_ESTATE",
    "COMPUTER_NETWORK_SECURITY", "COMPUTER_GAMES", "COMPUTER_HARDWARE", "COMPUTER_NETWORKING",
    "COMPUTER_SOFTWARE", "INTERNET", "CONSTRUCTION", "CONSUMER_ELECTRONICS", "CONSUMER_GOODS",
    "CONSUMER_SERVICES", "COSMETICS", "DAIRY", "DEFENSE_SPACE", "DESIGN", "EDUCATION_MANAGEMENT",
    "E_LEARNING", "ELECTRICAL_ELECTRONIC_MANUFACTURING", "ENTERTAINMENT",
    "ENVIRONMENTAL_SERVICES", "EVENTS_SERVICES", "EXECUTIVE_OFFICE", "FACILITIES_SERVICES",
    "FARMING", "FINANCIAL_SERVICES", "FINE_ART", "FISHERY", "FOOD_BEVERAGES", "FOOD_PRODUCTION",
    "FUND_RAISING", "FURNITURE", "GAMBLING_CASINOS", "GLASS_CERAMICS_CONCRETE",
    "GOVERNMENT_ADMINISTRATION", "GOVERNMENT_RELATIONS", "GRAPHIC_DESIGN",
    "HEALTH_WELLNESS_AND_FITNESS", "HIGHER_EDUCATION", "HOSPITAL_HEALTH_CARE", "HOSPITALITY",
    "HUMAN_RESOURCES", "IMPORT_AND_EXPORT", "INDIVIDUAL_FAMILY_SERVICES",
    "INDUSTRIAL_AUTOMATION", "INFORMATION_SERVICES", "INFORMATION_TECHNOLOGY_AND_SERVICES",
    "INSURANCE", "INTERNATIONAL_AFFAIRS", "INTERNATIONAL_TRADE_AND_DEVELOPMENT",
    "INVESTMENT_BANKING", "INVESTMENT_MANAGEMENT", "JUDICIARY", "LAW_ENFORCEMENT",
    "LAW_PRACTICE", "LEGAL_SERVICES", "LEGISLATIVE_OFFICE", "LEISURE_TRAVEL_TOURISM",
    "LIBRARIES", "LOGISTICS_AND_SUPPLY_CHAIN", "LUXURY_GOODS_JEWELRY", "MACHINERY",
    "MANAGEMENT_CONSULTING", "MARITIME", "MARKET_RESEARCH", "MARKETING_AND_ADVERTISING",
    "MECHANICAL_OR_INDUSTRIAL_ENGINEERING", "MEDIA_PRODUCTION", "MEDICAL_DEVICES",
    "MEDICAL_PRACTICE", "MENTAL_HEALTH_CARE", "MILITARY", "MINING_METALS",
    "MOTION_PICTURES_AND_FILM", "MUSEUMS_AND_INSTITUTIONS", "MUSIC", "NANOTECHNOLOGY",
    "NEWSPAPERS", "NON_PROFIT_ORGANIZATION_MANAGEMENT", "OIL_ENERGY", "ONLINE_MEDIA",
    "OUTSOURCING_OFFSHORING", "PACKAGE_FREIGHT_DELIVERY", "PACKAGING_AND_CONTAINERS",
    "PAPER_FOREST_PRODUCTS", "PERFORMING_ARTS", "PHARMACEUTICALS", "PHILANTHROPY",
    "PHOTOGRAPHY", "PLASTICS", "POLITICAL_ORGANIZATION", "PRIMARY_SECONDARY_EDUCATION",
    "PRINTING", "PROFESSIONAL_TRAINING_COACHING", "PROGRAM_DEVELOPMENT", "PUBLIC_POLICY",
    "PUBLIC_RELATIONS_AND_COMMUNICATIONS", "PUBLIC_SAFETY", "PUBLISHING",
    "RAILROAD_MANUFACTURE", "RANCHING", "REAL_ESTATE", "RECREATIONAL_FACILITIES_AND_SERVICES",
    "RELIGIOUS_INSTITUTIONS", "RENEWABLES_ENVIRONMENT", "RESEARCH", "RESTAURANTS", "RETAIL",
    "SECURITY_AND_INVESTIGATIONS", "SEMICONDUCTORS", "SHIPBUILDING", "SPORTING_GOODS", "SPORTS",
    "STAFFING_AND_RECRUITING", "SUPERMARKETS", "TELECOMMUNICATIONS", "TEXTILES", "THINK_TANKS",
    "TOBACCO", "TRANSLATION_AND_LOCALIZATION", "TRANSPORTATION_TRUCKING_RAILROAD", "UTILITIES",
    "VENTURE_CAPITAL_PRIVATE_EQUITY", "VETERINARY", "WAREHOUSING", "WHOLESALE",
    "WINE_AND_SPIRITS", "WIRELESS", "WRITING_AND_EDITING", "MOBILE_GAMES",
)  # fmt: skip

CONNECTOR_GROUP = "connector"
DATASET_GROUP = HUBSPOT_GROUP

# --- definitions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    display_order: int = 0
    hidden: bool = False
    description: str = ""

    def to_api(self) -> dict[str, object]:
        return {
            "label": self.label,
            "value": self.value,
            "description": self.description,
            "displayOrder": self.display_order,
            "hidden": self.hidden,
        }


@dataclass
class PropertyDef:
    """One property of one object type, as `GET /crm/v3/properties/{objectType}` lists it."""

    name: str
    label: str
    type: str  # string | number | date | datetime | enumeration | bool
    field_type: (
        str  # text | textarea | number | date | select | radio | checkbox | booleancheckbox ...
    )
    group_name: str
    description: str = ""
    options: tuple[Option, ...] = ()
    hubspot_defined: bool = True
    read_only_value: bool = False
    has_unique_value: bool = False
    referenced_object_type: str | None = None
    external_options: bool = False
    display_order: int = -1
    form_field: bool = False
    hidden: bool = False
    created_at: str = CATALOG_EPOCH
    updated_at: str = CATALOG_EPOCH
    _option_index: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._option_index = {option.value.lower(): option.value for option in self.options}

    @property
    def is_datetime(self) -> bool:
        return self.type == "datetime"

    @property
    def is_numeric(self) -> bool:
        return self.type in ("number", "datetime")

    @property
    def multi_valued(self) -> bool:
        return self.type == "enumeration" and self.field_type == "checkbox"

    def canonical_option(self, raw: str) -> str | None:
        return self._option_index.get(raw.lower())

    def to_api(self) -> dict[str, object]:
        body: dict[str, object] = {
            "updatedAt": self.updated_at,
            "createdAt": self.created_at,
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group_name,
            "options": [option.to_api() for option in self.options],
            "displayOrder": self.display_order,
            "calculated": False,
            "externalOptions": self.external_options,
            "hasUniqueValue": self.has_unique_value,
            "hidden": self.hidden,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only_value,
            },
            "formField": self.form_field,
            "archived": False,
        }
        if self.hubspot_defined:
            body["hubspotDefined"] = True
        if self.referenced_object_type:
            body["referencedObjectType"] = self.referenced_object_type
        return body


@dataclass
class PropertyGroup:
    name: str
    label: str
    display_order: int = -1
    archived: bool = False

    def to_api(self) -> dict[str, object]:
        return {
            "name": self.name,
            "label": self.label,
            "displayOrder": self.display_order,
            "archived": self.archived,
        }


class PropertyRegistry:
    """The properties and groups of one object type. Mutable: custom properties can be created."""

    def __init__(self, object_type: ObjectType) -> None:
        self.object_type = object_type
        self._properties: dict[str, PropertyDef] = {}
        self._groups: dict[str, PropertyGroup] = {}

    def add(self, definition: PropertyDef) -> PropertyDef:
        self._properties[definition.name] = definition
        return definition

    def add_group(self, group: PropertyGroup) -> PropertyGroup:
        self._groups[group.name] = group
        return group

    def get(self, name: str) -> PropertyDef | None:
        return self._properties.get(name)

    def group(self, name: str) -> PropertyGroup | None:
        return self._groups.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._properties

    def all(self) -> list[PropertyDef]:
        return list(self._properties.values())

    def groups(self) -> list[PropertyGroup]:
        return list(self._groups.values())


# --- value normalisation -----------------------------------------------------------------------


class InvalidValue(Exception):
    """A value a property refuses; carries HubSpot's validation code and message."""

    def __init__(self, name: str, code: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.code = code
        self.message = message


_INTERNABLE_MAX = 48
_DIGITS = re.compile(r"^-?\d+$")


def format_datetime(ms: int) -> str:
    """Epoch milliseconds as HubSpot writes datetimes: `2019-10-30T03:30:17.883Z`."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"


def datetime_to_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return math.floor(moment.timestamp() * 1000 + 0.5)


def parse_datetime_ms(raw: str) -> int | None:
    """Epoch milliseconds or ISO 8601 (date, or date-time with an offset) to epoch ms."""
    text = raw.strip()
    if _DIGITS.match(text):
        return int(text)
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime_to_ms(datetime(day.year, day.month, day.day, tzinfo=UTC))
        return datetime_to_ms(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


def _as_text(raw: object) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def normalize_value(definition: PropertyDef, raw: object) -> str | int | None:
    """The stored form of `raw` for `definition`; None clears. Raises InvalidValue."""
    if raw is None:
        return None
    text = _as_text(raw)
    if text == "":
        return None
    kind = definition.type
    if kind == "datetime":
        ms = parse_datetime_ms(text)
        if ms is None:
            raise InvalidValue(definition.name, "INVALID_LONG", f"{text} was not a valid long.")
        return ms
    if kind == "date":
        ms = parse_datetime_ms(text)
        if ms is None:
            raise InvalidValue(definition.name, "INVALID_LONG", f"{text} was not a valid long.")
        return format_datetime(ms)[:10]
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            # The code HubSpot uses for a non-numeric number is not documented; this one is ours.
            raise InvalidValue(
                definition.name, "INVALID_FLOAT", f"{text} was not a valid number."
            ) from None
        if not math.isfinite(number):
            raise InvalidValue(definition.name, "INVALID_FLOAT", f"{text} was not a valid number.")
        return sys.intern(_as_text(number) if not isinstance(raw, str) else text.strip())
    if kind == "bool":
        lowered = text.lower()
        if lowered not in ("true", "false"):
            raise _invalid_option(definition, text)
        return "true" if lowered == "true" else "false"
    if kind == "enumeration":
        if definition.external_options:  # e.g. hubspot_owner_id: owners, checked by the caller
            return sys.intern(text)
        parts = text.split(";") if definition.multi_valued else [text]
        canonical: list[str] = []
        for part in parts:
            value = definition.canonical_option(part.strip())
            if value is None:
                raise _invalid_option(definition, part)
            canonical.append(value)
        return sys.intern(";".join(canonical))
    return sys.intern(text) if len(text) <= _INTERNABLE_MAX else text


def _invalid_option(definition: PropertyDef, text: str) -> InvalidValue:
    labels = ", ".join(option.label for option in definition.options)
    return InvalidValue(
        definition.name, "INVALID_OPTION", f"{text} was not one of the allowed options: [{labels}]"
    )


def render_value(definition: PropertyDef | None, stored: object) -> str | None:
    """The API form of a stored value (datetimes back to ISO strings)."""
    if stored is None:
        return None
    if isinstance(stored, int):
        return format_datetime(stored)
    return stored  # type: ignore[return-value]


# --- request bodies (pydantic at the boundary) ---------------------------------------------------


class OptionInput(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    label: str
    value: str
    hidden: bool = False
    display_order: int = Field(default=0, alias="displayOrder")
    description: str = ""


class PropertyCreateBody(BaseModel):
    """`PropertyCreate` in the SDK: label, type, groupName, name and fieldType are required."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    name: str = Field(min_length=1)
    label: str = Field(min_length=1)
    type: str
    field_type: str = Field(alias="fieldType")
    group_name: str = Field(alias="groupName")
    description: str = ""
    options: list[OptionInput] = []
    display_order: int = Field(default=-1, alias="displayOrder")
    has_unique_value: bool = Field(default=False, alias="hasUniqueValue")
    hidden: bool = False
    form_field: bool = Field(default=False, alias="formField")
    external_options: bool = Field(default=False, alias="externalOptions")
    referenced_object_type: str | None = Field(default=None, alias="referencedObjectType")


class PropertyGroupCreateBody(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    name: str = Field(min_length=1)
    label: str = Field(min_length=1)
    display_order: int = Field(default=-1, alias="displayOrder")


#: PropertyCreate's allowed values in the SDK's generated model.
PROPERTY_TYPES = frozenset({"string", "number", "date", "datetime", "enumeration", "bool"})
FIELD_TYPES = frozenset(
    {
        "textarea",
        "text",
        "date",
        "file",
        "number",
        "select",
        "radio",
        "checkbox",
        "booleancheckbox",
        "calculation_equation",
    }
)
PROPERTY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


# --- the standard catalog ------------------------------------------------------------------------


def _options(pairs: Iterable[tuple[str, str]]) -> tuple[Option, ...]:
    return tuple(
        Option(value=value, label=label, display_order=index)
        for index, (value, label) in enumerate(pairs)
    )


def _values(values: Iterable[str]) -> tuple[Option, ...]:
    return _options((value, value.replace("_", " ").title()) for value in values)


_YES_NO = (Option("true", "Yes", 0), Option("false", "No", 1))


def _text(
    name: str, label: str, group: str, field_type: str = "text", **extra: object
) -> PropertyDef:
    return PropertyDef(name, label, "string", field_type, group, **extra)  # type: ignore[arg-type]


def _number(name: str, label: str, group: str, **extra: object) -> PropertyDef:
    return PropertyDef(name, label, "number", "number", group, **extra)  # type: ignore[arg-type]


def _datetime(name: str, label: str, group: str, **extra: object) -> PropertyDef:
    return PropertyDef(name, label, "datetime", "date", group, **extra)  # type: ignore[arg-type]


def _enum(
    name: str, label: str, group: str, options: tuple[Option, ...], field_type: str = "select"
) -> PropertyDef:
    return PropertyDef(name, label, "enumeration", field_type, group, options=options)


def _owner(group: str) -> PropertyDef:
    return PropertyDef(
        "hubspot_owner_id",
        "Owner",
        "enumeration",
        "select",
        group,
        referenced_object_type="OWNER",
        external_options=True,
    )


def dataset_property(
    name: str, label: str, kind: str, group: str, options: Iterable[str] = ()
) -> PropertyDef:
    """A custom contact property as an admin creates it for an imported column: `kind` is the
    seed's property type (number, text, picklist, bool), turned into HubSpot's type/fieldType
    pair (number/number, string/text, enumeration/select, bool/booleancheckbox)."""
    if kind == "number":
        return _number(name, label, group, hubspot_defined=False, form_field=True)
    if kind == "picklist":
        return PropertyDef(
            name, label, "enumeration", "select", group, options=_options((v, v) for v in options),
            hubspot_defined=False, form_field=True,
        )  # fmt: skip
    if kind == "bool":
        return PropertyDef(
            name, label, "bool", "booleancheckbox", group, options=_YES_NO,
            hubspot_defined=False, form_field=True,
        )  # fmt: skip
    return _text(name, label, group, hubspot_defined=False, form_field=True)


def _system(object_type: ObjectType, group: str) -> list[PropertyDef]:
    """Record id, create and modified dates: present on every object, partly read-only."""
    return [
        _number("hs_object_id", "Record ID", group, read_only_value=True),
        _datetime(object_type.created_property, "Create Date", group),
        _datetime(object_type.modified_property, "Last Modified Date", group, read_only_value=True),
    ]


def _contact_properties(provision_connector_fields: bool) -> list[PropertyDef]:
    info, sales, analytics, email, conversion = (
        "contactinformation",
        "sales_properties",
        "analyticsinformation",
        "emailinformation",
        "conversioninformation",
    )
    props = [
        *_system(CONTACTS, info),
        _text("email", "Email", info, has_unique_value=False),
        _text("firstname", "First Name", info),
        _text("lastname", "Last Name", info),
        _text("jobtitle", "Job Title", info),
        _enum("hs_buying_role", "Buying Role", info, _options(BUYING_ROLES), "checkbox"),
        _text("country", "Country/Region", info),
        _text("state", "State/Region", info),
        _text("city", "City", info),
        _text("phone", "Phone Number", info, field_type="phonenumber"),
        _text("company", "Company Name", info),
        _text("industry", "Industry", info),
        _enum("lifecyclestage", "Lifecycle Stage", info, _options(LIFECYCLE_STAGES), "radio"),
        _enum("hs_lead_status", "Lead Status", sales, _options(LEAD_STATUSES), "radio"),
        _owner(sales),
        _enum(
            "hs_analytics_source", "Original Traffic Source", analytics, _options(ANALYTICS_SOURCES)
        ),
        _number("hs_analytics_num_page_views", "Number of Pageviews", analytics),
        _number("hs_analytics_num_visits", "Number of Sessions", analytics),
        _datetime("hs_analytics_last_visit_timestamp", "Time of Last Session", analytics),
        _number("hs_analytics_average_page_views", "Average Pageviews", analytics),
        _text("hs_analytics_source_data_1", "Original Traffic Source Drill-Down 1", analytics),
        _number("hs_email_open", "Marketing emails opened", email),
        _datetime("hs_email_last_open_date", "Last marketing email open date", email),
        _number("hs_email_click", "Marketing emails clicked", email),
        _datetime("hs_email_last_click_date", "Last marketing email click date", email),
        _number("hs_email_bounce", "Marketing emails bounced", email),
        _datetime("hs_email_last_send_date", "Last marketing email send date", email),
        PropertyDef(
            "hs_email_optout",
            "Unsubscribed from all email",
            "enumeration",
            "booleancheckbox",
            email,
            options=_YES_NO,
        ),
        _number("num_conversion_events", "Number of Form Submissions", conversion),
        _datetime("recent_conversion_date", "Recent Conversion Date", conversion),
        _text("recent_conversion_event_name", "Recent Conversion", conversion),
        _text("first_conversion_event_name", "First Conversion", conversion),
        _datetime("first_conversion_date", "First Conversion Date", conversion),
    ]
    # Customer-made custom properties: always present in the emulated portal.
    for part in ("budget", "authority", "need", "timeline"):
        props.append(
            PropertyDef(
                f"bant_{part}",
                f"BANT: {part.title()}",
                "bool",
                "booleancheckbox",
                info,
                options=_YES_NO,
                hubspot_defined=False,
                form_field=True,
            )
        )
    # The X Education columns' custom properties (seed/dataset_properties.py): the emulated
    # portal is one that imported that file, so they exist (empty) in every mode, the way BANT
    # does; dataset seeding fills the picklists' options from the file.
    props.extend(
        dataset_property(prop.hubspot, prop.label, prop.type.value, DATASET_GROUP)
        for prop in DATASET_PROPERTIES
        if not prop.hubspot_standard
    )
    if provision_connector_fields:
        props.extend(_connector_contact_properties())
    return props


def _connector_contact_properties() -> list[PropertyDef]:
    group = CONNECTOR_GROUP
    return [
        _number("connector_score", "Connector score", group, hubspot_defined=False),
        _text("connector_grade", "Connector fit grade", group, hubspot_defined=False),
        _text(
            "connector_score_reasons",
            "Connector score reasons",
            group,
            field_type="textarea",
            hubspot_defined=False,
        ),
        _text("connector_stage", "Connector stage", group, hubspot_defined=False),
        _datetime("connector_recycled_at", "Connector recycled at", group, hubspot_defined=False),
    ]


def _company_properties() -> list[PropertyDef]:
    info = "companyinformation"
    return [
        *_system(COMPANIES, info),
        _text("name", "Company name", info),
        _text("domain", "Company Domain Name", info),
        _enum("industry", "Industry", info, _values(INDUSTRIES)),
        _number("numberofemployees", "Number of Employees", info),
        _number("annualrevenue", "Annual Revenue", info),
        _text("country", "Country/Region", info),
        _text("state", "State/Region", info),
        _text("city", "City", info),
        _owner(info),
    ]


def _deal_properties() -> list[PropertyDef]:
    info = "dealinformation"
    return [
        *_system(DEALS, info),
        _text("dealname", "Deal Name", info),
        _number("amount", "Amount", info),
        _enum("dealstage", "Deal Stage", info, _options(DEAL_STAGES), "radio"),
        _enum("pipeline", "Pipeline", info, (Option("default", "Sales Pipeline"),)),
        _datetime("closedate", "Close Date", info),
        _owner(info),
    ]


def _activity_common(object_type: ObjectType, group: str) -> list[PropertyDef]:
    return [
        *_system(object_type, group),
        _datetime("hs_timestamp", "Activity date", group),
        _owner(group),
    ]


def _task_properties(provision_connector_fields: bool) -> list[PropertyDef]:
    group = "task"
    props = [
        *_activity_common(TASKS, group),
        _text("hs_task_subject", "Task Title", group),
        _text("hs_task_body", "Notes", group, field_type="textarea"),
        _enum("hs_task_status", "Task Status", group, _values(TASK_STATUSES)),
        _enum("hs_task_priority", "Priority", group, _values(TASK_PRIORITIES)),
        _enum("hs_task_type", "Task Type", group, _values(TASK_TYPES)),
    ]
    if provision_connector_fields:
        props.append(
            _text(
                "connector_task_key", "Connector task key", CONNECTOR_GROUP, hubspot_defined=False
            )
        )
    return props


def _meeting_properties() -> list[PropertyDef]:
    group = "meeting"
    return [
        *_activity_common(MEETINGS, group),
        _text("hs_meeting_title", "Meeting name", group),
        _text("hs_meeting_body", "Meeting description", group, field_type="textarea"),
        _datetime("hs_meeting_start_time", "Start Time", group),
        _datetime("hs_meeting_end_time", "End Time", group),
        _enum("hs_meeting_outcome", "Meeting outcome", group, _values(MEETING_OUTCOMES)),
    ]


def _call_properties() -> list[PropertyDef]:
    group = "call"
    return [
        *_activity_common(CALLS, group),
        _text("hs_call_title", "Call Title", group),
        _text("hs_call_body", "Call notes", group, field_type="textarea"),
        # A GUID (see CALL_DISPOSITIONS); HubSpot types it as a free string.
        _text("hs_call_disposition", "Call outcome", group),
        _enum("hs_call_direction", "Call direction", group, _values(("INBOUND", "OUTBOUND"))),
        _number("hs_call_duration", "Call duration", group),
        _text("hs_call_status", "Call status", group),
    ]


def _email_properties() -> list[PropertyDef]:
    group = "email"
    return [
        *_activity_common(EMAILS, group),
        _text("hs_email_subject", "Email subject", group),
        _text("hs_email_text", "Email body", group, field_type="textarea"),
        _enum("hs_email_direction", "Email direction", group, _values(EMAIL_DIRECTIONS)),
        _text("hs_email_status", "Email send status", group),
    ]


def _note_properties() -> list[PropertyDef]:
    group = "note"
    return [
        *_activity_common(NOTES, group),
        _text("hs_note_body", "Note body", group, field_type="textarea"),
    ]


_GROUP_LABELS: dict[str, str] = {
    "contactinformation": "Contact information",
    "sales_properties": "Sales properties",
    "analyticsinformation": "Web analytics history",
    "emailinformation": "Email information",
    "conversioninformation": "Conversion information",
    "companyinformation": "Company information",
    "dealinformation": "Deal information",
    "task": "Task information",
    "meeting": "Meeting information",
    "call": "Call information",
    "email": "Email information",
    "note": "Note information",
    CONNECTOR_GROUP: "Connector",
    DATASET_GROUP: "Dataset",
}


def standard_catalog(provision_connector_fields: bool) -> dict[str, PropertyRegistry]:
    """A fresh, mutable catalog of every object type's properties and groups, keyed by name."""
    builders = {
        CONTACTS.name: lambda: _contact_properties(provision_connector_fields),
        COMPANIES.name: _company_properties,
        DEALS.name: _deal_properties,
        TASKS.name: lambda: _task_properties(provision_connector_fields),
        MEETINGS.name: _meeting_properties,
        CALLS.name: _call_properties,
        EMAILS.name: _email_properties,
        NOTES.name: _note_properties,
    }
    catalog: dict[str, PropertyRegistry] = {}
    for object_type in OBJECT_TYPES:
        registry = PropertyRegistry(object_type)
        for order, definition in enumerate(builders[object_type.name]()):
            definition.display_order = order
            registry.add(definition)
            if registry.group(definition.group_name) is None:
                registry.add_group(
                    PropertyGroup(
                        definition.group_name,
                        _GROUP_LABELS[definition.group_name],
                        len(registry.groups()),
                    )
                )
        catalog[object_type.name] = registry
    return catalog
