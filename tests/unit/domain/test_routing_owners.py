"""Owners the routing rules name, checked against the CRM's active users."""

from connector.domain.contact import Owner
from connector.domain.policy import PoolMember, RouteKind, RoutingRule, RoutingRules
from connector.domain.routing import unknown_owner_problems


def _rules(*emails: str, fallback: str | None = None, away: tuple[str, ...] = ()) -> RoutingRules:
    pool = tuple(PoolMember(owner=email) for email in emails)
    rule = RoutingRule(name="pool", type=RouteKind.ROUND_ROBIN, pool=pool)
    return RoutingRules(rules=(rule,), fallback_owner=fallback, out_of_office=away)


OWNERS = [
    Owner(id="1", email="Alex.Kim@example.com"),
    Owner(id="2", email="sam@example.com", active=False),
]


def test_known_active_owners_pass_whatever_their_case():
    assert unknown_owner_problems(_rules(" alex.kim@EXAMPLE.com"), OWNERS) == []


def test_typos_inactive_users_fallback_and_out_of_office_are_each_named():
    problems = unknown_owner_problems(
        _rules("alex.kmi@example.com", "sam@example.com", fallback="x@y.z", away=("nobody@a.b",)),
        OWNERS,
    )
    assert [p.path for p in problems] == [
        ("routing", "rules", 0, "pool", 0, "owner"),
        ("routing", "rules", 0, "pool", 1, "owner"),
        ("routing", "fallback_owner"),
        ("routing", "out_of_office", 0),
    ]
    assert "did you mean alex.kim@example.com?" in problems[0].message
    assert "did you mean" not in problems[2].message
