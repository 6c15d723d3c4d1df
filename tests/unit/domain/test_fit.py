from connector.domain.contact import Company
from connector.domain.fit import grade_contact
from connector.domain.policy import FitRules
from tests.factories import company, contact, shipped_policy


def fit_rules() -> FitRules:
    return FitRules.model_validate(
        {
            "grades": [
                {"grade": "A", "min_points": 50},
                {"grade": "B", "min_points": 25},
                {"grade": "C", "min_points": 0},
            ],
            "criteria": [
                {"name": "software", "field": "industry", "in": ["Software"], "points": 30},
                {"name": "big", "field": "employees", "at_least": 500, "points": 20},
                {"name": "exec", "field": "job_title", "matches": r"\bvp\b", "points": 10},
                {"name": "no country", "field": "country", "missing": True, "points": -10},
            ],
            "disqualify": [
                {"name": "free mail", "field": "email_domain", "in": ["gmail.com"]},
            ],
        }
    )


def test_points_add_up_into_a_grade_band():
    card = grade_contact(contact(), fit_rules())
    assert card.points == 60
    assert card.grade == "A"
    assert [line.rule for line in card.lines] == ["software", "big", "exec"]
    assert card.lines[0].matched == "industry in [Software]"


def test_points_below_every_band_get_the_lowest_grade():
    nobody = contact(company=None, job_title=None, country=None)
    card = grade_contact(nobody, fit_rules())
    assert card.points == -10
    assert card.grade == "C"


def test_company_attributes_drive_firmographic_criteria():
    small = contact(company=company(employees=12, industry="Retail"))
    card = grade_contact(small, fit_rules())
    assert card.points == 10
    assert card.grade == "C"


def test_geography_falls_back_to_the_company():
    person = contact(country=None, company=Company(id="x", country="Germany"))
    card = grade_contact(person, fit_rules())
    assert "no country" not in [line.rule for line in card.lines]


def test_disqualifier_overrides_points_and_says_why():
    card = grade_contact(contact(email="dana@gmail.com"), fit_rules())
    assert card.disqualified
    assert card.grade == "X"
    assert card.disqualified_reasons == ("free mail: email_domain in [gmail.com]",)


def test_shipped_rules_grade_a_senior_buyer_at_a_target_account_a():
    card = grade_contact(contact(decision_role="DECISION_MAKER"), shipped_policy().fit)
    assert card.grade == "A"


def test_shipped_rules_disqualify_students():
    card = grade_contact(contact(job_title="Student"), shipped_policy().fit)
    assert card.disqualified
    assert card.disqualified_reasons[0].startswith("student:")
