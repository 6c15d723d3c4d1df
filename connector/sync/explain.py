"""`connector explain`: one contact, read live from the CRM, run through the rules exactly as a
sync would — score lines, fit, the transition it would get, the owner decision and the task —
without writing anything anywhere."""

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from connector.adapters.base import CrmAdapter, RecordError
from connector.domain.contact import Contact
from connector.domain.engine import Evaluation, evaluate
from connector.domain.outcomes import ContactUpdate
from connector.domain.policy import RulesPolicy
from connector.sync.plan import plan_update
from connector.sync.state import StateStore


class ContactNotFoundError(LookupError):
    """No contact has that id or e-mail address."""


class Explanation(BaseModel):
    model_config = ConfigDict(frozen=True)

    contact: Contact
    evaluation: Evaluation
    update: ContactUpdate | None  # the writes a sync would make now; None: nothing to change


@dataclass(frozen=True)
class ExplainResult:
    explanations: list[Explanation]
    unusable: list[RecordError]  # matching records the rules cannot use, with the reason


def explain_contact(
    adapter: CrmAdapter,
    policy: RulesPolicy,
    store: StateStore,
    account: str,
    key: str,
    now: datetime,
) -> ExplainResult:
    """Every contact matching `key` (an e-mail address can sit on a Lead and a Contact).

    Routing starts from the stored round-robin state, so the owner shown is the one the next
    sync would pick; that state is not saved.
    """
    page = adapter.find_contacts(key.strip())
    if not page.contacts and not page.skipped:
        raise ContactNotFoundError(f"no contact has the id or e-mail address {key!r}")
    owners = adapter.list_owners()
    routing = store.routing_state(account)
    engagements = list(adapter.iter_engagements([c.id for c in page.contacts]))
    explanations = []
    for contact in page.contacts:
        own = [e for e in engagements if e.contact_id == contact.id]
        evaluation, _ = evaluate(contact, own, policy, owners, routing, now)
        update = plan_update(contact, evaluation)
        explanations.append(Explanation(contact=contact, evaluation=evaluation, update=update))
    return ExplainResult(explanations, list(page.skipped))
