"""The sobjects of the emulated org: standard fields as a Sales Cloud org has them, the customer's
custom fields, and - when provisioned - the connector's own custom fields.

Names, types, lengths and standard picklist values follow Salesforce's Object Reference (Lead,
Contact, Account, Opportunity, OpportunityContactRole, Task, Event, Campaign, CampaignMember,
User). Picklist values the connector needs but a default org lacks (lead sources for the domain's
channels, campaign types and member statuses for engagement) are added the way an admin would add
them. Polymorphic lookups (Lead.OwnerId, Task.WhoId, ...) reference several objects and therefore
resolve to the `Name` pseudo-object in SOQL relationship paths, as on Salesforce.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from connector.sandbox.salesforce.schema import FieldDef, FieldType, ObjectDef, PicklistValue
from connector.sandbox.seed.dataset_properties import DATASET_PROPERTIES

T = FieldType

INDUSTRIES = (
    "Agriculture",
    "Apparel",
    "Banking",
    "Biotechnology",
    "Chemicals",
    "Communications",
    "Construction",
    "Consulting",
    "Education",
    "Electronics",
    "Energy",
    "Engineering",
    "Entertainment",
    "Environmental",
    "Finance",
    "Food & Beverage",
    "Government",
    "Healthcare",
    "Hospitality",
    "Insurance",
    "Machinery",
    "Manufacturing",
    "Media",
    "Not For Profit",
    "Recreation",
    "Retail",
    "Shipping",
    "Technology",
    "Telecommunications",
    "Transportation",
    "Utilities",
    "Other",
)
# Standard values first, then the values added for the connector's domain channels.
LEAD_SOURCES = (
    "Web",
    "Phone Inquiry",
    "Partner Referral",
    "Purchased List",
    "Other",
    "Organic Search",
    "Paid Search",
    "Social",
    "Paid Social",
    "Email",
    "Event",
    "Chat",
    "Referral",
    "Partner",
    "Direct",
)
LEAD_STATUSES = (
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
    "Nurturing",
)
RATINGS = ("Hot", "Warm", "Cold")
SALUTATIONS = ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.")
OPPORTUNITY_STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
)
ACCOUNT_TYPES = (
    "Prospect",
    "Customer - Direct",
    "Customer - Channel",
    "Channel Partner / Reseller",
    "Installation Partner",
    "Technology Partner",
    "Other",
)
TASK_STATUSES = ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")
TASK_PRIORITIES = ("High", "Normal", "Low")
TASK_SUBTYPES = ("Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn")
ACTIVITY_TYPES = ("Call", "Email", "Meeting", "Other")
CAMPAIGN_TYPES = (
    "Conference",
    "Webinar",
    "Trade Show",
    "Public Relations",
    "Partners",
    "Referral Program",
    "Advertisement",
    "Banner Ads",
    "Direct Mail",
    "Email",
    "Telemarketing",
    "Other",
    "Content",
    "Website",
    "Event",
)
CAMPAIGN_STATUSES = ("Planned", "In Progress", "Completed", "Aborted")
# Member statuses; the ones marked as responded set HasResponded, as the campaign's member status
# settings ("Responded" checkbox) do on Salesforce.
MEMBER_STATUSES = ("Sent", "Responded", "Registered", "Attended", "Downloaded", "Visited")
RESPONDED_MEMBER_STATUSES = frozenset(
    {"Responded", "Registered", "Attended", "Downloaded", "Visited"}
)
LIFECYCLE_STAGES = (
    "Subscriber",
    "Lead",
    "MQL",
    "SQL",
    "Opportunity",
    "Customer",
    "Evangelist",
    "Other",
)
BUYING_ROLES = (
    "Decision Maker",
    "Economic Buyer",
    "Technical Buyer",
    "Influencer",
    "Champion",
    "End User",
    "Other",
)
CONTACT_ROLES = (
    "Business User",
    "Decision Maker",
    "Economic Buyer",
    "Economic Decision Maker",
    "Evaluator",
    "Executive Sponsor",
    "Influencer",
    "Technical Buyer",
    "Other",
)
USER_TYPES = (
    "Standard",
    "PowerPartner",
    "CspLitePortal",
    "CustomerSuccess",
    "PowerCustomerSuccess",
    "AutomatedProcess",
)

LONG_TEXT_LENGTH = 32768


def _values(values: Iterable[str], default: str | None = None) -> tuple[PicklistValue, ...]:
    return tuple(PicklistValue(value, default=value == default) for value in values)


def text(name: str, label: str, length: int = 255, **extra: Any) -> FieldDef:
    return FieldDef(name, label, T.STRING, length=length, **extra)


def typed(name: str, label: str, type_: FieldType, length: int = 0, **extra: Any) -> FieldDef:
    return FieldDef(name, label, type_, length=length, **extra)


def long_text(name: str, label: str, length: int = LONG_TEXT_LENGTH, **extra: Any) -> FieldDef:
    """Long text areas can be neither filtered nor sorted in SOQL."""
    return FieldDef(
        name,
        label,
        T.TEXTAREA,
        length=length,
        filterable=False,
        sortable=False,
        groupable=False,
        extra_type_info="plaintextarea",
        **extra,
    )


def picklist(
    name: str,
    label: str,
    values: Iterable[str],
    default: str | None = None,
    restricted: bool = False,
    **extra: Any,
) -> FieldDef:
    return FieldDef(
        name,
        label,
        T.PICKLIST,
        length=255,
        picklist=_values(values, default),
        restricted_picklist=restricted,
        defaulted_on_create=default is not None or extra.pop("defaulted_on_create", False),
        default_value=default,
        **extra,
    )


def checkbox(name: str, label: str, **extra: Any) -> FieldDef:
    extra.setdefault("default_value", False)
    return FieldDef(
        name, label, T.BOOLEAN, nillable=False, defaulted_on_create=True, groupable=True, **extra
    )


def number(name: str, label: str, precision: int = 18, scale: int = 0, **extra: Any) -> FieldDef:
    return FieldDef(name, label, T.DOUBLE, precision=precision, scale=scale, **extra)


def currency(name: str, label: str, precision: int = 18, scale: int = 0) -> FieldDef:
    return FieldDef(name, label, T.CURRENCY, precision=precision, scale=scale)


def integer(name: str, label: str, digits: int = 8) -> FieldDef:
    return FieldDef(name, label, T.INT, digits=digits)


def reference(
    name: str,
    label: str,
    targets: Iterable[str],
    relationship: str,
    **extra: Any,
) -> FieldDef:
    return FieldDef(
        name,
        label,
        T.REFERENCE,
        length=18,
        reference_to=tuple(targets),
        relationship_name=relationship,
        **extra,
    )


def _readonly(**extra: Any) -> dict[str, Any]:
    return {"createable": False, "updateable": False, **extra}


def id_field(object_label: str) -> FieldDef:
    return FieldDef(
        "Id",
        f"{object_label} ID",
        T.ID,
        length=18,
        nillable=False,
        defaulted_on_create=True,
        id_lookup=True,
        groupable=True,
        **_readonly(),
    )


def audit_fields(deletable: bool = True) -> list[FieldDef]:
    """The system fields every standard object carries (User has no IsDeleted)."""
    fields = [
        FieldDef(
            "CreatedDate",
            "Created Date",
            T.DATETIME,
            nillable=False,
            defaulted_on_create=True,
            groupable=False,
            **_readonly(),
        ),
        reference(
            "CreatedById",
            "Created By ID",
            ["User"],
            "CreatedBy",
            nillable=False,
            defaulted_on_create=True,
            **_readonly(),
        ),
        FieldDef(
            "LastModifiedDate",
            "Last Modified Date",
            T.DATETIME,
            nillable=False,
            defaulted_on_create=True,
            groupable=False,
            **_readonly(),
        ),
        reference(
            "LastModifiedById",
            "Last Modified By ID",
            ["User"],
            "LastModifiedBy",
            nillable=False,
            defaulted_on_create=True,
            **_readonly(),
        ),
        FieldDef(
            "SystemModstamp",
            "System Modstamp",
            T.DATETIME,
            nillable=False,
            defaulted_on_create=True,
            groupable=False,
            **_readonly(),
        ),
    ]
    if deletable:
        fields.insert(0, checkbox("IsDeleted", "Deleted", **_readonly()))
    return fields


def owner_field(targets: Iterable[str] = ("User",)) -> FieldDef:
    return reference(
        "OwnerId", "Owner ID", targets, "Owner", nillable=False, defaulted_on_create=True
    )


def _full_name(get: Callable[[str], Any]) -> str | None:
    parts = [get("FirstName"), get("LastName")]
    joined = " ".join(part for part in parts if part)
    return joined or None


def full_name_field() -> FieldDef:
    return FieldDef(
        "Name",
        "Full Name",
        T.STRING,
        length=121,
        name_field=True,
        formula=_full_name,
        **_readonly(),
    )


def _person_custom_fields() -> list[FieldDef]:
    """Fields the customer added to Lead and Contact (BANT and buying role); always present."""
    return [
        checkbox("Budget_Confirmed__c", "Budget Confirmed", custom=True),
        checkbox("Authority_Confirmed__c", "Authority Confirmed", custom=True),
        checkbox("Need_Confirmed__c", "Need Confirmed", custom=True),
        checkbox("Timeline_Confirmed__c", "Timeline Confirmed", custom=True),
        picklist("Buying_Role__c", "Buying Role", BUYING_ROLES, restricted=True, custom=True),
    ]


def dataset_fields(object_name: str) -> list[FieldDef]:
    """The X Education columns' custom fields (seed/dataset_properties.py) on Lead or Contact:
    the emulated org is one that imported that file, so they exist (empty) in every mode, as
    BANT does; dataset seeding fills the picklists' values from the file."""
    return [
        dataset_field(
            prop.salesforce_lead if object_name == "Lead" else prop.salesforce_contact,
            prop.label,
            prop.type.value,
            record_id=prop.name == "dataset_record_id",
        )
        for prop in DATASET_PROPERTIES
        if not prop.salesforce_standard
    ]


def dataset_field(
    name: str, label: str, kind: str, options: Iterable[str] = (), *, record_id: bool = False
) -> FieldDef:
    """A custom Lead/Contact field as an admin creates it for an imported column: `kind` is the
    seed's property type (number -> Number(18, 2), text -> Text(255), picklist -> an
    unrestricted Picklist of the file's values, bool -> Checkbox). The file's record id is a
    unique External ID, so a re-import can upsert by it."""
    if kind == "number":
        return number(name, label, 18, 2, custom=True)
    if kind == "picklist":
        return picklist(name, label, options, custom=True)
    if kind == "bool":
        return checkbox(name, label, custom=True)
    if record_id:
        return text(name, label, 64, custom=True, external_id=True, unique=True, id_lookup=True)
    return text(name, label, 255, custom=True)


def connector_person_fields() -> list[FieldDef]:
    """The connector's own fields on Lead and Contact (present when provisioned)."""
    return [
        number("Connector_Score__c", "Connector Score", 18, 0, custom=True),
        text("Connector_Grade__c", "Connector Grade", 10, custom=True),
        long_text("Connector_Score_Reasons__c", "Connector Score Reasons", custom=True),
        picklist(
            "Lifecycle_Stage__c", "Lifecycle Stage", LIFECYCLE_STAGES, restricted=True, custom=True
        ),
        text("Connector_Stage__c", "Connector Stage", 40, custom=True),
        typed("Connector_Recycled_At__c", "Connector Recycled At", T.DATETIME, custom=True),
    ]


def connector_task_fields() -> list[FieldDef]:
    """The connector's idempotency key on Task: Text(80), External ID, Unique."""
    return [
        text(
            "Connector_Task_Key__c",
            "Connector Task Key",
            80,
            custom=True,
            external_id=True,
            unique=True,
            id_lookup=True,
        )
    ]


def _address(prefix: str, label: str) -> list[FieldDef]:
    return [
        typed(f"{prefix}Street", f"{label} Street", T.TEXTAREA, 255),
        text(f"{prefix}City", f"{label} City", 40),
        text(f"{prefix}State", f"{label} State/Province", 80),
        text(f"{prefix}PostalCode", f"{label} Zip/Postal Code", 20),
        text(f"{prefix}Country", f"{label} Country", 80),
    ]


def lead() -> ObjectDef:
    fields = [
        id_field("Lead"),
        text("LastName", "Last Name", 80, nillable=False),
        text("FirstName", "First Name", 40),
        picklist("Salutation", "Salutation", SALUTATIONS),
        full_name_field(),
        text("Title", "Title", 128),
        text("Company", "Company", 255, nillable=False),
        typed("Street", "Street", T.TEXTAREA, 255),
        text("City", "City", 40),
        text("State", "State/Province", 80),
        text("PostalCode", "Zip/Postal Code", 20),
        text("Country", "Country", 80),
        typed("Phone", "Phone", T.PHONE, 40),
        typed("MobilePhone", "Mobile Phone", T.PHONE, 40),
        typed("Email", "Email", T.EMAIL, 80, id_lookup=True),
        typed("Website", "Website", T.URL, 255),
        long_text("Description", "Description", 32000),
        picklist("LeadSource", "Lead Source", LEAD_SOURCES),
        picklist("Status", "Status", LEAD_STATUSES, default="Open - Not Contacted", nillable=False),
        picklist("Industry", "Industry", INDUSTRIES),
        picklist("Rating", "Rating", RATINGS),
        currency("AnnualRevenue", "Annual Revenue"),
        integer("NumberOfEmployees", "Employees"),
        owner_field(("Group", "User")),
        checkbox("HasOptedOutOfEmail", "Email Opt Out"),
        checkbox("DoNotCall", "Do Not Call"),
        checkbox("IsConverted", "Converted", **_readonly()),
        typed("ConvertedDate", "Converted Date", T.DATE, **_readonly()),
        reference(
            "ConvertedAccountId",
            "Converted Account ID",
            ["Account"],
            "ConvertedAccount",
            **_readonly(),
        ),
        reference(
            "ConvertedContactId",
            "Converted Contact ID",
            ["Contact"],
            "ConvertedContact",
            **_readonly(),
        ),
        reference(
            "ConvertedOpportunityId",
            "Converted Opportunity ID",
            ["Opportunity"],
            "ConvertedOpportunity",
            **_readonly(),
        ),
        checkbox("IsUnreadByOwner", "Unread By Owner"),
        *audit_fields(),
        typed("LastActivityDate", "Last Activity", T.DATE, **_readonly()),
        text("EmailBouncedReason", "Email Bounced Reason", 255),
        typed("EmailBouncedDate", "Email Bounced Date", T.DATETIME),
        *_person_custom_fields(),
        *dataset_fields("Lead"),
    ]
    return ObjectDef("Lead", "Lead", "Leads", "00Q", fields)


def contact() -> ObjectDef:
    fields = [
        id_field("Contact"),
        reference("AccountId", "Account ID", ["Account"], "Account"),
        text("LastName", "Last Name", 80, nillable=False),
        text("FirstName", "First Name", 40),
        picklist("Salutation", "Salutation", SALUTATIONS),
        full_name_field(),
        *_address("Mailing", "Mailing"),
        typed("Phone", "Business Phone", T.PHONE, 40),
        typed("MobilePhone", "Mobile Phone", T.PHONE, 40),
        typed("Email", "Email", T.EMAIL, 80, id_lookup=True),
        text("Title", "Title", 128),
        text("Department", "Department", 80),
        picklist("LeadSource", "Lead Source", LEAD_SOURCES),
        typed("Birthdate", "Birthdate", T.DATE),
        long_text("Description", "Contact Description", 32000),
        owner_field(),
        checkbox("HasOptedOutOfEmail", "Email Opt Out"),
        checkbox("DoNotCall", "Do Not Call"),
        *audit_fields(),
        typed("LastActivityDate", "Last Activity", T.DATE, **_readonly()),
        text("EmailBouncedReason", "Email Bounced Reason", 255),
        typed("EmailBouncedDate", "Email Bounced Date", T.DATETIME),
        *_person_custom_fields(),
        *dataset_fields("Contact"),
    ]
    return ObjectDef("Contact", "Contact", "Contacts", "003", fields)


def account() -> ObjectDef:
    fields = [
        id_field("Account"),
        text("Name", "Account Name", 255, nillable=False, name_field=True),
        picklist("Type", "Account Type", ACCOUNT_TYPES),
        reference("ParentId", "Parent Account ID", ["Account"], "Parent"),
        *_address("Billing", "Billing"),
        typed("Phone", "Account Phone", T.PHONE, 40),
        typed("Website", "Website", T.URL, 255),
        picklist("Industry", "Industry", INDUSTRIES),
        currency("AnnualRevenue", "Annual Revenue"),
        integer("NumberOfEmployees", "Employees"),
        long_text("Description", "Account Description", 32000),
        picklist("Rating", "Account Rating", RATINGS),
        owner_field(),
        *audit_fields(),
        typed("LastActivityDate", "Last Activity", T.DATE, **_readonly()),
    ]
    return ObjectDef("Account", "Account", "Accounts", "001", fields)


def opportunity() -> ObjectDef:
    fields = [
        id_field("Opportunity"),
        reference("AccountId", "Account ID", ["Account"], "Account"),
        reference("ContactId", "Contact ID", ["Contact"], "Contact"),
        text("Name", "Name", 120, nillable=False, name_field=True),
        long_text("Description", "Description", 32000),
        picklist("StageName", "Stage", OPPORTUNITY_STAGES, nillable=False),
        currency("Amount", "Amount"),
        FieldDef("Probability", "Probability (%)", T.PERCENT, precision=3, scale=0),
        typed("CloseDate", "Close Date", T.DATE, nillable=False),
        picklist("Type", "Opportunity Type", ("Existing Business", "New Business")),
        picklist("LeadSource", "Lead Source", LEAD_SOURCES),
        checkbox("IsClosed", "Closed", **_readonly()),
        checkbox("IsWon", "Won", **_readonly()),
        reference("CampaignId", "Campaign ID", ["Campaign"], "Campaign"),
        owner_field(),
        *audit_fields(),
        typed("LastActivityDate", "Last Activity", T.DATE, **_readonly()),
    ]
    return ObjectDef("Opportunity", "Opportunity", "Opportunities", "006", fields)


def opportunity_contact_role() -> ObjectDef:
    fields = [
        id_field("Opportunity Contact Role"),
        reference(
            "OpportunityId",
            "Opportunity ID",
            ["Opportunity"],
            "Opportunity",
            nillable=False,
            updateable=False,
        ),
        reference("ContactId", "Contact ID", ["Contact"], "Contact", nillable=False),
        picklist("Role", "Role", CONTACT_ROLES),
        checkbox("IsPrimary", "Primary"),
        *audit_fields(),
    ]
    return ObjectDef(
        "OpportunityContactRole",
        "Opportunity Contact Role",
        "Opportunity Contact Role",
        "00K",
        fields,
    )


def _activity_common() -> list[FieldDef]:
    return [
        reference("WhoId", "Name ID", ["Contact", "Lead"], "Who"),
        reference("WhatId", "Related To ID", ["Account", "Campaign", "Opportunity"], "What"),
        FieldDef("Subject", "Subject", T.COMBOBOX, length=255),
        typed("ActivityDate", "Due Date Only", T.DATE),
        long_text("Description", "Description", 32000),
        picklist("Type", "Type", ACTIVITY_TYPES),
        owner_field(("Group", "User")),
    ]


def task() -> ObjectDef:
    fields = [
        id_field("Activity"),
        *_activity_common(),
        picklist("Status", "Status", TASK_STATUSES, default="Not Started", nillable=False),
        picklist("Priority", "Priority", TASK_PRIORITIES, default="Normal", nillable=False),
        checkbox("IsClosed", "Closed", **_readonly()),
        picklist("TaskSubtype", "Task Subtype", TASK_SUBTYPES, updateable=False),
        typed("CompletedDateTime", "Completed Date/Time", T.DATETIME, **_readonly()),
        *audit_fields(),
    ]
    return ObjectDef("Task", "Task", "Tasks", "00T", fields)


def event() -> ObjectDef:
    fields = [
        id_field("Activity"),
        *_activity_common(),
        text("Location", "Location", 255),
        typed("StartDateTime", "Start Date Time", T.DATETIME),
        typed("EndDateTime", "End Date Time", T.DATETIME),
        typed("ActivityDateTime", "Due Date Time", T.DATETIME),
        FieldDef("DurationInMinutes", "Duration", T.INT, digits=8),
        checkbox("IsAllDayEvent", "All-Day Event"),
        *audit_fields(),
    ]
    return ObjectDef("Event", "Event", "Events", "00U", fields)


def campaign() -> ObjectDef:
    fields = [
        id_field("Campaign"),
        text("Name", "Name", 80, nillable=False, name_field=True),
        reference("ParentId", "Parent Campaign ID", ["Campaign"], "Parent"),
        picklist("Type", "Type", CAMPAIGN_TYPES),
        picklist("Status", "Status", CAMPAIGN_STATUSES),
        typed("StartDate", "Start Date", T.DATE),
        typed("EndDate", "End Date", T.DATE),
        checkbox("IsActive", "Active"),
        long_text("Description", "Description", 32000),
        owner_field(),
        *audit_fields(),
    ]
    return ObjectDef("Campaign", "Campaign", "Campaigns", "701", fields)


def campaign_member() -> ObjectDef:
    fields = [
        id_field("Campaign Member"),
        reference(
            "CampaignId", "Campaign ID", ["Campaign"], "Campaign", nillable=False, updateable=False
        ),
        reference("LeadId", "Lead ID", ["Lead"], "Lead", updateable=False),
        reference("ContactId", "Contact ID", ["Contact"], "Contact", updateable=False),
        picklist("Status", "Status", MEMBER_STATUSES, default="Sent"),
        checkbox("HasResponded", "Responded", **_readonly()),
        typed("FirstRespondedDate", "First Responded Date", T.DATE, **_readonly()),
        reference(
            "LeadOrContactId",
            "Lead or Contact ID",
            ["Contact", "Lead"],
            "LeadOrContact",
            **_readonly(),
        ),
        picklist("Type", "Type", ("Lead", "Contact"), **_readonly()),
        *audit_fields(),
    ]
    return ObjectDef("CampaignMember", "Campaign Member", "Campaign Members", "00v", fields)


def user() -> ObjectDef:
    fields = [
        id_field("User"),
        typed("Username", "Username", T.STRING, 80, nillable=False, unique=True, id_lookup=True),
        text("LastName", "Last Name", 80, nillable=False),
        text("FirstName", "First Name", 40),
        full_name_field(),
        text("Alias", "Alias", 8, nillable=False),
        typed("Email", "Email", T.EMAIL, 128, nillable=False),
        checkbox("IsActive", "Active"),
        picklist("UserType", "User Type", USER_TYPES, **_readonly()),
        text("Title", "Title", 80),
        text("Department", "Department", 80),
        text("CompanyName", "Company Name", 80),
        reference("ManagerId", "Manager ID", ["User"], "Manager"),
        *audit_fields(deletable=False),
    ]
    return ObjectDef("User", "User", "Users", "005", fields, createable=False, deletable=False)


# The SOQL `Name` pseudo-object: what a polymorphic relationship (Owner on Lead, Who/What on
# activities) exposes. Its fields are read from whichever record the lookup points at.
NAME_FIELDS = (
    "Id",
    "Name",
    "FirstName",
    "LastName",
    "Alias",
    "Email",
    "IsActive",
    "Title",
    "Type",
    "Username",
    "Phone",
)


def name_object() -> ObjectDef:
    fields = [
        id_field("Name"),
        text("Name", "Name", 255),
        text("FirstName", "First Name", 40),
        text("LastName", "Last Name", 80),
        text("Alias", "Alias", 8),
        typed("Email", "Email", T.EMAIL, 80),
        checkbox("IsActive", "Active"),
        text("Title", "Title", 80),
        picklist("Type", "Object Type", ()),
        text("Username", "Username", 80),
        typed("Phone", "Phone", T.PHONE, 40),
    ]
    return ObjectDef(
        "Name",
        "Name",
        "Names",
        "",
        fields,
        createable=False,
        updateable=False,
        deletable=False,
        queryable=False,
    )


def build_objects(provision_connector_fields: bool) -> dict[str, ObjectDef]:
    """Fresh definitions for one sandbox (each sandbox may add fields independently)."""
    objects = [
        lead(),
        contact(),
        account(),
        opportunity(),
        opportunity_contact_role(),
        task(),
        event(),
        campaign(),
        campaign_member(),
        user(),
    ]
    by_name = {obj.name: obj for obj in objects}
    if provision_connector_fields:
        by_name["Lead"].add_fields(connector_person_fields())
        by_name["Contact"].add_fields(connector_person_fields())
        by_name["Task"].add_fields(connector_task_fields())
    return by_name
