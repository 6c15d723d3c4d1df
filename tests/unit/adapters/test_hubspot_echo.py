"""The echo fingerprint: what a write leaves must digest like the record read back afterwards,
and any change to an input must not. (Pure: no request is made while the portal is known to
have the property.)"""

from typing import Any

from connector.adapters.hubspot.echo import EchoFilter

READ = ["email", "jobtitle", "lifecyclestage", "hubspot_owner_id", "connector_score"]


def echo_filter() -> EchoFilter:
    echo = EchoFilter(
        client=None,  # type: ignore[arg-type]  # never asked: availability is set below
        property_name="connector_fingerprint",
        read_names=[*READ, "lastmodifieddate"],
        written_names=["lifecyclestage", "hubspot_owner_id"],
        excluded=["connector_score", "lastmodifieddate"],
        capacity=10,
    )
    echo._exists = True
    return echo


def after_write(read: dict[str, Any], sent: dict[str, str]) -> dict[str, Any]:
    return {**read, **sent, "lastmodifieddate": "2026-12-04T15:00:00.000Z"}


READ_BACK = {
    "email": "a@example.com",
    "jobtitle": "CTO",
    "lifecyclestage": "lead",
    "hubspot_owner_id": None,
    "connector_score": "20",
    "lastmodifieddate": "2026-12-01T10:00:00.000Z",
}


def test_a_record_as_the_connector_left_it_is_its_echo():
    echo = echo_filter()
    echo.remember("1", READ_BACK)
    sent = {
        "lifecyclestage": "salesqualifiedlead",
        "hubspot_owner_id": "7",
        "connector_score": "95",
    }
    stamp = echo.stamp("1", sent)
    assert set(stamp) == {"connector_fingerprint"}
    assert echo.is_echo(after_write(READ_BACK, {**sent, **stamp}))


def test_a_person_s_change_before_or_after_the_write_is_not_an_echo():
    echo = echo_filter()
    echo.remember("1", READ_BACK)
    sent = {"lifecyclestage": "marketingqualifiedlead"}
    stamp = echo.stamp("1", sent)
    edited_input = after_write({**READ_BACK, "jobtitle": "Intern"}, {**sent, **stamp})
    assert not echo.is_echo(edited_input)
    stage_changed_back = after_write(READ_BACK, {**sent, **stamp, "lifecyclestage": "lead"})
    assert not echo.is_echo(stage_changed_back)
    owner_set = after_write(READ_BACK, {**sent, **stamp, "hubspot_owner_id": "9"})
    assert not echo.is_echo(owner_set)


def test_cleared_values_read_back_as_null_and_outputs_do_not_count():
    echo = echo_filter()
    echo.remember("1", READ_BACK)
    stamp = echo.stamp("1", {"hubspot_owner_id": ""})
    record = after_write(READ_BACK, {**stamp, "hubspot_owner_id": None, "connector_score": "21"})
    assert echo.is_echo(record)


def test_no_fingerprint_without_a_read_or_beyond_capacity_and_none_is_never_an_echo():
    echo = echo_filter()
    assert echo.stamp("unread", {"lifecyclestage": "lead"}) == {}
    for number in range(10):
        echo.remember(str(number), READ_BACK)
    echo.remember("overflow", READ_BACK)
    assert echo.stamp("overflow", {"lifecyclestage": "lead"}) == {}
    assert not echo.is_echo(READ_BACK)  # never written by the connector


def test_a_write_spends_its_read_so_a_run_keeps_only_what_is_not_yet_written():
    """A backfill reads and writes every contact: were reads kept after their write, the
    memory would grow with the portal (about 500 bytes a contact) up to the capacity."""
    echo = echo_filter()
    for number in range(25):  # well past the capacity of 10, written as they come
        contact_id = str(number)
        echo.remember(contact_id, READ_BACK)
        assert echo.knows(contact_id)
        assert set(echo.stamp(contact_id, {"lifecyclestage": "lead"})) == {"connector_fingerprint"}
        assert not echo.knows(contact_id)
    assert echo.stamp("24", {"lifecyclestage": "lead"}) == {}  # a second write goes without


def test_the_digest_is_the_documented_byte_layout_so_stored_fingerprints_keep_matching():
    """Fingerprints already written to HubSpot must still match after a release: the digest is
    blake2b-128 of the version byte and "name\\x00value\\x01" for every unwritten input (sorted,
    None as ""), keyed onward with the same layout for the written fields (sorted), spelled out
    here independently of how `EchoFilter` builds it."""
    import hashlib

    read = {**READ_BACK, "jobtitle": 42, "email": None}
    rest = b"".join(
        f"{name}\x00{'' if read[name] is None else str(read[name])}\x01".encode()
        for name in ("email", "jobtitle")
    )
    digest = hashlib.blake2b(hashlib.blake2b(b"1" + rest, digest_size=16).digest(), digest_size=16)
    for name in ("hubspot_owner_id", "lifecyclestage"):
        digest.update(f"{name}\x00{'' if read[name] is None else read[name]}\x01".encode())
    expected = digest.hexdigest()
    echo = echo_filter()
    assert echo.fingerprint(read) == expected
    assert echo.is_echo({**read, "connector_fingerprint": expected})
    echo.remember("1", read)
    assert echo.stamp("1", {}) == {"connector_fingerprint": expected}
