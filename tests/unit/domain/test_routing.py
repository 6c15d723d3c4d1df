"""Owner routing: existing owner, account owner, territory, weighted round robin, fallback."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.domain.contact import Company, Contact, Owner
from connector.domain.policy import (
    Condition,
    FitField,
    PoolMember,
    RouteKind,
    RoutingRule,
    RoutingRules,
)
from connector.domain.routing import (
    EXISTING_OWNER_RULE,
    FALLBACK_RULE,
    RoutingDecision,
    RoutingState,
    needs_routing,
    release,
    route,
)
from connector.domain.stages import LifecycleStage

ALICE = Owner(id="o-alice", name="Alice", email="Alice@Example.com")
BOB = Owner(id="o-bob", name="Bob", email="bob@example.com")
CAROL = Owner(id="o-carol", name="Carol", email="carol@example.com")
DAVE = Owner(id="o-dave", name="Dave", email="dave@example.com", active=False)
ERIN = Owner(id="o-erin", name="Erin", email="erin@example.com")
OWNERS = (ALICE, BOB, CAROL, DAVE, ERIN)

DACH = Condition(field=FitField.COUNTRY, any_of=("DE", "AT", "CH"))


def contact(contact_id: str = "c1", **fields: object) -> Contact:
    return Contact(id=contact_id, email=f"{contact_id}@lead.example", **fields)


def round_robin(name: str = "Inbound", *members: PoolMember, **fields: object) -> RoutingRule:
    pool = members or (PoolMember(owner="alice@example.com"), PoolMember(owner="bob@example.com"))
    return RoutingRule(name=name, type=RouteKind.ROUND_ROBIN, pool=pool, **fields)


def rules_of(*rules: RoutingRule, **fields: object) -> RoutingRules:
    return RoutingRules(rules=rules, **fields)


def route_many(
    contacts: list[Contact], rules: RoutingRules, state: RoutingState | None = None
) -> tuple[list[RoutingDecision], RoutingState]:
    state = state or RoutingState()
    decisions = []
    for one in contacts:
        decision = route(one, OWNERS, rules, state)
        decisions.append(decision)
        state = decision.state
    return decisions, state


def owner_ids(decisions: list[RoutingDecision]) -> list[str | None]:
    return [d.assignment.owner_id if d.assignment else None for d in decisions]


def leads(n: int) -> list[Contact]:
    return [contact(f"c{i}") for i in range(n)]


class TestExistingOwner:
    def test_existing_owner_is_kept_and_state_untouched(self):
        state = RoutingState(load={"bob@example.com": 3})
        decision = route(contact(owner_id="o-bob"), OWNERS, rules_of(round_robin()), state)
        assert decision.assignment is not None
        assert decision.assignment.owner_id == "o-bob"
        assert decision.assignment.rule == EXISTING_OWNER_RULE
        assert decision.state == state

    def test_existing_owner_unknown_to_the_owner_list_is_kept(self):
        decision = route(
            contact(owner_id="queue-7"), OWNERS, rules_of(round_robin()), RoutingState()
        )
        assert decision.assignment is not None
        assert decision.assignment.owner_id == "queue-7"

    def test_existing_owner_out_of_office_is_kept(self):
        rules = rules_of(round_robin(), out_of_office=("bob@example.com",))
        decision = route(contact(owner_id="o-bob"), OWNERS, rules, RoutingState())
        assert decision.assignment is not None
        assert decision.assignment.owner_id == "o-bob"

    def test_existing_owner_is_ignored_when_the_rules_say_so(self):
        rules = rules_of(round_robin(), keep_existing_owner=False)
        decision = route(contact(owner_id="o-bob"), OWNERS, rules, RoutingState())
        assert decision.assignment is not None
        assert decision.assignment.rule == "Inbound"
        assert decision.assignment.owner_id == "o-alice"

    def test_inactive_existing_owner_is_routed_away_from(self):
        decision = route(
            contact(owner_id="o-dave"), OWNERS, rules_of(round_robin()), RoutingState()
        )
        assert decision.assignment is not None
        assert decision.assignment.owner_id == "o-alice"
        assert any("inactive" in reason for reason in decision.reasons)


class TestAccountOwner:
    ACCOUNTS = RoutingRule(name="Accounts", type=RouteKind.ACCOUNT_OWNER)

    def company(self, owner_id: str | None = "o-carol") -> Company:
        return Company(id="co1", name="Acme", owner_id=owner_id)

    def test_account_owner_gets_the_lead(self):
        rules = rules_of(self.ACCOUNTS, round_robin())
        decision = route(contact(company=self.company()), OWNERS, rules, RoutingState())
        assert decision.assignment is not None
        assert decision.assignment.owner_id == "o-carol"
        assert decision.assignment.rule == "Accounts"
        assert decision.assignment.reasons == ("account owner of Acme",)
        assert decision.state.load == {"carol@example.com": 1}

    def test_company_without_a_name_is_named_by_id(self):
        company = Company(id="co9", owner_id="o-carol")
        decision = route(contact(company=company), OWNERS, rules_of(self.ACCOUNTS), RoutingState())
        assert decision.assignment is not None
        assert decision.assignment.reasons == ("account owner of company co9",)

    @pytest.mark.parametrize(
        ("company", "out_of_office", "why"),
        [
            (None, (), "the contact has no company"),
            (Company(id="co1", name="Acme"), (), "the company has no owner"),
            (Company(id="co1", name="Acme", owner_id="o-zed"), (), "o-zed is not a known owner"),
            (Company(id="co1", name="Acme", owner_id="o-dave"), (), "is inactive"),
            (
                Company(id="co1", name="Acme", owner_id="o-carol"),
                ("CAROL@example.com",),
                "is out of office",
            ),
        ],
    )
    def test_unusable_account_owner_falls_through_to_the_next_rule(
        self, company: Company | None, out_of_office: tuple[str, ...], why: str
    ):
        rules = rules_of(self.ACCOUNTS, round_robin(), out_of_office=out_of_office)
        decision = route(contact(company=company), OWNERS, rules, RoutingState())
        assert decision.assignment is not None
        assert decision.assignment.rule == "Inbound"
        assert why in decision.reasons[0]


class TestTerritory:
    TERRITORY = RoutingRule(
        name="DACH",
        type=RouteKind.TERRITORY,
        when=(DACH,),
        pool=(PoolMember(owner="erin@example.com"),),
    )

    def test_matching_contact_goes_to_the_territory(self):
        rules = rules_of(self.TERRITORY, round_robin())
        decision = route(contact(country="de"), OWNERS, rules, RoutingState())
        assert decision.assignment is not None
        assert decision.assignment.owner_id == "o-erin"
        assert decision.assignment.rule == "DACH"
        assert decision.assignment.reasons == ("territory DACH: country in [DE, AT, CH]",)

    def test_company_country_counts_when_the_person_has_none(self):
        rules = rules_of(self.TERRITORY, round_robin())
        decision = route(
            contact(company=Company(id="co1", country="AT")), OWNERS, rules, RoutingState()
        )
        assert decision.assignment is not None
        assert decision.assignment.rule == "DACH"

    def test_non_matching_contact_falls_through(self):
        rules = rules_of(self.TERRITORY, round_robin())
        decision = route(contact(country="FR"), OWNERS, rules, RoutingState())
        assert decision.assignment is not None
        assert decision.assignment.rule == "Inbound"
        assert decision.reasons[0] == "territory DACH: does not match (country in [DE, AT, CH])"

    def test_every_condition_must_hold(self):
        big = Condition(field=FitField.EMPLOYEES, at_least=500)
        territory = self.TERRITORY.model_copy(update={"when": (DACH, big)})
        rules = rules_of(territory, round_robin())
        small = contact(country="DE", company=Company(id="co1", employees=20))
        large = contact(country="DE", company=Company(id="co1", employees=2000))
        assert route(small, OWNERS, rules, RoutingState()).assignment.rule == "Inbound"  # type: ignore[union-attr]
        assert route(large, OWNERS, rules, RoutingState()).assignment.rule == "DACH"  # type: ignore[union-attr]

    def test_territory_pool_is_round_robin(self):
        territory = RoutingRule(
            name="DACH",
            type=RouteKind.TERRITORY,
            when=(DACH,),
            pool=(PoolMember(owner="erin@example.com"), PoolMember(owner="carol@example.com")),
        )
        decisions, state = route_many(
            [contact(f"c{i}", country="CH") for i in range(4)], rules_of(territory)
        )
        assert owner_ids(decisions) == ["o-erin", "o-carol", "o-erin", "o-carol"]
        assert decisions[0].assignment.reasons == (  # type: ignore[union-attr]
            "territory DACH: country in [DE, AT, CH]; round robin over 2 owners",
        )
        assert set(state.weights) == {"DACH"}


class TestRoundRobin:
    def test_equal_weights_alternate(self):
        decisions, state = route_many(leads(4), rules_of(round_robin()))
        assert owner_ids(decisions) == ["o-alice", "o-bob", "o-alice", "o-bob"]
        assert state.load == {"alice@example.com": 2, "bob@example.com": 2}

    def test_weights_two_to_one_are_smooth(self):
        rule = round_robin(
            "Inbound",
            PoolMember(owner="alice@example.com", weight=2),
            PoolMember(owner="bob@example.com", weight=1),
        )
        decisions, _ = route_many(leads(30), rules_of(rule))
        ids = owner_ids(decisions)
        assert ids[:3] == ["o-alice", "o-bob", "o-alice"]
        assert Counter(ids) == {"o-alice": 20, "o-bob": 10}

    def test_when_narrows_a_round_robin(self):
        rule = round_robin("Enterprise", when=(Condition(field=FitField.EMPLOYEES, at_least=1000),))
        rules = rules_of(rule, fallback_owner="erin@example.com")
        small = contact(company=Company(id="co1", employees=10))
        decision = route(small, OWNERS, rules, RoutingState())
        assert decision.assignment is not None
        assert decision.assignment.rule == FALLBACK_RULE
        assert decision.reasons[0] == "round robin Enterprise: does not match (employees >= 1,000)"

    def test_skips_and_their_reasons(self):
        rule = round_robin(
            "Inbound",
            PoolMember(owner="alice@example.com"),
            PoolMember(owner="bob@example.com", capacity=2),
            PoolMember(owner="carol@example.com"),
            PoolMember(owner="dave@example.com"),
            PoolMember(owner="nobody@example.com"),
        )
        rules = rules_of(rule, out_of_office=("alice@example.com",))
        state = RoutingState(load={"bob@example.com": 2})
        decision = route(contact(), OWNERS, rules, state)
        assert decision.assignment is not None
        assert decision.assignment.owner_id == "o-carol"
        assert decision.assignment.reasons == (
            "round robin Inbound over 5 owners (4 skipped: alice@example.com out of office, "
            "bob@example.com at capacity 2/2, dave@example.com inactive, "
            "nobody@example.com unknown owner)",
        )

    def test_owner_at_capacity_returns_after_release(self):
        rule = round_robin(
            "Inbound",
            PoolMember(owner="alice@example.com", capacity=1),
            PoolMember(owner="bob@example.com", capacity=1),
        )
        decisions, state = route_many(leads(3), rules_of(rule))
        assert owner_ids(decisions) == ["o-alice", "o-bob", None]
        state = release(state, "ALICE@example.com")
        decision = route(contact("c9"), OWNERS, rules_of(rule), state)
        assert decision.assignment is not None
        assert decision.assignment.owner_id == "o-alice"

    def test_skipped_member_does_not_lose_its_turn_forever(self):
        rule = round_robin()
        ooo = rules_of(rule, out_of_office=("alice@example.com",))
        decisions_away, state = route_many(leads(2), ooo)
        assert owner_ids(decisions_away) == ["o-bob", "o-bob"]
        decisions_back, _ = route_many(leads(4), rules_of(rule), state)
        assert Counter(owner_ids(decisions_back)) == {"o-alice": 2, "o-bob": 2}

    def test_state_of_removed_pool_members_is_ignored(self):
        state = RoutingState(weights={"Inbound": {"zed@example.com": 99, "bob@example.com": 0}})
        decision = route(contact(), OWNERS, rules_of(round_robin()), state)
        assert decision.assignment is not None
        assert decision.assignment.owner_id == "o-alice"
        assert set(decision.state.weights["Inbound"]) == {"alice@example.com", "bob@example.com"}

    def test_rules_are_tried_in_order(self):
        first = round_robin("First", PoolMember(owner="carol@example.com"))
        second = round_robin("Second", PoolMember(owner="erin@example.com"))
        decision = route(contact(), OWNERS, rules_of(first, second), RoutingState())
        assert decision.assignment.rule == "First"  # type: ignore[union-attr]


class TestFallbackAndNobody:
    FULL = round_robin("Inbound", PoolMember(owner="alice@example.com", capacity=1))

    def test_fallback_takes_what_no_rule_can(self):
        rules = rules_of(self.FULL, fallback_owner="Erin@Example.com")
        state = RoutingState(load={"alice@example.com": 1})
        decision = route(contact(), OWNERS, rules, state)
        assert decision.assignment is not None
        assert decision.assignment.owner_id == "o-erin"
        assert decision.assignment.rule == FALLBACK_RULE
        assert decision.reasons == (
            "round robin Inbound: no available owner among 1 owner "
            "(1 skipped: alice@example.com at capacity 1/1)",
            "fallback owner Erin@Example.com",
        )
        assert decision.state.load["erin@example.com"] == 1

    @pytest.mark.parametrize(
        ("fallback", "out_of_office", "why"),
        [
            (None, (), "no fallback owner is configured"),
            ("erin@example.com", ("erin@example.com",), "out of office"),
            ("dave@example.com", (), "inactive"),
            ("ghost@example.com", (), "unknown owner"),
        ],
    )
    def test_nobody_available_gives_no_assignment_and_says_why(
        self, fallback: str | None, out_of_office: tuple[str, ...], why: str
    ):
        rules = rules_of(self.FULL, fallback_owner=fallback, out_of_office=out_of_office)
        state = RoutingState(load={"alice@example.com": 1})
        decision = route(contact(), OWNERS, rules, state)
        assert decision.assignment is None
        assert decision.state == state
        assert why in decision.reasons[-2]
        assert decision.reasons[-1].startswith("no owner assigned")


class TestEmailsAndState:
    def test_emails_compare_case_insensitively(self):
        rule = round_robin(
            "Inbound", PoolMember(owner="ALICE@EXAMPLE.COM"), PoolMember(owner="Bob@Example.Com")
        )
        rules = rules_of(rule, out_of_office=("BOB@example.COM",))
        decisions, state = route_many(leads(2), rules)
        assert owner_ids(decisions) == ["o-alice", "o-alice"]
        assert state.load == {"alice@example.com": 2}

    def test_active_owner_wins_over_an_inactive_duplicate_email(self):
        ghost = Owner(id="o-old-alice", email="alice@example.com", active=False)
        rule = round_robin("Inbound", PoolMember(owner="alice@example.com"))
        decision = route(contact(), (ghost, *OWNERS), rules_of(rule), RoutingState())
        assert decision.assignment.owner_id == "o-alice"  # type: ignore[union-attr]

    def test_state_round_trips_through_json(self):
        rule = round_robin(
            "Inbound",
            PoolMember(owner="alice@example.com", weight=3),
            PoolMember(owner="bob@example.com", weight=2),
            PoolMember(owner="carol@example.com", weight=1, capacity=5),
        )
        rules = rules_of(rule)
        straight, _ = route_many(leads(12), rules)
        first, state = route_many(leads(5), rules)
        restored = RoutingState.model_validate_json(state.model_dump_json())
        assert restored == state
        rest, _ = route_many(leads(12)[5:], rules, restored)
        assert owner_ids(first + rest) == owner_ids(straight)

    def test_release_never_goes_below_zero_and_forgets_idle_owners(self):
        state = RoutingState(load={"alice@example.com": 2})
        state = release(state, "Alice@Example.com")
        assert state.load == {"alice@example.com": 1}
        state = release(state, "alice@example.com")
        assert state.load == {}
        assert release(state, "alice@example.com").load == {}

    def test_route_does_not_mutate_the_given_state(self):
        state = RoutingState()
        route(contact(), OWNERS, rules_of(round_robin()), state)
        assert state == RoutingState()


def test_needs_routing_from_the_configured_stage_on():
    rules = rules_of(round_robin())
    assert not needs_routing(None, rules)
    assert not needs_routing(LifecycleStage.LEAD, rules)
    assert needs_routing(LifecycleStage.MQL, rules)
    assert needs_routing(LifecycleStage.SQL, rules)
    assert not needs_routing(LifecycleStage.OTHER, rules)


# --- properties -----------------------------------------------------------------------------------

POOL_OWNERS = tuple(Owner(id=f"o{i}", email=f"owner{i}@example.com") for i in range(8))


@settings(max_examples=60, deadline=None)
@given(k=st.integers(1, 8), n=st.integers(0, 60))
def test_equal_weights_spread_n_leads_within_one(k: int, n: int):
    rule = RoutingRule(
        name="Pool",
        type=RouteKind.ROUND_ROBIN,
        pool=tuple(PoolMember(owner=owner.email or "") for owner in POOL_OWNERS[:k]),
    )
    rules = RoutingRules(rules=(rule,))
    state = RoutingState()
    counts: Counter[str] = Counter({owner.id: 0 for owner in POOL_OWNERS[:k]})
    for i in range(n):
        decision = route(contact(f"c{i}"), POOL_OWNERS, rules, state)
        assert decision.assignment is not None
        counts[decision.assignment.owner_id] += 1
        state = decision.state
        assert max(counts.values()) - min(counts.values()) <= 1
    assert sum(state.load.values()) == n


@settings(max_examples=40, deadline=None)
@given(weights=st.lists(st.integers(1, 5), min_size=1, max_size=5), rounds=st.integers(1, 4))
def test_weights_give_exact_shares_over_full_cycles(weights: list[int], rounds: int):
    rule = RoutingRule(
        name="Pool",
        type=RouteKind.ROUND_ROBIN,
        pool=tuple(
            PoolMember(owner=owner.email or "", weight=weight)
            for owner, weight in zip(POOL_OWNERS, weights, strict=False)
        ),
    )
    rules = RoutingRules(rules=(rule,))
    state = RoutingState()
    counts: Counter[str] = Counter()
    for i in range(sum(weights) * rounds):
        decision = route(contact(f"c{i}"), POOL_OWNERS, rules, state)
        counts[decision.assignment.owner_id] += 1  # type: ignore[union-attr]
        state = decision.state
    assert [counts[f"o{i}"] for i in range(len(weights))] == [w * rounds for w in weights]


@settings(max_examples=40, deadline=None)
@given(
    loads=st.dictionaries(
        st.sampled_from([owner.email or "" for owner in POOL_OWNERS]), st.integers(0, 4)
    ),
    away=st.sets(st.sampled_from([owner.email or "" for owner in POOL_OWNERS])),
    country=st.sampled_from(["DE", "FR", None]),
)
def test_same_input_gives_same_output(loads: dict[str, int], away: set[str], country: str | None):
    rules = RoutingRules(
        rules=(
            RoutingRule(
                name="DACH",
                type=RouteKind.TERRITORY,
                when=(DACH,),
                pool=tuple(PoolMember(owner=o.email or "", capacity=3) for o in POOL_OWNERS[:3]),
            ),
            RoutingRule(
                name="Rest",
                type=RouteKind.ROUND_ROBIN,
                pool=tuple(PoolMember(owner=o.email or "", capacity=2) for o in POOL_OWNERS[3:]),
            ),
        ),
        out_of_office=tuple(sorted(away)),
        fallback_owner="owner0@example.com",
    )
    state = RoutingState(load=loads)
    one = route(contact(country=country), POOL_OWNERS, rules, state)
    two = route(contact(country=country), POOL_OWNERS, rules, RoutingState(load=dict(loads)))
    assert one == two
