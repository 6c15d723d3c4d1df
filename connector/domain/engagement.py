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
_KIND_RANK = {kind: rank for rank, kind in enumerate(KIND_ORDER)}
MICROSECONDS_PER_DAY = 86_400_000_000
# An engagement's record: one integer that sorts by (kind, time) and carries the quantity,
#   (record_origin(rank of the kind) + epoch_us) << RECORD_QUANTITY_BITS | q
# where q is the quantity, or RECORD_QUANTITY_MASK for any quantity that does not fit. Each
# kind owns a span of RECORD_KIND_SPAN microseconds, more than datetime's range (3,652,059
# days); the origins are whole days, so `time // MICROSECONDS_PER_DAY` finds UTC days on the
# records' scale as on the epoch's.
RECORD_QUANTITY_BITS = 16
RECORD_QUANTITY_MASK = (1 << RECORD_QUANTITY_BITS) - 1
RECORD_KIND_SPAN = MICROSECONDS_PER_DAY << 22
RECORD_OFFSET_US = -((datetime.min.replace(tzinfo=UTC) - _EPOCH) // _MICROSECOND)  # 719,162 d


def record_origin(rank: int) -> int:
    """Where the epoch lies on the records' scale for the kind of this rank."""
    return rank * RECORD_KIND_SPAN + RECORD_OFFSET_US


_SHIFTED_ORIGINS = {
    kind: record_origin(rank) << RECORD_QUANTITY_BITS for rank, kind in enumerate(KIND_ORDER)
}


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
        `_row`, not a field: never serialised, compared or hashed."""
        return _fixed_epoch_microseconds(self.occurred_at)

    # `_row` is computed once, when the engagement is made: adapters make each engagement once
    # and the rules read it once per run, so this is where it costs least. Written flat (one
    # `__dict__` read, no helper calls) because it adds to every engagement's construction.
    def model_post_init(self, context: Any, /) -> None:
        values = self.__dict__
        moment = values["occurred_at"]
        quantity = values["quantity"]
        origin = _SHIFTED_ORIGINS.get(values["kind"])
        record = None
        if (
            type(moment.tzinfo) in _FIXED_OFFSET_ZONES
            and type(moment) is datetime
            and origin is not None
            and type(quantity) is int
            and quantity >= 1
        ):
            # (moment - _EPOCH) // _MICROSECOND, in a third fewer machine instructions
            since = moment - _EPOCH
            epoch_us = (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds
            record = (
                origin
                + (epoch_us << RECORD_QUANTITY_BITS)
                + (quantity if quantity < RECORD_QUANTITY_MASK else RECORD_QUANTITY_MASK)
            )
        values["_row"] = (record, values["contact_id"])

    @cached_property
    def _row(self) -> tuple[int | None, str]:
        """(record, contact_id): the record holds kind, time and quantity in one integer (see
        `RECORD_KIND_SPAN`), or is None when the engagement has no `_epoch_us`.

        A contact's records, sorted as plain integers, group its engagements by kind in time
        order. This is the one attribute the common path reads per engagement, hence the
        contact id alongside: reading an attribute of a pydantic model costs several times a
        plain object's (its `__getattr__` hook), about as much as the rest of the per-event
        work together. Set by `model_post_init`; the property serves instances made without
        it.
        """
        self.model_post_init(None)
        row: tuple[int | None, str] = self.__dict__["_row"]
        return row

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Self:
        """As pydantic's, which neither validates nor runs `model_post_init`: a copy with a new
        time, kind, quantity or contact must not keep the original's epoch and row."""
        copied = super().model_copy(update=update, deep=deep)
        if update:
            copied.__dict__.pop("_epoch_us", None)
            copied.model_post_init(None)
        return copied
