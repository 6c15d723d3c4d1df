"""Field ownership applied to a run's plan: what a person changed is left alone, audited.

Two moments guard a person's edit to a shared field:

- when deciding: the CRM value differs from the connector's mark (what it last wrote or first
  saw, kept in the state store) — someone else changed it since; the field is not written;
- just before writing: the batch's current values are read again (one call per batch) and a
  field whose value moved since the run read it is not written either — no lost update. The
  journal replay after a crash goes through the same check, so a person's change made while
  the connector was down wins too.

Each field left alone gives a `hold` audit entry naming the field, the connector's value, the
person's value and why.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from connector.domain.contact import Contact
from connector.domain.engine import Evaluation
from connector.domain.outcomes import ContactUpdate, FieldValue, TaskSpec, UpdatableField
from connector.domain.ownership import (
    FieldOwner,
    FieldOwnership,
    HumanEdit,
    canonical,
    human_edits,
)
from connector.sync.plan import current_value
from connector.sync.state import AuditEntry, FieldMark

#: Fields that only make sense together with a stage write (a recycle sets them).
_WITH_STAGE = (UpdatableField.RECYCLED_AT,)


def edits_of(
    contact: Contact, marks: Mapping[str, str | None], ownership: FieldOwnership
) -> dict[UpdatableField, HumanEdit]:
    """The shared fields of `contact` a person changed since the connector's mark."""
    if not marks:  # never written nor seen (a first backfill's everyone): nothing to compare
        return {}
    fields = UpdatableField._value2member_map_
    known = {UpdatableField(name): value for name, value in marks.items() if name in fields}
    held = {f: current_value(contact, f) for f in UpdatableField}
    return human_edits(held, known, ownership)


@dataclass
class Restricted:
    """A contact's update after ownership, the audit entries of what was left alone, and the
    first-seen marks to keep."""

    update: ContactUpdate | None
    holds: list[AuditEntry] = field(default_factory=list)
    marks: list[FieldMark] = field(default_factory=list)
    stage_written: bool = True
    owner_written: bool = True


def restrict(
    contact: Contact,
    evaluation: Evaluation,
    update: ContactUpdate | None,
    edits: Mapping[UpdatableField, HumanEdit],
    marks: Mapping[str, str | None],
    ownership: FieldOwnership,
) -> Restricted:
    """Drop from `update` every human-owned field and every shared field a person changed.

    A stage the lifecycle rules moved although a person set it (a closed deal overriding a
    manual stage, `deals_override_manual_stage`) is a rule saying otherwise, and is written.
    """
    result = Restricted(update=update)
    for name in ownership.fields(FieldOwner.SHARED):
        if name.value not in marks and (update is None or name not in update.changes):
            result.marks.append(
                FieldMark(
                    contact_id=contact.id,
                    field=name.value,
                    value=canonical(current_value(contact, name)),
                )
            )
    # Edits the connector leaves alone without a planned write to drop (a manual stage holds
    # the lifecycle rules: no transition; a field the rules want otherwise, not in the update)
    # are audited all the same, so the log says why the connector did nothing. A field the
    # rules do not want to change at all is not audited.
    standing = [
        edit
        for name, edit in edits.items()
        if (name == UpdatableField.LIFECYCLE_STAGE and evaluation.stage.transition is None)
        or (
            name != UpdatableField.LIFECYCLE_STAGE
            and name in evaluation.desired
            and canonical(evaluation.desired[name]) != edit.crm_value
            and (update is None or name not in update.changes)
        )
    ]
    for edit in standing:
        result.holds.append(
            _hold(
                contact.id,
                edit.field,
                edit.connector_value,
                edit.crm_value,
                f"{edit.field.value} was changed in the CRM since the connector last wrote or "
                f"saw it ({edit.connector_value!r}, now {edit.crm_value!r}); left alone "
                "(ownership: shared)",
            )
        )
    if update is None:
        return result
    kept: dict[UpdatableField, FieldValue] = {}
    for name, value in update.changes.items():
        owner = ownership.of(name)
        reason: str | None = None
        if owner == FieldOwner.HUMAN:
            reason = f"{name.value} is owned by people (ownership: human): never written"
        elif owner == FieldOwner.SHARED and name in edits and edits[name] not in standing:
            overridden = name == UpdatableField.LIFECYCLE_STAGE and (
                evaluation.stage.transition is not None
            )
            if not overridden:
                edit = edits[name]
                reason = (
                    f"{name.value} was changed in the CRM since the connector last wrote it "
                    f"(connector: {edit.connector_value!r}, now {edit.crm_value!r}); "
                    "a person's edit wins (ownership: shared)"
                )
        if reason is None:
            kept[name] = value
            continue
        result.holds.append(_hold(contact.id, name, value, update.previous.get(name), reason))
    if UpdatableField.LIFECYCLE_STAGE in update.changes and (
        UpdatableField.LIFECYCLE_STAGE not in kept
    ):
        result.stage_written = False
        for name in _WITH_STAGE:
            kept.pop(name, None)
    result.owner_written = not (
        UpdatableField.OWNER_ID in update.changes and UpdatableField.OWNER_ID not in kept
    )
    if len(kept) == len(update.changes):
        return result  # nothing left out: the update as planned
    result.update = _narrowed(update, kept) if kept else None
    return result


def _narrowed(update: ContactUpdate, kept: dict[UpdatableField, FieldValue]) -> ContactUpdate:
    """`update` with only the `kept` changes and their previous values."""
    previous = {name: value for name, value in update.previous.items() if name in kept}
    return update.model_copy(update={"changes": kept, "previous": previous})


def _hold(
    contact_id: str,
    name: UpdatableField,
    wanted: FieldValue,
    held: FieldValue,
    reason: str,
) -> AuditEntry:
    return AuditEntry(
        contact_id=contact_id,
        kind="hold",
        field=name.value,
        old_value=held,
        new_value=wanted,
        rule=reason,
    )


@dataclass
class Recheck:
    """The outcome of re-reading a batch just before writing it."""

    updates: list[ContactUpdate]
    holds: list[AuditEntry]
    #: (contact id, field) pairs left alone, to drop their planned audit entries.
    dropped: set[tuple[str, str]]
    #: contact id → owner the CRM holds now, for tasks whose owner write was dropped.
    owners: dict[str, str | None]


def recheck(
    updates: Sequence[ContactUpdate],
    fresh: Mapping[str, Contact],
    ownership: FieldOwnership,
) -> Recheck:
    """Leave alone every shared field whose CRM value moved since the decision was made
    (`update.previous` is what the decision was based on; `fresh` is what the CRM holds now)."""
    kept_updates: list[ContactUpdate] = []
    holds: list[AuditEntry] = []
    dropped: set[tuple[str, str]] = set()
    owners: dict[str, str | None] = {}
    for update in updates:
        now = fresh.get(update.contact_id)
        kept: dict[UpdatableField, FieldValue] = {}
        for name, value in update.changes.items():
            if now is not None and ownership.of(name) == FieldOwner.SHARED:
                then, held = update.previous.get(name), current_value(now, name)
                # Holding the planned value already is no person's edit: a killed run's write
                # that landed before its commit; the replay writes it again (idempotent).
                if canonical(then) != canonical(held) and canonical(held) != canonical(value):
                    holds.append(
                        _hold(
                            update.contact_id,
                            name,
                            value,
                            held,
                            f"{name.value} was changed in the CRM after this run read it "
                            f"(read {canonical(then)!r}, now {canonical(held)!r}); "
                            "a person's edit wins (ownership: shared)",
                        )
                    )
                    dropped.add((update.contact_id, name.value))
                    if name == UpdatableField.OWNER_ID:
                        owners[update.contact_id] = now.owner_id
                    continue
            kept[name] = value
        if (update.contact_id, UpdatableField.LIFECYCLE_STAGE.value) in dropped:
            for name in _WITH_STAGE:
                if kept.pop(name, None) is not None:
                    dropped.add((update.contact_id, name.value))
        if len(kept) == len(update.changes):
            kept_updates.append(update)  # nothing left alone (or not re-read): as planned
        elif kept:
            kept_updates.append(_narrowed(update, kept))
    return Recheck(kept_updates, holds, dropped, owners)


def written_marks(
    updates: Sequence[ContactUpdate], rejected: set[str], ownership: FieldOwnership
) -> list[FieldMark]:
    """The marks of the shared values that landed."""
    return [
        FieldMark(contact_id=update.contact_id, field=name.value, value=canonical(value))
        for update in updates
        if update.contact_id not in rejected
        for name, value in update.changes.items()
        if ownership.of(name) == FieldOwner.SHARED
    ]


def retarget(task: TaskSpec, owners: Mapping[str, str | None]) -> TaskSpec:
    """A task goes to the owner the CRM holds when the connector's owner write was left alone."""
    if task.contact_id in owners:
        return task.model_copy(update={"owner_id": owners[task.contact_id]})
    return task
