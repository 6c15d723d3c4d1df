"""The change-limit guard's counting: per page, added up, judged once for the whole run."""

from connector.domain.outcomes import ContactUpdate, UpdatableField
from connector.sync.guard import ChangeCount, ChangeLimit, check_change_limit


def _update(contact_id: str, *fields: UpdatableField) -> ContactUpdate:
    return ContactUpdate(contact_id=contact_id, changes={field: "x" for field in fields})


def test_counts_stage_owner_and_contacts_changing_either():
    total = ChangeCount()
    total.add(  # page one
        [
            _update("1", UpdatableField.LIFECYCLE_STAGE, UpdatableField.OWNER_ID),
            _update("2", UpdatableField.SCORE),
        ]
    )
    total.add([_update("3", UpdatableField.OWNER_ID, UpdatableField.SCORE)])  # page two
    assert (total.stage, total.owner, total.changed) == (1, 2, 2)


def test_the_verdict_judges_the_summed_counts_against_the_limit():
    count = ChangeCount(stage=3, owner=1, changed=3)
    assert check_change_limit(count, 100, ChangeLimit.parse("3")).tripped is False
    verdict = check_change_limit(count, 100, ChangeLimit.parse("2%"))
    assert verdict.tripped is True
    assert "3 of 100 contacts would change stage or owner" in verdict.summary()


def test_the_floor_lets_a_handful_of_changes_through_whatever_the_share():
    count = ChangeCount(stage=2, owner=0, changed=2)
    assert check_change_limit(count, 7, ChangeLimit.parse("5%")).tripped is True
    assert check_change_limit(count, 7, ChangeLimit.parse("5%"), floor=2).tripped is False
    assert check_change_limit(count, 7, ChangeLimit.parse("1"), floor=1).tripped is True
