"""Offline checks of the rules naming a mapped CRM property (`property:`) against the CRM files'
`properties`, placed at file, line and column, before a sync runs: a property no file maps (the
rule never fires), an operator that does not fit its type (never matches), and a property typed
differently in two files (the same rule would decide differently on each CRM)."""

from collections.abc import Sequence
from pathlib import Path

from connector.domain.policy import Condition, Disqualifier, FitCriterion, RulesPolicy
from connector.domain.properties import OPERATORS, PropertyType
from connector.mapping.crm_schema import CrmMapping, PersonMapping
from connector.mapping.problems import ConfigProblem, FieldPath
from connector.mapping.yaml_source import YamlDocument, load_yaml


def rule_conditions(rules: RulesPolicy) -> list[tuple[FieldPath, str, Condition]]:
    """Every condition of the fit and routing rules: its path in rules.yaml, the words that name
    it in a problem, and itself."""
    named: list[tuple[FieldPath, str, Sequence[FitCriterion | Disqualifier]]] = [
        (("fit", "criteria"), "fit criterion", rules.fit.criteria),
        (("fit", "disqualify"), "disqualifier", rules.fit.disqualify),
    ]
    return [
        *(
            ((*path, i), f"{words} {rule.name!r}", rule)
            for path, words, section in named
            for i, rule in enumerate(section)
        ),
        *(
            (("routing", "rules", i, "when", j), f"routing rule {rule.name!r}", condition)
            for i, rule in enumerate(rules.routing.rules)
            for j, condition in enumerate(rule.when)
        ),
    ]


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
    scoring = [(("scoring", "properties", i), r) for i, r in enumerate(rules.scoring.properties)]
    for path, condition in [*scoring, *((path, c) for path, _, c in rule_conditions(rules))]:
        if (name := condition.property) is None:
            continue
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
