"""Broken rules and mapping files must give an error naming file, line and field — never a
traceback — and every problem in one pass."""

import shutil
from pathlib import Path

import pytest

from connector.mapping.loader import load_crm_mapping, load_mapping_dir, load_rules
from connector.mapping.problems import ConfigError
from tests.factories import MAPPINGS


def test_the_shipped_files_are_valid():
    loaded = load_mapping_dir(MAPPINGS)
    assert set(loaded.crms) == {"hubspot", "salesforce"}
    assert loaded.rules.lifecycle.mql.min_score == 100


def test_a_valid_directory_parses_each_file_once(monkeypatch):
    """A run loads mappings/ before anything else; a second parse of rules.yaml (ruamel, the
    largest fixed cost of a run's start) only to place problems that are not there is waste."""
    from connector.mapping import loader, property_rules

    parsed: list[str] = []
    original = loader.load_yaml

    def counted(path: Path):
        parsed.append(path.name)
        return original(path)

    monkeypatch.setattr(loader, "load_yaml", counted)
    monkeypatch.setattr(property_rules, "load_yaml", counted)
    load_mapping_dir(MAPPINGS)
    assert sorted(parsed) == ["hubspot.yaml", "rules.yaml", "salesforce.yaml"]


@pytest.fixture
def mappings(tmp_path: Path) -> Path:
    target = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, target)
    return target


def replace(path: Path, old: str, new: str) -> int:
    """Edit a copied file and return the 1-based line of the edit."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    index = text.index(old)
    path.write_text(text.replace(old, new, 1))
    return text[:index].count("\n") + 1


def problems_of(load, path: Path):
    with pytest.raises(ConfigError) as caught:
        load(path)
    return caught.value.problems


def only_problem(load, path: Path):
    problems = problems_of(load, path)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_bad_yaml_names_the_line(mappings):
    rules = mappings / "rules.yaml"
    line = replace(rules, "half_life_days: 30", "half_life_days: [30")
    problem = only_problem(load_rules, rules)
    assert problem.file == rules
    assert problem.line in (line, line + 1)
    assert problem.message.startswith("YAML syntax:")


def test_duplicate_key_names_both_the_key_and_the_line(mappings):
    rules = mappings / "rules.yaml"
    line = replace(rules, "  half_life_days: 30\n", "  half_life_days: 30\n  half_life_days: 20\n")
    problem = only_problem(load_rules, rules)
    assert problem.line == line + 1
    assert "duplicate key" in problem.message


def test_unknown_key_lists_the_allowed_keys(mappings):
    rules = mappings / "rules.yaml"
    line = replace(rules, "  half_life_days: 30", "  half_life_dayz: 30")
    problem = only_problem(load_rules, rules)
    assert problem.line == line
    assert problem.field == "scoring.half_life_dayz"
    assert "unknown key 'half_life_dayz'" in problem.message
    assert "half_life_days" in problem.message


def test_wrong_type_names_field_and_value(mappings):
    rules = mappings / "rules.yaml"
    line = replace(rules, "    min_score: 100", "    min_score: lots")
    problem = only_problem(load_rules, rules)
    assert (problem.line, problem.field) == (line, "lifecycle.mql.min_score")
    assert "'lots'" in problem.message and "number" in problem.message


def test_negative_threshold_is_refused(mappings):
    rules = mappings / "rules.yaml"
    line = replace(rules, "    min_score: 100", "    min_score: -5")
    problem = only_problem(load_rules, rules)
    assert problem.line == line
    assert "greater than or equal to 0" in problem.message


def test_unknown_engagement_kind_says_what_is_expected(mappings):
    rules = mappings / "rules.yaml"
    line = replace(rules, "{kind: page_view,", "{kind: pageview,")
    problem = only_problem(load_rules, rules)
    assert problem.line == line
    assert problem.field == "scoring.engagement[0].kind"
    assert "'pageview'" in problem.message and "'page_view'" in problem.message


def test_unknown_stage_name_is_refused(mappings):
    rules = mappings / "rules.yaml"
    line = replace(rules, "    to: lead", "    to: nurture_pool")
    problem = only_problem(load_rules, rules)
    assert (problem.line, problem.field) == (line, "lifecycle.recycle.to")
    assert "'nurture_pool'" in problem.message


def test_duplicate_rule_names_point_at_the_second(mappings):
    rules = mappings / "rules.yaml"
    line = replace(rules, "    - name: manager title", "    - name: senior title")
    problem = only_problem(load_rules, rules)
    assert problem.field == "fit.criteria[5]"
    assert problem.line == line
    assert "duplicate name 'senior title'" in problem.message


def test_duplicate_engagement_kind_is_refused(mappings):
    rules = mappings / "rules.yaml"
    line = replace(rules, "{kind: website_visit,", "{kind: page_view,")
    problem = only_problem(load_rules, rules)
    assert (problem.line, problem.field) == (line, "scoring.engagement[1]")


def test_empty_owner_pool_is_refused(mappings):
    rules = mappings / "rules.yaml"
    text = rules.read_text()
    start = text.index("      pool:\n        - {owner: alex.kim")
    end = text.index("  out_of_office")
    rules.write_text(text[:start] + "      pool: []\n" + text[end:])
    problem = only_problem(load_rules, rules)
    assert problem.field == "routing.rules[2]"
    assert "non-empty `pool`" in problem.message


def test_undefined_mql_grade_is_refused(mappings):
    rules = mappings / "rules.yaml"
    line = replace(rules, "    min_grade: C", "    min_grade: E")
    problem = only_problem(load_rules, rules)
    assert (problem.line, problem.field) == (line, "lifecycle.mql.min_grade")
    assert "'E' is not a grade defined under fit.grades (A, B, C, D)" in problem.message


def test_bad_regex_and_time_zone_are_refused(mappings):
    rules = mappings / "rules.yaml"
    replace(rules, r"matches: '\bmanager\b'", "matches: '(manager'")
    replace(rules, "time_zone: America/New_York", "time_zone: Mars/Olympus")
    problems = problems_of(load_rules, rules)
    messages = " | ".join(p.message for p in problems)
    assert "not a valid regular expression" in messages
    assert "unknown time zone 'Mars/Olympus'" in messages


def test_all_problems_are_reported_at_once(mappings):
    rules = mappings / "rules.yaml"
    replace(rules, "    min_score: 100", "    min_score: -1")
    replace(rules, "{kind: page_view,", "{kind: pageview,")
    replace(rules, "  fallback_owner:", "  fallback_ownr:")
    assert len(problems_of(load_rules, rules)) == 3


def test_missing_file_is_a_clear_problem(tmp_path):
    problem = only_problem(load_rules, tmp_path / "rules.yaml")
    assert "file not found" in problem.message


def test_crm_mapping_unknown_crm(mappings):
    hubspot = mappings / "hubspot.yaml"
    line = replace(hubspot, "crm: hubspot", "crm: pipedrive")
    problem = only_problem(load_crm_mapping, hubspot)
    assert problem.line == line
    assert "must be one of hubspot, salesforce" in problem.message


def test_crm_mapping_value_listed_twice(mappings):
    hubspot = mappings / "hubspot.yaml"
    replace(hubspot, "nurture: [BAD_TIMING]", "nurture: [BAD_TIMING, UNQUALIFIED]")
    problem = only_problem(load_crm_mapping, hubspot)
    assert "'UNQUALIFIED' is listed under both 'rejected' and 'nurture'" in problem.message
    assert problem.field == "contact.values"


def test_crm_mapping_missing_required_field(mappings):
    salesforce = mappings / "salesforce.yaml"
    text = salesforce.read_text()
    salesforce.write_text(text.replace("    score: Connector_Score__c\n", "", 1))
    problem = only_problem(load_crm_mapping, salesforce)
    assert problem.field == "lead"
    assert "`fields` must map score" in problem.message


def test_crm_mapping_unknown_domain_field(mappings):
    hubspot = mappings / "hubspot.yaml"
    line = replace(hubspot, "    job_title: jobtitle", "    job_titel: jobtitle")
    problem = only_problem(load_crm_mapping, hubspot)
    assert problem.line == line
    assert problem.field == "contact.fields.job_titel"


def test_cross_file_problem_when_rules_write_an_unmapped_status(mappings):
    hubspot = mappings / "hubspot.yaml"
    text = hubspot.read_text()
    hubspot.write_text(text.replace("      nurture: [BAD_TIMING]\n", "", 1))
    problems = problems_of(load_mapping_dir, mappings)
    assert [p.file for p in problems] == [hubspot]
    assert "no CRM value for 'nurture'" in problems[0].message


def test_industry_terms_must_be_domain_terms(mappings):
    hubspot = mappings / "hubspot.yaml"
    line = replace(
        hubspot, "      technology: [COMPUTER_SOFTWARE,", "      Technology: [COMPUTER_SOFTWARE,"
    )
    problem = only_problem(load_crm_mapping, hubspot)
    assert (problem.file, problem.line) == (hubspot, line)
    assert problem.field == "contact.values.industry.Technology"
    assert "'Technology' is not a domain term: write it in lower_snake_case" in problem.message


def test_industry_value_listed_under_two_terms(mappings):
    hubspot = mappings / "hubspot.yaml"
    replace(
        hubspot,
        "      media: [MARKETING_AND_ADVERTISING,",
        "      media: [INTERNET, MARKETING_AND_ADVERTISING,",
    )
    problem = only_problem(load_crm_mapping, hubspot)
    assert problem.field == "contact.values"
    assert (
        "industry: CRM value 'INTERNET' is listed under both 'media' and 'technology'"
        in problem.message
    )


def test_decision_role_term_without_values_names_its_line(mappings):
    salesforce = mappings / "salesforce.yaml"
    line = replace(salesforce, "      champion: [Champion]", "      champion: []")
    problems = problems_of(load_crm_mapping, salesforce)
    # Lead and Contact share the values (a YAML alias), so both report the one line.
    assert {(p.line, p.field) for p in problems} == {
        (line, "lead.values.decision_role.champion"),
        (line, "contact.values.decision_role.champion"),
    }
    assert all("at least 1 item" in p.message for p in problems)


def test_cross_file_problem_when_a_rule_names_a_value_the_crm_file_translates(mappings):
    rules = mappings / "rules.yaml"
    replace(
        rules, "in: [technology, finance,", "in: [technology, COMPUTER_SOFTWARE, Finance, finance,"
    )
    problems = problems_of(load_mapping_dir, mappings)
    # HubSpot reads COMPUTER_SOFTWARE as technology, so the rule never sees it; Salesforce's
    # Finance is the term `finance` in another case, which the rules compare case-insensitively.
    assert [(p.file.name, p.message) for p in problems] == [
        (
            "hubspot.yaml",
            "contacts: rules.yaml's fit criterion 'target industry' tests industry against "
            "'COMPUTER_SOFTWARE', which values.industry translates to 'technology': the rule "
            "never sees 'COMPUTER_SOFTWARE'; name 'technology' instead",
        )
    ]


def test_notify_without_an_owner_names_the_task_template_and_its_line(mappings):
    rules = mappings / "rules.yaml"
    replace(rules, "      notify_owner: taylor.brooks@sandbox.example\n", "")
    problem = only_problem(load_rules, rules)
    assert problem.file == rules
    assert problem.field == "tasks.on_stage.sql"
    assert problem.line is not None
    assert "`action: notify` needs `notify_owner`" in problem.message


def test_an_unknown_escalation_action_lists_the_allowed_ones(mappings):
    rules = mappings / "rules.yaml"
    line = replace(rules, "      action: reassign", "      action: shout")
    problem = only_problem(load_rules, rules)
    assert (problem.line, problem.field) == (line, "tasks.on_stage.mql.action")
    assert "reassign" in problem.message and "notify" in problem.message
