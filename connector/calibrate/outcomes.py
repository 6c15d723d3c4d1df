"""The label calibration learns from: converted, not, or unknown, read from what sales and the
CRM recorded (stage, deals, lead status, recycle marker, idleness). None of these is ever a
feature (`features.py` runs only the score and fit rules)."""

from datetime import datetime, timedelta

from pydantic import Field

from connector.domain import Value
from connector.domain.contact import Contact, DealStatus
from connector.domain.stages import LifecycleStage, SalesStatus


class OutcomeRules(Value):
    """What counts as converted and as not; everyone else (a lead still being worked) is left
    out. Defaults: reaching SQL or beyond is a success; sales rejecting or disqualifying a lead,
    the connector recycling it, or `idle_days` without activity is a failure."""

    success_from: LifecycleStage = LifecycleStage.SQL
    success_statuses: tuple[SalesStatus, ...] = (SalesStatus.QUALIFIED,)
    deals_are_success: bool = True
    failure_statuses: tuple[SalesStatus, ...] = (
        SalesStatus.REJECTED,
        SalesStatus.DISQUALIFIED,
        SalesStatus.NURTURE,
    )
    failure_stages: tuple[LifecycleStage, ...] = (LifecycleStage.OTHER,)
    recycled_is_failure: bool = True
    idle_days: int | None = Field(default=90, ge=0)  # None: idleness is unknown

    def outcome(
        self, contact: Contact, last_activity: datetime | None, now: datetime
    ) -> bool | None:
        stage = contact.lifecycle_stage
        success_rank = self.success_from.rank or 0
        if stage is not None and stage.rank is not None and stage.rank >= success_rank:
            return True
        if contact.sales_status is not None and contact.sales_status in self.success_statuses:
            return True
        if self.deals_are_success and any(
            deal.status in (DealStatus.OPEN, DealStatus.WON) for deal in contact.deals
        ):
            return True
        if contact.sales_status is not None and contact.sales_status in self.failure_statuses:
            return False
        if stage is not None and stage in self.failure_stages:
            return False
        if self.recycled_is_failure and contact.recycled_at is not None:
            return False
        if self.idle_days is not None:
            moments = [moment for moment in (last_activity, contact.created_at) if moment]
            last = max(moments, default=None)
            if last is not None and now - last >= timedelta(days=self.idle_days):
                return False
        return None
