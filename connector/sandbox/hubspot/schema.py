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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from connector.sandbox.hubspot.catalogue import ObjectType

#: When the standard catalog "was created"; HubSpot-defined properties predate every portal.
CATALOG_EPOCH = "2019-08-06T02:43:14.491Z"

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
