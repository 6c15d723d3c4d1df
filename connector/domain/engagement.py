"""Engagement: one thing a person did (or that happened to their e-mail), with when it happened."""

from enum import StrEnum

from pydantic import AwareDatetime, Field

from connector.domain import Value


class EngagementKind(StrEnum):
    PAGE_VIEW = "page_view"
    WEBSITE_VISIT = "website_visit"
    EMAIL_OPEN = "email_open"
    EMAIL_CLICK = "email_click"
    FORM_SUBMISSION = "form_submission"
    CONTENT_DOWNLOAD = "content_download"
    WEBINAR_REGISTERED = "webinar_registered"
    WEBINAR_ATTENDED = "webinar_attended"
    EVENT_ATTENDED = "event_attended"
    CHAT_CONVERSATION = "chat_conversation"
    CALL = "call"
    MEETING_BOOKED = "meeting_booked"
    DEMO_REQUEST = "demo_request"
    PRICING_REQUEST = "pricing_request"
    TRIAL_SIGNUP = "trial_signup"
    UNSUBSCRIBE = "unsubscribe"
    EMAIL_BOUNCE = "email_bounce"
    SPAM_REPORT = "spam_report"


class Engagement(Value):
    """An activity attributed to one contact.

    `quantity` exists because CRMs often expose only counters (e.g. number of page views) with
    the date of the latest one; such a counter becomes one engagement with a quantity instead of
    invented individual events.
    """

    contact_id: str
    kind: EngagementKind
    occurred_at: AwareDatetime
    quantity: int = Field(default=1, ge=1)
    source_id: str | None = None
    detail: str | None = None
