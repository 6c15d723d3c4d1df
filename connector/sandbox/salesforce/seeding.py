"""Loading the neutral seed data into the emulated org, the way a Sales Cloud org would hold it.

A person is a Contact under an Account when sales works a deal with them (SQL stage and beyond,
or any deal) and, deterministically, for about a quarter of the other people with a company
(people past SQL without one get an "(Individual)" account); everyone else is an unconverted
Lead: about 60 % Leads overall. Deals become Opportunities with an OpportunityContactRole.
Engagement becomes completed Tasks on the person (WhoId), Events (meetings) and CampaignMembers
of Website / Content / Webinar / Event campaigns (catalogue.yaml `seeding` has the tables);
unsubscribes and spam reports set HasOptedOutOfEmail, bounces EmailBouncedDate. The dataset's
recorded outcome (`extra["converted"]`) is never loaded. Records go straight into the store
(valid by construction), which keeps a million-person seed to one pass over the seed stream.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from connector.domain.contact import Contact, DealStatus, IntentLevel, LeadSource
from connector.domain.engagement import Engagement, EngagementKind
from connector.domain.stages import LifecycleStage, SalesStatus
from connector.sandbox.common.data import keyed
from connector.sandbox.salesforce.catalogue import INDUSTRIES, seeding
from connector.sandbox.salesforce.schema import FieldType, PicklistValue
from connector.sandbox.salesforce.store import Store, Table
from connector.sandbox.salesforce.values import date_to_days, datetime_to_ms
from connector.sandbox.salesforce.writes import derive
from connector.sandbox.seed import SeedContact, SeedData
from connector.sandbox.seed.dataset import DATASET_PROPERTIES
from connector.sandbox.seed.spec import item_rng, opted_out

CONTACT_SHARE = 0.27  # of the not-yet-sales people with a company (about 40 % Contacts overall)
NOT_PROVIDED = "[not provided]"  # what Web-to-Lead stores when a form has no company

LEAD_SOURCE: dict[LeadSource, str] = keyed(LeadSource, seeding("lead_source"))
LEAD_STATUS: dict[SalesStatus, str] = keyed(SalesStatus, seeding("lead_status"))
RATING: dict[IntentLevel, str] = keyed(IntentLevel, seeding("rating"))
LIFECYCLE: dict[LifecycleStage, str] = keyed(LifecycleStage, seeding("lifecycle"))
BUYING_ROLE: dict[str, str] = dict(seeding("buying_role"))
#: Seed industry labels -> the standard Industry picklist.
INDUSTRY: dict[str, str] = dict(seeding("industry"))
_DOWNSTREAM = frozenset(map(LifecycleStage, seeding("contact_stages")))
_CONTACT_FIELDS: dict[str, str | None] = seeding("contact_fields")
OPEN_STAGES: tuple[tuple[str, int], ...] = tuple(tuple(row) for row in seeding("open_stages"))
CLOSED_STAGES: dict[DealStatus, tuple[str, int]] = {
    DealStatus(status): tuple(row) for status, row in seeding("closed_stages").items()
}
BOUNCE_REASON = "550 5.1.1 The email account that you tried to reach does not exist"
#: Campaign member statuses ranked so a stronger response replaces a weaker one.
_STATUS_RANK: dict[str, int] = dict(seeding("member_status_rank"))
#: engagement kind -> (Task subject prefix, TaskSubtype, Type, Priority)
_TASKS: dict[EngagementKind, tuple[str, str, str, str]] = {
    EngagementKind(kind): tuple(row) for kind, row in seeding("tasks").items()
}
#: engagement kind -> (campaign Type, member Status)
_MEMBERSHIPS: dict[EngagementKind, tuple[str, str]] = {
    EngagementKind(kind): tuple(row) for kind, row in seeding("memberships").items()
}
_CAMPAIGN_NAMES: dict[EngagementKind, tuple[str, str]] = keyed(
    EngagementKind, seeding("campaign_names"), tuple
)
_DAY_MS = 86_400_000


def industry(label: str | None) -> str | None:
    if label is None or label in INDUSTRIES:
        return label
    return INDUSTRY.get(label, "Other")


def _campaign_name(kind: EngagementKind, detail: str | None) -> str:
    named, unnamed = _CAMPAIGN_NAMES.get(kind, ("{detail}", kind.value.replace("_", " ").title()))
    return str(named).format(detail=detail) if detail else str(unnamed)


@dataclass
class SeedSummary:
    leads: int = 0
    contacts: int = 0
    opportunities: int = 0
    tasks: int = 0
    owner_ids: dict[str, str] = field(default_factory=dict)  # seed owner id -> User id


class SalesforceSeeder:
    def __init__(
        self,
        store: Store,
        data: SeedData,
        integration_user_id: str,
        provision_connector_fields: bool,
    ) -> None:
        self.store = store
        self.data = data
        self.spec = data.spec
        self.admin = integration_user_id
        #: Who created and last modified the seeded history. Not the integration user: in a
        #: real org the connector did not write that history (web forms, imports and reps
        #: did), and the connector's incremental read leaves out what its own user modified
        #: last (LastModifiedById). Salesforce's own "Automated Process" user stands in.
        self.author = integration_user_id
        self.provision = provision_connector_fields
        self.summary = SeedSummary()
        self._accounts: dict[str, str] = {}  # seed company id -> Account id
        self._campaigns: dict[tuple[str, str], str] = {}
        self._t: dict[str, Table] = store.tables

    # -- helpers --------------------------------------------------------------------------------
    def _insert(
        self,
        object_name: str,
        values: dict[str, Any],
        created: datetime,
        modified: datetime | None = None,
    ) -> str:
        """Insert a record written by `self.author` (valid by construction, its derived fields
        computed as an API insert at its CreatedDate would); its id."""
        created_ms = datetime_to_ms(created)
        modified_ms = datetime_to_ms(modified) if modified is not None else created_ms
        values.update(CreatedDate=created_ms, CreatedById=self.author)
        values.update(dict.fromkeys(("LastModifiedDate", "SystemModstamp"), modified_ms))
        values["LastModifiedById"] = self.author
        table = self._t[object_name]
        derive(table, None, values, created_ms)
        return table.ids[table.insert(values)]

    def _user(self, email: str, name: str, **values: Any) -> str:
        first, _, last = name.partition(" ")
        last = last or first
        alias = values.pop("Alias", None) or (first[:1] + last[:4]).lower() or "user"
        since = self.spec.now - timedelta(days=self.spec.history_days * 2)
        person = {"Username": email, "FirstName": first, "LastName": last, "Email": email}
        return self._insert("User", {**person, "Alias": alias, **values}, since)

    def _owner(self, seed_owner: str | None) -> str:
        return self.summary.owner_ids.get(seed_owner or "", self.admin)

    # -- the run --------------------------------------------------------------------------------
    def run(self) -> SeedSummary:
        with self.store.lock:
            self._dataset_fields()
            self._users()
            for index, seeded in enumerate(self.data.contacts()):
                self._person(index, seeded)
        return self.summary

    def _dataset_fields(self) -> None:
        """Give the dataset's picklist fields (present in every emulated org, on Lead and
        Contact) the values the file holds, as an admin would before importing it."""
        objects = self.store.objects
        for prop, values in self.data.picklist_options().items():
            for definition, api_name in (
                (objects["Lead"], prop.salesforce_lead),
                (objects["Contact"], prop.salesforce_contact),
            ):
                existing = definition.field(api_name)
                if existing is not None and existing.type is FieldType.PICKLIST:
                    updated = replace(existing, picklist=tuple(map(PicklistValue, values)))
                    definition.fields[definition.fields.index(existing)] = updated
                    definition.reindex()

    def _users(self) -> None:
        automated = {"Alias": "autoproc", "IsActive": True, "UserType": "AutomatedProcess"}
        self.author = self._user(
            "autoproc@connector-sandbox.example", "Automated Process", **automated
        )
        for owner in self.data.owners:
            email = owner.email or f"{owner.id}@connector-sandbox.example"
            name = owner.name or "Sandbox Owner"
            user_id = self._user(email, name, IsActive=owner.active, UserType="Standard")
            self.summary.owner_ids[owner.id] = user_id

    def _person(self, index: int, seeded: SeedContact) -> None:
        contact = seeded.contact
        as_contact = (
            contact.lifecycle_stage in _DOWNSTREAM
            or bool(contact.deals)
            or (
                contact.company is not None
                and item_rng(self.spec.seed, "salesforce-person", index).random() < CONTACT_SHARE
            )
        )
        created = contact.created_at or self.spec.now
        modified = contact.updated_at or created
        owner = self._owner(contact.owner_id)
        person = self._person_values(contact, seeded.extra, seeded.properties)
        engagements = seeded.engagements
        bounces = [e.occurred_at for e in engagements if e.kind == EngagementKind.EMAIL_BOUNCE]
        last_activity = max((e.occurred_at for e in engagements), default=None)
        person["HasOptedOutOfEmail"] = opted_out(engagements)
        if bounces:
            person["EmailBouncedDate"] = datetime_to_ms(bounces[-1])
            person["EmailBouncedReason"] = BOUNCE_REASON
        if last_activity is not None:
            person["LastActivityDate"] = date_to_days(last_activity.date())
        person["OwnerId"] = owner

        if as_contact:
            account_id = self._account_for(contact, seeded.extra, owner, created)
            renamed = ((_CONTACT_FIELDS.get(name, name), value) for name, value in person.items())
            person = {name: value for name, value in renamed if name is not None}
            person["AccountId"] = account_id
            person_id = self._insert("Contact", person, created, modified)
            self.summary.contacts += 1
            self._deals(index, contact, person_id, account_id, owner, created)
        else:
            person_id = self._insert("Lead", person, created, modified)
            self.summary.leads += 1
        self._engagements(engagements, person_id, as_contact, owner)

    def _person_values(
        self, contact: Contact, extra: dict[str, str], properties: Mapping[str, Any]
    ) -> dict[str, Any]:
        company = contact.company
        values: dict[str, Any] = {
            "FirstName": contact.first_name,
            "LastName": contact.last_name or NOT_PROVIDED,
            "Email": contact.email,
            "Title": contact.job_title[:128] if contact.job_title else None,
            "Country": contact.country,
            "City": extra.get("city"),
            "Phone": extra.get("phone"),
            "LeadSource": LEAD_SOURCE[contact.source] if contact.source else None,
            "Company": (company.name if company else None) or NOT_PROVIDED,
            "Industry": industry(company.industry if company else extra.get("industry")),
            "NumberOfEmployees": company.employees if company else None,
            "AnnualRevenue": company.annual_revenue if company else None,
            "Website": f"https://www.{company.domain}" if company and company.domain else None,
            "Status": self._lead_status(contact),
            "Rating": RATING[contact.intent] if contact.intent else None,
            "Buying_Role__c": BUYING_ROLE.get(contact.decision_role or ""),
        }
        for part in ("budget", "authority", "need", "timeline"):
            values[f"{part.title()}_Confirmed__c"] = bool(getattr(contact.bant, part))
        for prop in DATASET_PROPERTIES:
            # Dataset columns, in the Lead's fields (Contact's City moves to MailingCity below).
            # The e-mail opt-out is set from the engagement history by the caller.
            value = properties.get(prop.name)
            if value is not None and prop.name != "do_not_email":
                values[prop.salesforce_lead] = value
        if self.provision and contact.lifecycle_stage is not None:
            values["Lifecycle_Stage__c"] = LIFECYCLE[contact.lifecycle_stage]
        return values

    @staticmethod
    def _lead_status(contact: Contact) -> str:
        if contact.sales_status is not None:
            return LEAD_STATUS[contact.sales_status]
        if contact.lifecycle_stage == LifecycleStage.OTHER:
            return "Closed - Not Converted"
        return "Open - Not Contacted"

    def _account_for(
        self, contact: Contact, extra: dict[str, str], owner: str, created: datetime
    ) -> str:
        company = contact.company
        key = company.id if company is not None else f"individual:{contact.id}"
        found = self._accounts.get(key)
        if found is not None:
            return found
        if company is None:
            name = " ".join(p for p in (contact.first_name, contact.last_name) if p) or "Unknown"
            # The Account lead conversion would have made: the standard mapping carries
            # Lead.Industry to Account.Industry (convertLead(): "The system automatically maps
            # standard lead fields to standard account, contact, and opportunity fields"), and
            # Contact has no Industry field of its own.
            values: dict[str, Any] = {
                "Name": f"{name} (Individual)",
                "Type": "Prospect",
                "Industry": industry(extra.get("industry")),
                "BillingCountry": contact.country,
                "OwnerId": owner,
            }
        else:
            values = {
                "Name": (company.name or NOT_PROVIDED)[:255],
                "Website": f"https://www.{company.domain}" if company.domain else None,
                "Industry": industry(company.industry),
                "NumberOfEmployees": company.employees,
                "AnnualRevenue": company.annual_revenue,
                "BillingCountry": company.country,
                "Type": "Prospect",
                "OwnerId": self._owner(company.owner_id),
            }
        account_id = self._insert("Account", values, created - timedelta(days=1))
        self._accounts[key] = account_id
        return account_id

    def _deals(
        self,
        index: int,
        contact: Contact,
        contact_id: str,
        account_id: str,
        owner: str,
        created: datetime,
    ) -> None:
        if not contact.deals:
            return
        rng = item_rng(self.spec.seed, "salesforce-deals", index)
        accounts = self._t["Account"]
        account_row = accounts.row_of[account_id]
        account_name = accounts.get(account_row, "Name")
        now = self.spec.now
        for number, deal in enumerate(contact.deals, start=1):
            stage, probability = CLOSED_STAGES.get(deal.status) or rng.choice(OPEN_STAGES)
            closed = deal.closed_at
            if closed is not None:
                close_date = closed.date()
                opened = max(created, closed - timedelta(days=rng.randint(14, 90)))
                modified = closed
            else:
                close_date = (now + timedelta(days=rng.randint(10, 120))).date()
                opened = max(created, now - timedelta(days=rng.randint(5, 60)))
                modified = opened
            label = "New Business" if number == 1 else f"Deal {number}"
            values: dict[str, Any] = {
                "AccountId": account_id,
                "ContactId": contact_id,
                "Name": f"{account_name} - {label}"[:120],
                "StageName": stage,
                "Probability": float(probability),
                "Amount": deal.amount,
                "CloseDate": date_to_days(close_date),
                "Type": "New Business" if number == 1 else "Existing Business",
                "LeadSource": LEAD_SOURCE[contact.source] if contact.source else None,
                "OwnerId": owner,
            }
            opportunity_id = self._insert("Opportunity", values, opened, modified)
            self.summary.opportunities += 1
            decides = contact.decision_role == "decision_maker"
            role = {"Role": "Decision Maker" if decides else "Business User", "IsPrimary": True}
            link = {"OpportunityId": opportunity_id, "ContactId": contact_id}
            self._insert("OpportunityContactRole", {**link, **role}, opened)
            if deal.status == DealStatus.WON:
                accounts.update(account_row, {"Type": "Customer - Direct"})

    def _engagements(
        self, engagements: list[Engagement], person_id: str, as_contact: bool, owner: str
    ) -> None:
        members: dict[str, tuple[str, datetime]] = {}  # campaign id -> (status, first time)
        for engagement in engagements:
            kind = engagement.kind
            at = engagement.occurred_at
            at_ms = datetime_to_ms(at)
            if kind in _TASKS:
                prefix, subtype, type_, priority = _TASKS[kind]
                detailed = engagement.detail and subtype == "Email"
                subject = f"{prefix} {engagement.detail}" if detailed else prefix
                task: dict[str, Any] = {
                    "WhoId": person_id,
                    "Subject": subject[:255],
                    "ActivityDate": at_ms // _DAY_MS,
                    "Status": "Completed",
                    "Priority": priority,
                    "TaskSubtype": subtype,
                    "Type": type_,
                    "OwnerId": owner,
                }
                if engagement.quantity > 1:
                    task["Description"] = f"Count: {engagement.quantity}"
                self._insert("Task", task, at)
                self.summary.tasks += 1
            elif kind == EngagementKind.MEETING_BOOKED:
                self._insert(
                    "Event",
                    {
                        "WhoId": person_id,
                        "Subject": "Meeting",
                        "StartDateTime": at_ms,
                        "DurationInMinutes": 30,
                        "Type": "Meeting",
                        "OwnerId": owner,
                    },
                    at,
                )
            elif kind in _MEMBERSHIPS:
                campaign_type, status = _MEMBERSHIPS[kind]
                campaign_id = self._campaign(campaign_type, _campaign_name(kind, engagement.detail))
                previous = members.get(campaign_id)
                if previous is None:
                    members[campaign_id] = (status, at)
                elif _STATUS_RANK[status] > _STATUS_RANK[previous[0]]:
                    members[campaign_id] = (status, previous[1])
        person_field = "ContactId" if as_contact else "LeadId"
        for campaign_id, (status, first) in members.items():
            member = {"CampaignId": campaign_id, person_field: person_id, "Status": status}
            self._insert("CampaignMember", member, first)

    def _campaign(self, campaign_type: str, name: str) -> str:
        key = (campaign_type, name)
        found = self._campaigns.get(key)
        if found is not None:
            return found
        start = self.spec.now - timedelta(days=self.spec.history_days * 2)
        campaign_id = self._insert(
            "Campaign",
            {
                "Name": name[:80],
                "Type": campaign_type,
                "Status": "In Progress",
                "IsActive": True,
                "StartDate": date_to_days(start.date()),
                "OwnerId": self.admin,
            },
            start,
        )
        self._campaigns[key] = campaign_id
        return campaign_id
