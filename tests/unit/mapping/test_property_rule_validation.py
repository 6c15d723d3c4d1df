"""`mappings validate --offline` on rules that name a mapped property: unknown properties,
operators that do not fit the property's type, and types that differ between CRM files are each
reported at their file, line and column."""

import shutil
from pathlib import Path

import pytest

from connector.mapping.loader import load_mapping_dir
from connector.mapping.problems import ConfigError
from tests.factories import MAPPINGS

PROPERTY_RULES = "  properties:\n    - name: time on site"


@pytest.fixture
def mappings(tmp_path: Path) -> Path:
    target = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def _line_of(path: Path, needle: str) -> tuple[int, int]:
    """1-based line and column of the first line containing `needle` (at its first non-space)."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(needle)


def _problems(directory: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_mapping_dir(directory)
    return [str(problem) for problem in caught.value.problems]


def test_shipped_property_rules_validate():
    rules = load_mapping_dir(MAPPINGS).rules
    assert [rule.name for rule in rules.scoring.properties] == ["time on site", "lead add form"]
    assert "working professional" in [c.name for c in rules.fit.criteria]


def test_unknown_property_names_the_rule_line_and_the_files_to_change(mappings: Path):
    rules = mappings / "rules.yaml"
    _edit(
        rules,
        PROPERTY_RULES,
        "  properties:\n    - {name: lucky, property: horoscope, equals: leo, points: 5}\n"
        "    - name: time on site",
    )
    line, column = _line_of(rules, "property: horoscope")  # at the `property` key
    assert _problems(mappings) == [
        f"{rules}:{line}:{column}: scoring.properties[0].property: unknown property "
        "'horoscope': map it under `properties` in hubspot.yaml (contact), salesforce.yaml "
        "(lead), salesforce.yaml (contact) (its CRM field and type)"
    ]


def test_a_property_mapped_on_one_salesforce_object_only_is_unknown_for_the_other(
    mappings: Path,
):
    salesforce = mappings / "salesforce.yaml"
    text = salesforce.read_text()
    contact_part = text.index("contact:\n  object: Contact")
    cut = text.index("    time_on_site:", contact_part)
    end = text.index("\n", cut) + 1
    salesforce.write_text(text[:cut] + text[end:])
    (problem,) = _problems(mappings)
    assert "unknown property 'time_on_site': map it under `properties` in salesforce.yaml " in (
        problem
    )
    assert problem.endswith("salesforce.yaml (contact) (its CRM field and type)")


@pytest.mark.parametrize(
    ("rule", "operator", "message"),
    [
        (
            "{name: bad, property: time_on_site, matches: '^1', points: 1}",
            "matches",
            "`matches` cannot test 'time_on_site', a number property: use one of at_least, "
            "below, between, equals, missing, per_unit",
        ),
        (
            "{name: bad, property: lead_origin, within_days: 7, points: 1}",
            "within_days",
            "`within_days` cannot test 'lead_origin', a picklist property: use one of equals, "
            "in, matches, missing",
        ),
        (
            "{name: bad, property: do_not_call, at_least: 1, points: 1}",
            "at_least",
            "`at_least` cannot test 'do_not_call', a bool property: use one of is, missing",
        ),
        (
            "{name: bad, property: occupation, per_unit: 3, points: 1}",
            "per_unit",
            "`per_unit` cannot test 'occupation', a picklist property: use one of equals, in, "
            "matches, missing",
        ),
    ],
)
def test_an_operator_that_does_not_fit_the_type_is_placed_at_its_key(
    mappings: Path, rule: str, operator: str, message: str
):
    rules = mappings / "rules.yaml"
    _edit(rules, PROPERTY_RULES, f"  properties:\n    - {rule}\n    - name: time on site")
    line, _ = _line_of(rules, "name: bad")
    column = rules.read_text().splitlines()[line - 1].index(f"{operator}:") + 1
    assert _problems(mappings) == [
        f"{rules}:{line}:{column}: scoring.properties[0].{operator}: {message}"
    ]


def test_a_property_typed_differently_in_two_crm_files_is_placed_at_its_type(mappings: Path):
    salesforce = mappings / "salesforce.yaml"
    _edit(
        salesforce,
        "    time_on_site:                {field: Time_On_Site__c, type: number}",
        "    time_on_site:                {field: Time_On_Site__c, type: text}",
    )
    line, _ = _line_of(salesforce, "{field: Time_On_Site__c, type: text}")
    column = salesforce.read_text().splitlines()[line - 1].index("type: text") + 1
    problems = _problems(mappings)
    assert problems[0] == (
        f"{salesforce}:{line}:{column}: lead.properties.time_on_site.type: 'time_on_site' is a "
        "text here but a number in hubspot.yaml (contact): give it one type everywhere, or the "
        "same rule decides differently on each CRM"
    )


def test_property_names_and_types_in_a_crm_file_are_checked(mappings: Path):
    hubspot = mappings / "hubspot.yaml"
    _edit(
        hubspot,
        "    lead_number:                 {field: lead_number, type: text}",
        "    Lead-Number:                 {field: lead_number, type: txt}",
    )
    problems = _problems(mappings)
    assert any("contact.properties.Lead-Number" in p and "lower_snake_case" in p for p in problems)
    assert any(
        "contact.properties.Lead-Number.type" in p
        and "'number', 'text', 'picklist', 'date' or 'bool'" in p
        for p in problems
    )
