"""Loading rules and CRM mapping files into their models, collecting every problem with its
file, line and field instead of stopping at the first or showing a traceback."""

import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from connector.domain.contact import Owner
from connector.domain.policy import FitField, RulesPolicy, policy_problems
from connector.domain.routing import unknown_owner_problems
from connector.domain.stages import FUNNEL, LifecycleStage
from connector.mapping.crm_schema import CrmMapping, HubSpotMapping, SalesforceMapping, ValueMaps
from connector.mapping.problems import ConfigError, ConfigProblem, FieldPath
from connector.mapping.property_rules import property_rule_problems, rule_conditions
from connector.mapping.translate import reverse_map
from connector.mapping.yaml_source import YamlDocument, load_yaml

_Model = typing.TypeVar("_Model", bound=BaseModel)

RULES_FILE = "rules.yaml"
CRM_FILES = {"hubspot": "hubspot.yaml", "salesforce": "salesforce.yaml"}
_SCHEMAS: dict[str, type[BaseModel]] = {"hubspot": HubSpotMapping, "salesforce": SalesforceMapping}
#: Top-level keys only a rules file has (a CRM mapping file has `crm:` instead).
RULES_KEYS = frozenset({"scoring", "fit", "lifecycle", "routing"})
FileKind = typing.Literal["rules", "crm"]
# Stages the lifecycle rules may write whatever the rules file says: the funnel up to customer.
_FUNNEL_WRITES = FUNNEL[: FUNNEL.index(LifecycleStage.CUSTOMER) + 1]
_TYPE_TAGS = {"str", "int", "float", "bool", "none", "date", "time", "datetime"}


def _model_at(root: type[BaseModel], path: FieldPath) -> type[BaseModel] | None:
    """The pydantic model that describes the mapping at `path`, to list its allowed keys."""
    current: Any = root
    for part in path:
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str):
            fields = [f for name, f in current.model_fields.items() if part in (name, f.alias)]
            if not fields:
                return None
            current = fields[0].annotation
        current = _unwrap(current, part)
        if current is None:
            return None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any, part: str | int) -> Any:
    """Step through Annotated, Optional, tuple/list items and dict values to the model inside."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    args, origin = typing.get_args(annotation), typing.get_origin(annotation)
    if origin in (tuple, list) and isinstance(part, int):
        return args[0] if args else None
    if origin is dict and isinstance(part, str):
        return args[1] if len(args) == 2 else None
    return next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), annotation)


def _clean_path(document: YamlDocument, loc: tuple[Any, ...]) -> FieldPath:
    """Drop pydantic's union-branch tags ("str", "function-after[...]") from an error location."""
    path: list[str | int] = []
    for part in loc:
        candidate = (*path, part)
        tag_like = isinstance(part, str) and ("[" in part or part in _TYPE_TAGS)
        if tag_like and document.position(tuple(candidate)) == document.position(tuple(path)):
            continue
        path.append(part)
    return tuple(path)


def _message(error: ErrorDetails, model: type[BaseModel], path: FieldPath) -> str:
    kind = error["type"]
    given = error.get("input")
    if kind == "extra_forbidden":
        parent = _model_at(model, path[:-1])
        fields = parent.model_fields.items() if parent else []
        allowed = ", ".join(f.alias or name for name, f in fields)
        hint = f"; allowed here: {allowed}" if allowed else ""
        return f"unknown key {path[-1]!r}: remove it or fix its spelling{hint}"
    if kind == "missing":
        return f"required key {path[-1]!r} is missing"
    text = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in ("value_error", "assertion_error"):
        return text
    if isinstance(given, dict | list):
        return f"{text[0].lower()}{text[1:]}"
    return f"got {given!r}: {text[0].lower()}{text[1:]}"


def _validate(document: YamlDocument, model: type[_Model]) -> _Model:
    try:
        return model.model_validate(document.data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            path = _clean_path(document, error["loc"])
            problems.append(document.problem(path, _message(error, model, path)))
        raise ConfigError(problems) from None


def load_model(path: Path, model: type[_Model]) -> _Model:
    """Any YAML configuration file → its pydantic model, or a ConfigError with file:line."""
    return _validate(load_yaml(path), model)


def load_rules(path: Path) -> RulesPolicy:
    """mappings/rules.yaml → RulesPolicy, or a ConfigError listing every problem."""
    document = load_yaml(path)
    policy = _validate(document, RulesPolicy)
    if problems := [document.problem(p.path, p.message) for p in policy_problems(policy)]:
        raise ConfigError(problems)
    return policy


def file_kind(path: Path) -> FileKind | None:
    """Rules file or CRM mapping (None: neither): by a shipped name, else by content (`crm:`, or
    the rules' sections), so rules.dataset.yaml or a `calibrate` proposal is checked as rules."""
    if path.name == RULES_FILE:
        return "rules"
    if path.name in CRM_FILES.values():
        return "crm"
    data = load_yaml(path).data  # a mapping of keys, or a ConfigError
    if "crm" in data:
        return "crm"
    if RULES_KEYS & set(data):
        return "rules"
    return None


def load_crm_mapping(path: Path) -> CrmMapping:
    """mappings/hubspot.yaml or salesforce.yaml → its mapping model, chosen by its `crm` key."""
    document = load_yaml(path)
    crm = document.data.get("crm")
    if crm not in _SCHEMAS:
        message = f"got {crm!r}: `crm` must be one of {', '.join(sorted(_SCHEMAS))}"
        raise ConfigError([document.problem(("crm",), message)])
    return _validate(document, _SCHEMAS[crm])  # type: ignore[return-value]


@dataclass(frozen=True)
class MappingSet:
    """The rules plus the mapping of every CRM file present in a mappings directory."""

    rules: RulesPolicy
    crms: dict[str, CrmMapping]


def cross_file_problems(rules: RulesPolicy, mapping: CrmMapping, path: Path) -> list[ConfigProblem]:
    """What the rules need from a CRM mapping that it does not give, reported up front against
    the CRM file: mid-sync it would be a value the connector cannot write or a rule never firing."""
    problems: list[str] = []
    lifecycle = rules.lifecycle
    recycle, disqualify = lifecycle.recycle, lifecycle.disqualify
    stages = (*recycle.from_stages, recycle.to, disqualify.to, *_FUNNEL_WRITES)
    used = (recycle.set_sales_status, disqualify.set_sales_status, *lifecycle.sql.sales_statuses)
    statuses = [s for s in dict.fromkeys((*used, *recycle.sales_statuses)) if s is not None]
    for person in mapping.people:
        values = person.values
        for stage in stages:
            if stage not in values.lifecycle_stage:
                problems.append(
                    f"{person.object}: values.lifecycle_stage has no CRM value for "
                    f"{stage.value!r}, which the rules can write"
                )
        for status in statuses:
            if status not in values.sales_status:
                problems.append(
                    f"{person.object}: values.sales_status has no CRM value for {status.value!r}, "
                    "which rules.yaml uses"
                )
        if rules.scoring.source_weights and "source" not in person.fields:
            problems.append(
                f"{person.object}: rules.yaml weights lead sources but `fields` maps no `source`"
            )
        problems += _translated_away(rules, person.object, values)
        bant = ("bant_budget", "bant_authority", "bant_need", "bant_timeline")
        if rules.lifecycle.sql.bant_complete and not all(f in person.fields for f in bant):
            problems.append(
                f"{person.object}: rules.yaml promotes on complete BANT but `fields` does not map "
                "all of bant_budget, bant_authority, bant_need, bant_timeline"
            )
    return [ConfigProblem(file=path, message=text) for text in dict.fromkeys(problems)]


def _translated_away(rules: RulesPolicy, crm_object: str, values: ValueMaps) -> list[str]:
    """Rule values naming a CRM value the mapping translates into another term: such a rule can
    never fire, the rules only see the term (an unlisted value passes through, see `ValueMaps`)."""
    maps = {FitField.INDUSTRY: values.industry, FitField.DECISION_ROLE: values.decision_role}
    problems: list[str] = []
    for _, where, condition in rule_conditions(rules):
        if condition.field is None:  # a `property:` condition: no value map applies
            continue
        mapping = maps.get(condition.field)
        if not mapping:
            continue
        terms = {term.casefold() for term in mapping}
        translated = reverse_map(mapping)
        named = [condition.equals] if isinstance(condition.equals, str) else []
        for value in (*named, *(condition.any_of or ())):
            term = translated.get(value.strip().casefold())
            if term is not None and value.strip().casefold() not in terms:
                problems.append(
                    f"{crm_object}: rules.yaml's {where} tests {condition.field.value} against "
                    f"{value!r}, which values.{condition.field.value} translates to {term!r}: "
                    f"the rule never sees {value!r}; name {term!r} instead"
                )
    return problems


def load_mapping_dir(directory: Path) -> MappingSet:
    """Load rules.yaml and every CRM file in `directory`, reporting all problems together."""
    problems: list[ConfigProblem] = []
    rules: RulesPolicy | None = None
    crms: dict[str, CrmMapping] = {}
    try:
        rules = load_rules(directory / RULES_FILE)
    except ConfigError as exc:
        problems.extend(exc.problems)
    for crm, file_name in CRM_FILES.items():
        path = directory / file_name
        if not path.exists():
            continue
        try:
            crms[crm] = load_crm_mapping(path)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if rules is not None:
        files = {crm: (mapping, directory / CRM_FILES[crm]) for crm, mapping in crms.items()}
        for mapping, path in files.values():
            problems.extend(cross_file_problems(rules, mapping, path))
        problems.extend(property_rule_problems(rules, directory / RULES_FILE, files))
    if not crms and not problems:
        missing = f"no CRM mapping found: add {' or '.join(CRM_FILES.values())}"
        problems.append(ConfigProblem(file=directory, message=missing))
    if problems:
        raise ConfigError(problems)
    assert rules is not None
    return MappingSet(rules=rules, crms=crms)


def owner_problems(
    rules_file: Path, rules: RulesPolicy, owners: typing.Sequence[Owner]
) -> list[ConfigProblem]:
    """Every owner e-mail rules.yaml names that the CRM has no active user for, with its line."""
    found = unknown_owner_problems(rules.routing, owners)
    if not found:
        return []
    document = load_yaml(rules_file)
    return [document.problem(p.path, p.message) for p in found]
