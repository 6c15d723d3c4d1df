"""Engagement: one thing a person did (or that happened to their e-mail), with when it happened."""

from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from functools import cached_property
from typing import Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic_core import TzInfo


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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Zones whose offset never changes: the stdlib's fixed offsets (UTC included) and pydantic's
# parsed "+02:00"/"Z" zones. Between datetimes in such zones, Python's comparison and
# subtraction are plain UTC arithmetic; with a zone that has daylight saving time they are not
# (two datetimes sharing a ZoneInfo compare and subtract by wall clock), so those get no epoch.
_FIXED_OFFSET_ZONES = (timezone, TzInfo)


def epoch_microseconds(moment: datetime) -> int | None:
    """Microseconds since 1970-01-01 UTC, exact, when `moment` is an aware plain `datetime`;
    None for a naive one or a datetime subclass, whose arithmetic may differ."""
    if type(moment) is not datetime or moment.utcoffset() is None:
        return None
    return (moment - _EPOCH) // _MICROSECOND


def _fixed_epoch_microseconds(moment: datetime) -> int | None:
    if type(moment.tzinfo) not in _FIXED_OFFSET_ZONES:
        return None
    return epoch_microseconds(moment)


KIND_ORDER: tuple[EngagementKind, ...] = tuple(EngagementKind)
MICROSECONDS_PER_DAY = 86_400_000_000
# The rules group a contact's engagements by kind in time order by sorting one integer per
# engagement: its time on its kind's scale, `kind_origin(kind) + epoch_us`. Each kind owns a
# span of KIND_SPAN microseconds, more than datetime's whole range (3,652,059 days), so the
# kinds never overlap and sort in KIND_ORDER; the origins are whole days, so
# `time // MICROSECONDS_PER_DAY` finds UTC days on a kind's scale as on the epoch's, and
# differences between times of one kind are the epoch's.
KIND_SPAN = MICROSECONDS_PER_DAY << 22
_OFFSET_US = -((datetime.min.replace(tzinfo=UTC) - _EPOCH) // _MICROSECOND)  # 719,162 days
_ORIGINS = {kind: rank * KIND_SPAN + _OFFSET_US for rank, kind in enumerate(KIND_ORDER)}


def kind_origin(kind: EngagementKind) -> int:
    """Where the epoch lies on the kind's scale of times."""
    return _ORIGINS[kind]


def kind_at(time: int) -> EngagementKind:
    """The kind whose scale a time lies on."""
    return KIND_ORDER[time // KIND_SPAN]


class Engagement(BaseModel):
    """An activity attributed to one contact.

    `quantity` exists because CRMs often expose only counters (e.g. number of page views) with
    the date of the latest one; such a counter becomes one engagement with a quantity instead of
    invented individual events.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    contact_id: str
    kind: EngagementKind
    occurred_at: AwareDatetime
    quantity: int = Field(default=1, ge=1)
    source_id: str | None = None
    detail: str | None = None

    @cached_property
    def _epoch_us(self) -> int | None:
        """`occurred_at` as exact integer microseconds since the epoch, or None when its zone
        has a variable offset (see `_FIXED_OFFSET_ZONES`). The age in seconds is these
        microseconds divided by 10**6, as `timedelta.total_seconds()` computes it. Like
        `_time`, not a field: never serialised, compared or hashed."""
        return _fixed_epoch_microseconds(self.occurred_at)

    # `_time` is computed once, when the engagement is made: adapters make each engagement
    # once and the rules read it once per run. It adds to every engagement's construction,
    # hence the flat code (one `__dict__` read, no helper calls) and a plain int: a tuple
    # holding it with the quantity and contact id would save the rules two attribute reads
    # per engagement, but costs more to make, mostly in garbage collection of one more
    # tracked object per engagement.
    def model_post_init(self, context: Any, /) -> None:
        values = self.__dict__
        moment = values["occurred_at"]
        quantity = values["quantity"]
        origin = _ORIGINS.get(values["kind"])
        time = None
        if (
            type(moment.tzinfo) in _FIXED_OFFSET_ZONES
            and type(moment) is datetime
            and origin is not None
            and type(quantity) is int  # the rules count on quantities >= 1 (validated)
            and quantity >= 1
        ):
            # (moment - _EPOCH) // _MICROSECOND, in a third fewer machine instructions
            since = moment - _EPOCH
            time = origin + (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds
        values["_time"] = time

    @cached_property
    def _time(self) -> int | None:
        """`occurred_at` on its kind's scale (see `KIND_SPAN`), or None when the engagement
        has no `_epoch_us` (or an unvalidated kind or quantity): sorted by it, a contact's
        engagements group by kind in time order. Set by `model_post_init`; the property
        serves instances made without it."""
        self.model_post_init(None)
        time: int | None = self.__dict__["_time"]
        return time

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Self:
        """As pydantic's, which neither validates nor runs `model_post_init`: a copy with a new
        time, kind or quantity must not keep the original's epoch and time."""
        copied = super().model_copy(update=update, deep=deep)
        if update:
            copied.__dict__.pop("_epoch_us", None)
            copied.model_post_init(None)
        return copied
