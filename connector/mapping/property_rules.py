"""Offline checks of the rules naming a mapped CRM property (`property:`) against the CRM files'
`properties`, placed at file, line and column, before a sync runs: a property no file maps (the
rule never fires), an operator that does not fit its type (never matches), and a property typed
differently in two files (the same rule would decide differently on each CRM)."""

from pathlib import Path

from connector.domain.policy import Condition, RulesPolicy
from connector.domain.properties import OPERATORS, PropertyType
from connector.mapping.crm_schema import CrmMapping, PersonMapping
from connector.mapping.problems import ConfigProblem, FieldPath
from connector.mapping.yaml_source import YamlDocument, load_yaml


def property_conditions(rules: RulesPolicy) -> list[tuple[FieldPath, Condition]]:
    """Every condition in the rules that names a property, with its path in rules.yaml."""
    found: list[tuple[FieldPath, Condition]] = []
    sections: list[tuple[FieldPath, tuple[Condition, ...]]] = [
        (("scoring", "properties"), rules.scoring.properties),
        (("fit", "criteria"), rules.fit.criteria),
        (("fit", "disqualify"), rules.fit.disqualify),
    ]
    for index, routing in enumerate(rules.routing.rules):
        sections.append((("routing", "rules", index, "when"), routing.when))
    for path, conditions in sections:
        for index, condition in enumerate(conditions):
            if condition.property is not None:
                found.append(((*path, index), condition))
    return found


def person_objects(mapping: CrmMapping) -> list[tuple[str, PersonMapping]]:
    """Each person mapping with its key in the CRM file (`lead`, `contact`)."""
    return [(key, getattr(mapping, key)) for key in ("lead", "contact") if hasattr(mapping, key)]


def _types(
    crms: dict[str, tuple[CrmMapping, Path]],
) -> tuple[dict[str, PropertyType], list[ConfigProblem]]:
    """Each mapped property's type (the first mapping's), and every mapping typing it otherwise."""
    types: dict[str, tuple[PropertyType, str]] = {}
    problems: list[ConfigProblem] = []
    for mapping, path in crms.values():
        document: YamlDocument | None = None
        for key, person in person_objects(mapping):
            for name, mapped in person.properties.items():
                first = types.setdefault(name, (mapped.type, f"{path.name} ({key})"))
                if first[0] != mapped.type:
                    document = document or load_yaml(path)
                    where: FieldPath = (key, "properties", name, "type")
                    problems.append(
                        document.problem(
                            where,
                            f"{name!r} is a {mapped.type.value} here but a {first[0].value} in "
                            f"{first[1]}: give it one type everywhere, or the same rule decides "
                            "differently on each CRM",
                        )
                    )
    return {name: found[0] for name, found in types.items()}, problems


def property_rule_problems(
    rules: RulesPolicy, rules_path: Path, crms: dict[str, tuple[CrmMapping, Path]]
) -> list[ConfigProblem]:
    """Unknown properties, operators not fitting a property's type, types differing by file."""
    types, problems = _types(crms)
    found: list[tuple[FieldPath, str]] = []  # placed at the end: rules.yaml is parsed again
    for path, condition in property_conditions(rules):
        name = condition.property
        assert name is not None
        lacking = [
            f"{file.name} ({key})"
            for mapping, file in crms.values()
            for key, person in person_objects(mapping)
            if name not in person.properties
        ]
        if lacking:
            message = (
                f"unknown property {name!r}: map it under `properties` in "
                f"{', '.join(lacking)} (its CRM field and type)"
            )
            found.append(((*path, "property"), message))
            continue
        kind, operator = types[name], condition.operator
        if operator not in OPERATORS[kind]:
            allowed = ", ".join(sorted(OPERATORS[kind]))
            message = f"`{operator}` cannot test {name!r}, a {kind.value} property: use one of"
            found.append(((*path, operator), f"{message} {allowed}"))
    if found:
        document = load_yaml(rules_path)
        problems += [document.problem(where, message) for where, message in found]
    return problems
