"""The pre-write re-read's verdicts (pure): a value a person changed is left alone; the planned
value already there (a killed run's write that landed before its commit) is not a person's."""

from connector.domain.contact import Contact
from connector.domain.outcomes import ContactUpdate, UpdatableField
from connector.domain.ownership import FieldOwnership
from connector.sync.ownership import recheck

OWNER, SCORE = UpdatableField.OWNER_ID, UpdatableField.SCORE


def _update() -> ContactUpdate:
    return ContactUpdate(
        contact_id="1", changes={OWNER: "planned", SCORE: 50}, previous={OWNER: None, SCORE: 10}
    )


def test_a_value_a_person_set_since_the_read_is_left_alone_and_audited():
    checked = recheck(
        [_update()], {"1": Contact(id="1", owner_id="rep", score=10)}, FieldOwnership()
    )
    [kept] = checked.updates
    assert kept.changes == {SCORE: 50}  # the connector's own field is still written
    [hold] = checked.holds
    assert (hold.field, hold.old_value, hold.new_value) == ("owner_id", "rep", "planned")
    assert checked.owners == {"1": "rep"}


def test_the_planned_value_already_there_is_written_again_not_held():
    fresh = {"1": Contact(id="1", owner_id="planned", score=50)}
    checked = recheck([_update()], fresh, FieldOwnership())
    assert checked.updates == [_update()] and not checked.holds


def test_an_unchanged_value_is_written():
    checked = recheck([_update()], {"1": Contact(id="1", owner_id=None)}, FieldOwnership())
    assert checked.updates == [_update()] and not checked.holds
