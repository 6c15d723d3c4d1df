"""Schemas of mappings/hubspot.yaml and salesforce.yaml: which CRM field holds each domain field,
and which CRM values mean which domain value.

A value map lists, per domain value, the CRM values that mean it; the FIRST is the one written
(reading tolerant, writing unambiguous). Stage, sales status, source and intent map onto closed
enumerations the rules are keyed by; industry and decision role onto open vocabularies (text:
every org has its own list), so one rules file grades a company alike on both CRMs.
"""

import re
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from connector.domain.contact import IntentLevel, LeadSource
from connector.domain.engagement import EngagementKind
from connector.domain.outcomes import TaskPriority
from connector.domain.properties import PropertyType
from connector.domain.stages import LifecycleStage, SalesStatus

CrmName = Annotated[str, StringConstraints(min_length=1, pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$")]
CrmValues = Annotated[
    tuple[Annotated[str, StringConstraints(min_length=1)], ...], Field(min_length=1)
]
_TERM = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


def _compiles(pattern: str) -> str:
    """Refused where it is written, not when the first record reaches it."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"`matches` is not a valid regular expression: {exc}") from None
    return pattern


Regex = Annotated[str, Field(min_length=1), AfterValidator(_compiles)]


def _domain_term(value: str) -> str:
    """lower_snake_case, as the closed vocabularies: a term and the CRM's spelling of it can never
    be confused (nor two terms differ only in case)."""
    if not _TERM.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a domain term: write it in lower_snake_case (e.g. 'technology', "
            "'decision_maker') and list the CRM's own values under it"
        )
    return value


DomainTerm = Annotated[str, AfterValidator(_domain_term)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ContactField(StrEnum):
    """Domain fields of a person that a mapping file can point at a CRM field."""

    EMAIL = "email"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    JOB_TITLE = "job_title"
    INDUSTRY = "industry"
    SENIORITY = "seniority"
    DECISION_ROLE = "decision_role"
    COUNTRY = "country"
    REGION = "region"
    SOURCE = "source"
    INTENT = "intent"
    LIFECYCLE_STAGE = "lifecycle_stage"
    SALES_STATUS = "sales_status"
    OWNER_ID = "owner_id"
    COMPANY_ID = "company_id"
    BANT_BUDGET = "bant_budget"
    BANT_AUTHORITY = "bant_authority"
    BANT_NEED = "bant_need"
    BANT_TIMELINE = "bant_timeline"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    SCORE = "score"
    GRADE = "grade"
    SCORE_REASONS = "score_reasons"
    CONNECTOR_STAGE = "connector_stage"
    RECYCLED_AT = "recycled_at"


# The connector's own fields (`connector mappings provision` creates missing ones).
CONNECTOR_OWNED_FIELDS = (
    ContactField.SCORE,
    ContactField.GRADE,
    ContactField.SCORE_REASONS,
    ContactField.CONNECTOR_STAGE,
    ContactField.RECYCLED_AT,
)
# Without these the connector can neither identify people nor write its results back.
REQUIRED_CONTACT_FIELDS = (
    ContactField.EMAIL,
    ContactField.LIFECYCLE_STAGE,
    ContactField.OWNER_ID,
    *CONNECTOR_OWNED_FIELDS,
)


class CompanyField(StrEnum):
    NAME = "name"
    DOMAIN = "domain"
    INDUSTRY = "industry"
    EMPLOYEES = "employees"
    ANNUAL_REVENUE = "annual_revenue"
    COUNTRY = "country"
    REGION = "region"
    OWNER_ID = "owner_id"


class ValueMaps(_Strict):
    """Domain value -> the CRM values that mean it, per field. A CRM value no map lists is, for a
    stage, a record error (never overwrite a stage not understood); for a sales status, source or
    intent, unknown (None); an industry or decision role passes through trimmed (open text the
    rules compare case-insensitively, so a rule may name a value nobody mapped)."""

    lifecycle_stage: dict[LifecycleStage, CrmValues]
    sales_status: dict[SalesStatus, CrmValues] = {}
    source: dict[LeadSource, CrmValues] = {}
    intent: dict[IntentLevel, CrmValues] = {}
    industry: dict[DomainTerm, CrmValues] = {}
    decision_role: dict[DomainTerm, CrmValues] = {}

    @model_validator(mode="after")
    def _unambiguous(self) -> Self:
        for field in type(self).model_fields:
            seen: dict[str, str] = {}
            for domain_value, crm_values in getattr(self, field).items():
                for crm_value in crm_values:
                    key = crm_value.casefold()
                    if key in seen:
                        raise ValueError(
                            f"{field}: CRM value {crm_value!r} is listed under both "
                            f"{seen[key]!r} and {str(domain_value)!r}; "
                            "a CRM value can mean only one thing"
                        )
                    seen[key] = str(domain_value)
        return self


class MappedProperty(_Strict):
    """Where one CRM keeps a property the rules may name (`property:`) and its type: one shared
    name per fact on every CRM."""

    field: CrmName
    type: PropertyType


class PersonMapping(_Strict):
    """A CRM object holding people (a HubSpot contact, a Salesforce Lead or Contact); the
    adapters read `properties` (any field, custom ones included) into `Contact.properties`."""

    object: CrmName
    fields: dict[ContactField, CrmName]
    values: ValueMaps
    properties: dict[DomainTerm, MappedProperty] = {}

    @model_validator(mode="after")
    def _required_fields(self) -> Self:
        if missing := [f.value for f in REQUIRED_CONTACT_FIELDS if f not in self.fields]:
            raise ValueError(f"`fields` must map {', '.join(missing)}")
        return self


class TaskMapping(_Strict):
    object: CrmName
    key_field: CrmName = Field(description="where the task's idempotency key is stored")
    priority: dict[TaskPriority, str]
    status: str = Field(min_length=1, description="the status new tasks are created with")


class HubSpotCounter(_Strict):
    """A contact property counting an activity, and the one holding its latest date."""

    kind: EngagementKind
    count: CrmName
    date: CrmName


class HubSpotFlag(_Strict):
    """A yes/no contact property that records an event (e.g. opted out of all e-mail)."""

    kind: EngagementKind
    property: CrmName
    date: CrmName | None = None


class NamePattern(_Strict):
    matches: Regex
    kind: EngagementKind


class HubSpotConversion(_Strict):
    name: CrmName
    date: CrmName


class HubSpotConversions(_Strict):
    """Form submissions become engagement kinds by name (first match; else `default_kind`)."""

    properties: tuple[HubSpotConversion, ...] = ()
    names: tuple[NamePattern, ...] = ()
    default_kind: EngagementKind = EngagementKind.FORM_SUBMISSION


class HubSpotEngagement(_Strict):
    counters: tuple[HubSpotCounter, ...] = ()
    flags: tuple[HubSpotFlag, ...] = ()
    conversions: HubSpotConversions = HubSpotConversions()
    objects: dict[Literal["meetings", "calls", "emails", "notes"], EngagementKind] = {}


class HubSpotDeals(_Strict):
    won_stages: CrmValues = ("closedwon",)
    lost_stages: CrmValues = ("closedlost",)


class HubSpotMapping(_Strict):
    crm: Literal["hubspot"]
    property_group: CrmName = "connector"
    contact: PersonMapping
    company: dict[CompanyField, CrmName] = {}
    deals: HubSpotDeals = HubSpotDeals()
    engagement: HubSpotEngagement = HubSpotEngagement()
    tasks: TaskMapping

    @property
    def people(self) -> tuple[PersonMapping, ...]:
        return (self.contact,)


class SalesforceActivityRule(_Strict):
    """A Task or Event becomes an engagement kind when `field` matches the pattern."""

    field: CrmName = "Subject"
    matches: Regex
    kind: EngagementKind


class CampaignMemberRule(_Strict):
    campaign_type: str | None = None
    status: str = Field(min_length=1)
    kind: EngagementKind


class SalesforceCounter(_Strict):
    """How many times a person did something: a number field on the Lead and Contact, dated by
    their membership in the campaign the rule names. Salesforce keeps no row per web visit (a
    CampaignMember only says the person visited, and when first), so the count comes from a
    number field, as HubSpot's `hs_analytics_num_visits`. `times` multiplies (visits x page views
    per visit); an empty or 0 count is read by `campaign_members` instead."""

    kind: EngagementKind
    count: CrmName
    times: CrmName | None = None
    campaign_type: str | None = None
    status: str = Field(min_length=1)


class SalesforceFlag(_Strict):
    kind: EngagementKind
    field: CrmName
    date: CrmName | None = None


class SalesforceEngagement(_Strict):
    tasks: tuple[SalesforceActivityRule, ...] = ()
    events: tuple[SalesforceActivityRule, ...] = ()
    campaign_members: tuple[CampaignMemberRule, ...] = ()
    counters: tuple[SalesforceCounter, ...] = ()
    flags: tuple[SalesforceFlag, ...] = ()


class SalesforceMapping(_Strict):
    crm: Literal["salesforce"]
    lead: PersonMapping
    contact: PersonMapping
    account: dict[CompanyField, CrmName] = {}
    engagement: SalesforceEngagement = SalesforceEngagement()
    tasks: TaskMapping
    fire_assignment_rules: bool = Field(
        default=False, description="send the assignment-rule header when changing owners"
    )

    @property
    def people(self) -> tuple[PersonMapping, ...]:
        return (self.lead, self.contact)


CrmMapping = HubSpotMapping | SalesforceMapping
