"""Where each non-leaky column of the X Education file lives in a CRM, the way an admin who
imported the file into a real portal or org would hold it.

A column goes into a standard property/field where one exists, and into a custom one otherwise
(created with the type below: HubSpot properties API types, Salesforce describe field types):

- HubSpot standard contact properties used: `hs_analytics_num_visits` (Number of Sessions),
  `hs_analytics_average_page_views` (Average Pageviews), `hs_analytics_source_data_1` (Original
  Traffic Source Drill-Down 1, where HubSpot keeps the detail of a source such as the referring
  site), `hs_email_optout`, `city`.
- Salesforce standard Lead/Contact fields used: `HasOptedOutOfEmail`, `DoNotCall` (boolean on
  both, per the Lead and Contact field references), `City` (`MailingCity` on Contact).
- Everything else is custom: HubSpot `snake_case`, Salesforce `Title_Case__c`.

The file's own id (`Prospect ID`) is kept in `dataset_record_id` / `Dataset_Record_Id__c`.
`Country` is not listed: it already lands in the standard country field the mapping reads as
the built-in `country`. The leaky columns (`Tags`, `Lead Quality`, `Lead Profile`,
`Asymmetrique *`) and `Converted` appear nowhere here.
"""

from __future__ import annotations

from dataclasses import dataclass

from connector.domain.properties import PropertyType

#: HubSpot property group the custom dataset properties are created in.
HUBSPOT_GROUP = "dataset"


@dataclass(frozen=True)
class DatasetProperty:
    """One file column as a CRM property: the shared name the mapping files use, its type, and
    the property/field that holds it in each CRM (Salesforce: on Lead, and on Contact)."""

    column: str
    name: str
    type: PropertyType
    label: str
    hubspot: str
    salesforce_lead: str
    salesforce_contact: str
    hubspot_standard: bool = False
    salesforce_standard: bool = False


def _custom(column: str, name: str, kind: PropertyType, label: str) -> DatasetProperty:
    field = "_".join(part.capitalize() for part in name.split("_")) + "__c"
    return DatasetProperty(column, name, kind, label, name, field, field)


N, T, P, B = PropertyType.NUMBER, PropertyType.TEXT, PropertyType.PICKLIST, PropertyType.BOOL

DATASET_PROPERTIES: tuple[DatasetProperty, ...] = (
    _custom("Prospect ID", "dataset_record_id", T, "Dataset record ID"),
    _custom("Lead Number", "lead_number", T, "Lead number"),
    _custom("Lead Origin", "lead_origin", P, "Lead origin"),
    DatasetProperty(
        "Lead Source", "lead_source_detail", T, "Lead source detail",
        "hs_analytics_source_data_1", "Lead_Source_Detail__c", "Lead_Source_Detail__c",
        hubspot_standard=True,
    ),
    DatasetProperty(
        "Do Not Email", "do_not_email", B, "Email opt out",
        "hs_email_optout", "HasOptedOutOfEmail", "HasOptedOutOfEmail",
        hubspot_standard=True, salesforce_standard=True,
    ),
    DatasetProperty(
        "Do Not Call", "do_not_call", B, "Do not call",
        "do_not_call", "DoNotCall", "DoNotCall", salesforce_standard=True,
    ),
    DatasetProperty(
        "TotalVisits", "total_visits", N, "Total visits",
        "hs_analytics_num_visits", "Total_Visits__c", "Total_Visits__c", hubspot_standard=True,
    ),
    _custom("Total Time Spent on Website", "time_on_site", N, "Time on site (seconds)"),
    DatasetProperty(
        "Page Views Per Visit", "page_views_per_visit", N, "Page views per visit",
        "hs_analytics_average_page_views", "Page_Views_Per_Visit__c", "Page_Views_Per_Visit__c",
        hubspot_standard=True,
    ),
    _custom("Last Activity", "last_activity", P, "Last activity"),
    _custom("Specialization", "specialization", P, "Specialization"),
    _custom("How did you hear about X Education", "how_heard", P, "How did you hear about us"),
    _custom("What is your current occupation", "occupation", P, "Current occupation"),
    _custom(
        "What matters most to you in choosing a course", "course_motivation", P,
        "What matters most in choosing a course",
    ),
    _custom("Search", "saw_search_ad", B, "Saw a search ad"),
    _custom("Magazine", "saw_magazine_ad", B, "Saw a magazine ad"),
    _custom("Newspaper Article", "saw_newspaper_article", B, "Saw a newspaper article"),
    _custom("X Education Forums", "saw_forum_post", B, "Saw a forum post"),
    _custom("Newspaper", "saw_newspaper_ad", B, "Saw a newspaper ad"),
    _custom("Digital Advertisement", "saw_digital_ad", B, "Saw a digital ad"),
    _custom(
        "Through Recommendations", "came_through_recommendation", B,
        "Came through a recommendation",
    ),
    _custom(
        "Receive More Updates About Our Courses", "wants_course_updates", B,
        "Wants course updates",
    ),
    _custom(
        "Update me on Supply Chain Content", "wants_supply_chain_content", B,
        "Wants supply chain content",
    ),
    _custom("Get updates on DM Content", "wants_dm_content", B, "Wants digital marketing content"),
    DatasetProperty(
        "City", "city", T, "City", "city", "City", "MailingCity",
        hubspot_standard=True, salesforce_standard=True,
    ),
    _custom(
        "I agree to pay the amount through cheque", "agrees_to_pay_by_cheque", B,
        "Agrees to pay by cheque",
    ),
    _custom(
        "A free copy of Mastering The Interview", "wants_interview_guide", B,
        "Wants the free interview guide",
    ),
    _custom("Last Notable Activity", "last_notable_activity", P, "Last notable activity"),
)  # fmt: skip

BY_NAME: dict[str, DatasetProperty] = {prop.name: prop for prop in DATASET_PROPERTIES}
