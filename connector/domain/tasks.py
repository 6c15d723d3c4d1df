"""Follow-up tasks for the transitions that need a human: an MQL needs a follow-up call, an SQL
needs qualifying or a meeting booked. Recycles and disqualifications need nobody, so they never
produce a task even when the target stage has a template.

A task carries everything the owner needs to act without opening the connector: why the
contact moved, how well they fit, and the full score explanation. Its `key` is stable for
(contact, target stage, UTC date of the transition), so a re-run or a crash between creating
the task and recording it never creates a second one.
"""

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, date

from connector.domain.business_hours import add_business_minutes
from connector.domain.contact import Contact
from connector.domain.outcomes import FitCard, ScoreCard, TaskSpec, Transition, TransitionKind
from connector.domain.policy import TaskRules
from connector.domain.stages import LifecycleStage
from connector.domain.text import bounded

PLACEHOLDER_LENGTH = 255

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def task_key(contact_id: str, stage: LifecycleStage, day: date) -> str:
    """The idempotency key of a task: same contact, target stage and day, same key."""
    digest = hashlib.sha256(f"{contact_id}|{stage.value}|{day.isoformat()}".encode()).hexdigest()
    return "cl-" + digest[:24]


def transition_day(transition: Transition) -> date:
    """The day a task key is tied to: the transition's UTC date, not the business-hours zone's,
    so that changing the configured time zone never re-keys tasks that already exist."""
    return transition.at.astimezone(UTC).date()


def render_subject(template: str, values: Mapping[str, str]) -> str:
    """Fill known `{placeholder}`s and leave everything else exactly as written: an unknown
    `{word}` is never an error, so a typo shows up in the CRM instead of stopping a sync."""
    return _PLACEHOLDER.sub(lambda found: values.get(found[1], found[0]), template)


def _display_name(contact: Contact) -> str:
    """The best human label for a contact: full name, else e-mail, else its id."""
    full_name = " ".join(part for part in (contact.first_name, contact.last_name) if part)
    return full_name.strip() or contact.email or f"contact {contact.id}"


def _placeholder_values(
    contact: Contact, transition: Transition, score: ScoreCard, fit: FitCard
) -> dict[str, str]:
    company = contact.company
    values = {
        "name": _display_name(contact),
        "email": contact.email or "no e-mail",
        "company": (company.name if company and company.name else "no company"),
        "score": str(score.total),
        "grade": fit.grade,
        "stage": transition.to_stage.value,
    }
    # A subject is one line for a rep, not a document: a value pasted 100 KB long into a form
    # is cut (visibly) to the shortest subject a CRM holds (Salesforce Task.Subject: 255), so
    # one name cannot crowd out the rest and both CRMs get the same subject.
    return {key: bounded(value, PLACEHOLDER_LENGTH) for key, value in values.items()}


def _fit_section(fit: FitCard) -> list[str]:
    lines = [f"Fit grade {fit.grade} ({fit.points} points):"]
    lines += [f"{line.points:+d}  {line.rule} ({line.matched})" for line in fit.lines]
    if not fit.lines:
        lines.append("(no fit criteria matched)")
    lines += [f"disqualified: {reason}" for reason in fit.disqualified_reasons]
    return lines


def render_body(transition: Transition, score: ScoreCard, fit: FitCard) -> str:
    """The task body: why the contact moved, how they fit, and how the score adds up."""
    moved = (
        f"Moved from {transition.from_stage.value} to {transition.to_stage.value}"
        if transition.from_stage
        else f"Moved to {transition.to_stage.value}"
    )
    sections = [
        [f"{moved} at {transition.at.isoformat()} because:"]
        + [f"- {reason}" for reason in transition.reasons],
        _fit_section(fit),
        [f"Score {score.total}:", score.explain()],
    ]
    return "\n\n".join("\n".join(section) for section in sections)


def build_task(
    contact: Contact,
    transition: Transition,
    score: ScoreCard,
    fit: FitCard,
    owner_id: str | None,
    rules: TaskRules,
) -> TaskSpec | None:
    """The follow-up task for a transition, or None when it needs no human.

    Only forward moves (`TransitionKind.ADVANCE`) into a stage with a template in
    `rules.on_stage` make a task. The due time is the template's SLA counted in business hours
    from the moment of the transition.

    Raises:
        ValueError: when the transition belongs to another contact (a caller bug that would
            attach one person's task to someone else).
    """
    if transition.contact_id != contact.id:
        raise ValueError(
            f"transition of contact {transition.contact_id} given for contact {contact.id}"
        )
    template = rules.on_stage.get(transition.to_stage)
    if template is None or transition.kind != TransitionKind.ADVANCE:
        return None
    values = _placeholder_values(contact, transition, score, fit)
    return TaskSpec(
        key=task_key(contact.id, transition.to_stage, transition_day(transition)),
        contact_id=contact.id,
        owner_id=owner_id,
        subject=render_subject(template.subject, values),
        body=render_body(transition, score, fit),
        priority=template.priority,
        due_at=add_business_minutes(
            transition.at, template.sla_business_minutes, rules.business_hours
        ),
        stage=transition.to_stage,
    )
