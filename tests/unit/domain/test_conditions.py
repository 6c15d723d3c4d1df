import pytest

from connector.domain.conditions import condition_holds, describe
from connector.domain.contact import Company, LeadSource
from connector.domain.policy import Condition, FitField
from tests.factories import contact


@pytest.mark.parametrize(
    ("condition", "text"),
    [
        (Condition(field=FitField.COUNTRY, any_of=("DE", "AT")), "country in [DE, AT]"),
        (Condition(field=FitField.INDUSTRY, equals="software"), "industry = software"),
        (Condition(field=FitField.JOB_TITLE, matches="^VP"), "job_title matches /^VP/"),
        (Condition(field=FitField.EMPLOYEES, between=(50, 500)), "employees between 50 and 500"),
        (Condition(field=FitField.EMPLOYEES, at_least=50), "employees >= 50"),
        (Condition(field=FitField.ANNUAL_REVENUE, below=1e6), "annual_revenue < 1,000,000"),
        (Condition(field=FitField.REGION, missing=True), "region is missing"),
        (Condition(field=FitField.REGION, missing=False), "region is present"),
    ],
)
def test_describe(condition: Condition, text: str):
    assert describe(condition) == text


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (Condition(field=FitField.INDUSTRY, any_of=("software",)), True),  # case-insensitive
        (Condition(field=FitField.INDUSTRY, equals="Retail"), False),
        (Condition(field=FitField.EMPLOYEES, between=(800, 800)), True),  # inclusive
        (Condition(field=FitField.EMPLOYEES, equals=800), True),
        (Condition(field=FitField.EMPLOYEES, below=800), False),
        (Condition(field=FitField.JOB_TITLE, matches=r"\bvp\b"), True),
        (Condition(field=FitField.EMAIL_DOMAIN, equals="ACME.example"), True),
        (Condition(field=FitField.SOURCE, equals="referral"), True),
        (Condition(field=FitField.SENIORITY, missing=True), True),
        (Condition(field=FitField.SENIORITY, any_of=("exec",)), False),  # missing never matches
        (Condition(field=FitField.INDUSTRY, at_least=3), False),  # text is not a number
    ],
)
def test_condition_holds(condition: Condition, expected: bool):
    assert condition_holds(condition, contact(source=LeadSource.REFERRAL)) is expected


def test_country_falls_back_to_the_company():
    person = contact(country=None, company=Company(id="x", country="Germany"))
    assert condition_holds(Condition(field=FitField.COUNTRY, equals="germany"), person)


def test_a_condition_needs_exactly_one_test():
    with pytest.raises(ValueError, match="give exactly one of"):
        Condition(field=FitField.COUNTRY, equals="DE", missing=True)
    with pytest.raises(ValueError, match="give exactly one of"):
        Condition(field=FitField.COUNTRY)


def test_industry_falls_back_to_the_person_when_the_company_has_none():
    condition = Condition(field=FitField.INDUSTRY, equals="Fintech")
    assert condition_holds(condition, contact(company=None, industry="Fintech"))
    assert not condition_holds(condition, contact(industry="Fintech"))  # company says Software
