"""The emulated org's metadata: objects and their fields, as describe reports them. One
definition drives describe, SOQL binding (does the field exist, can it be filtered or sorted,
which literal does it take), write validation and the store's column kinds, which is what makes
the emulator answer consistently. Types use describe's `type` vocabulary; the store's kind and
`soapType` follow from it (catalogue.yaml `field_types`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from connector.sandbox.common.data import package_yaml


class FieldType(StrEnum):
    ID = "id"
    STRING = "string"
    TEXTAREA = "textarea"
    PICKLIST = "picklist"
    COMBOBOX = "combobox"
    BOOLEAN = "boolean"
    INT = "int"
    DOUBLE = "double"
    CURRENCY = "currency"
    PERCENT = "percent"
    DATE = "date"
    DATETIME = "datetime"
    EMAIL = "email"
    PHONE = "phone"
    URL = "url"
    REFERENCE = "reference"


class Kind(StrEnum):
    """How a value is stored and compared (several describe types share one kind)."""

    TEXT = "text"
    BOOL = "bool"
    INT = "int"
    FLOAT = "float"
    DATE = "date"
    DATETIME = "datetime"


_DATA = package_yaml("connector.sandbox.salesforce", "catalogue.yaml")
_TYPES = _DATA["field_types"]
#: kind -> (its name in a JSON_PARSER_ERROR, its name in a SOQL filter-criterion error)
KIND_NAMES = {Kind(kind): (json, soql) for kind, (json, soql) in _DATA["kinds"].items()}
_KIND = {FieldType(name): Kind(kind) for name, (kind, _) in _TYPES.items()}
_SOAP_TYPE = {FieldType(name): soap for name, (_, soap) in _TYPES.items()}


@dataclass(frozen=True)
class PicklistValue:
    value: str
    default: bool = False
    active: bool = True


#: A derived value: computed from the record being read (`get(field_name)`), never stored.
Formula = Callable[[Callable[[str], Any]], Any]


@dataclass(frozen=True)
class FieldDef:
    name: str
    label: str
    type: FieldType
    length: int = 0
    precision: int = 0
    scale: int = 0
    digits: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    defaulted_on_create: bool = False
    custom: bool = False
    external_id: bool = False
    unique: bool = False
    case_sensitive: bool = False
    id_lookup: bool = False
    name_field: bool = False
    filterable: bool = True
    sortable: bool = True
    groupable: bool = True
    picklist: tuple[PicklistValue, ...] = ()
    restricted_picklist: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    default_value: Any = None
    extra_type_info: str | None = None
    formula: Formula | None = field(default=None, compare=False, repr=False)

    @property
    def kind(self) -> Kind:
        return _KIND[self.type]

    @property
    def soap_type(self) -> str:
        return _SOAP_TYPE[self.type]

    @property
    def polymorphic(self) -> bool:
        """A lookup to more than one object resolves to the `Name` pseudo-object in SOQL."""
        return len(self.reference_to) > 1

    @property
    def required_on_create(self) -> bool:
        return (
            not self.nillable
            and not self.defaulted_on_create
            and self.createable
            and self.type is not FieldType.BOOLEAN
        )

    def picklist_values(self) -> list[str]:
        return [value.value for value in self.picklist if value.active]


@dataclass
class ObjectDef:
    name: str
    label: str
    label_plural: str
    key_prefix: str
    fields: list[FieldDef]
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    queryable: bool = True
    custom: bool = False
    _by_lower: dict[str, FieldDef] = field(default_factory=dict, repr=False)
    _relationships: dict[str, FieldDef] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        self._by_lower = {f.name.lower(): f for f in self.fields}
        self._relationships = {
            f.relationship_name.lower(): f for f in self.fields if f.relationship_name is not None
        }

    def field(self, name: str) -> FieldDef | None:
        """The field called `name` (case-insensitive, as SOQL and the REST API treat names)."""
        return self._by_lower.get(name.lower())

    def relationship(self, name: str) -> FieldDef | None:
        """The lookup field whose relationship name is `name` (e.g. Owner -> OwnerId)."""
        return self._relationships.get(name.lower())
