"""Owner routing: who gets a lead that needs an owner, and why.

Rules are tried in the order of the rules file until one yields an available owner; the
fallback owner catches the rest. Pools, the out-of-office list and the fallback name owners by
e-mail address so one rules file serves every CRM; they are resolved against the CRM's owner
list case-insensitively.

Round-robin position and per-owner load are explicit state (`RoutingState`) that `route` takes
in and hands back, so the sync engine can persist it between runs and a dry run can throw it
away. Nothing lives in module globals; the same input always gives the same decision.
"""

import difflib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from pydantic import Field

from connector.domain import Value
from connector.domain.conditions import condition_holds, describe
from connector.domain.contact import Contact, Owner
from connector.domain.outcomes import Assignment
from connector.domain.policy import PolicyProblem, PoolMember, RouteKind, RoutingRule, RoutingRules
from connector.domain.stages import LifecycleStage

EXISTING_OWNER_RULE = "existing owner"
FALLBACK_RULE = "fallback"


def normalise_email(email: str) -> str:
    """E-mail addresses compare case-insensitively: CRMs and rules files disagree on case."""
    return email.strip().lower()


class RoutingState(Value):
    """What routing remembers between runs; JSON-serialisable so the sync engine can store it.

    `weights` holds, per routing rule name, the smooth-weighted-round-robin current weight of
    each pool member (by normalised e-mail). `load` holds, per owner e-mail, how many open leads
    the connector has assigned to that owner and not yet released; capacity caps compare
    against it.
    """

    weights: dict[str, dict[str, int]] = Field(default_factory=dict)
    load: dict[str, int] = Field(default_factory=dict)

    def load_of(self, email: str) -> int:
        return self.load.get(normalise_email(email), 0)


class RoutingDecision(Value):
    """The outcome of routing one contact.

    `reasons` is the whole trail (every rule tried and why it did or did not yield an owner);
    `assignment.reasons` holds only why the chosen owner was chosen. `state` is the routing
    state to persist after this decision.
    """

    assignment: Assignment | None
    reasons: tuple[str, ...]
    state: RoutingState


class _Directory:
    """The CRM's owners indexed by id and by normalised e-mail, plus who is out of office.

    When two CRM users share an e-mail address, the first active one wins, so a deactivated
    duplicate never shadows the person who still works there.
    """

    def __init__(self, owners: Sequence[Owner], out_of_office: Sequence[str]) -> None:
        self.by_id = {owner.id: owner for owner in owners}
        self.by_email: dict[str, Owner] = {}
        for owner in owners:
            if not owner.email:
                continue
            key = normalise_email(owner.email)
            if key not in self.by_email or (owner.active and not self.by_email[key].active):
                self.by_email[key] = owner
        self.out_of_office = {normalise_email(email) for email in out_of_office}

    def unavailable(self, owner: Owner) -> str | None:
        """Why a known owner cannot take a lead whatever the load, or None."""
        if not owner.active:
            return "inactive"
        if owner.email and normalise_email(owner.email) in self.out_of_office:
            return "out of office"
        return None


def _availability(
    email: str, directory: _Directory, state: RoutingState, capacity: int | None
) -> tuple[Owner | None, str | None]:
    """The owner behind an e-mail if they can take a lead now, else None and why not."""
    owner = directory.by_email.get(normalise_email(email))
    if owner is None:
        return None, "unknown owner"
    if why := directory.unavailable(owner):
        return None, why
    if capacity is not None and state.load_of(email) >= capacity:
        return None, f"at capacity {state.load_of(email)}/{capacity}"
    return owner, None


def _with_load(state: RoutingState, owner: Owner) -> RoutingState:
    """The state after one more lead went to `owner`. Owners without an e-mail cannot be in a
    pool, so their load is not tracked."""
    if not owner.email:
        return state
    key = normalise_email(owner.email)
    return state.model_copy(update={"load": {**state.load, key: state.load.get(key, 0) + 1}})


def release(state: RoutingState, owner_email: str) -> RoutingState:
    """The state after a lead left `owner_email` (recycled, disqualified, reassigned by hand).

    Load never goes below zero, and an owner with no load left disappears from the state so it
    does not grow with every owner who ever held a lead.
    """
    key = normalise_email(owner_email)
    load = dict(state.load)
    remaining = load.pop(key, 0) - 1
    if remaining > 0:
        load[key] = remaining
    return state.model_copy(update={"load": load})


def needs_routing(stage: LifecycleStage | None, rules: RoutingRules) -> bool:
    """Whether a contact at `stage` should get an owner at all: routing starts at
    `rules.assign_from_stage` and applies to every funnel stage after it, never to `other`."""
    return stage is not None and (
        stage == rules.assign_from_stage or rules.assign_from_stage.is_before(stage)
    )


def _describe_when(rule: RoutingRule) -> str:
    return " and ".join(describe(c) for c in rule.when) or "every contact"


def _smooth_pick(
    available: Sequence[PoolMember], current: Mapping[str, int]
) -> tuple[PoolMember, dict[str, int]]:
    """One step of nginx's smooth weighted round robin over the available members.

    Each member's current weight grows by its weight; the largest wins (ties go to the member
    listed first, for determinism) and pays back the total. This spreads picks evenly in time
    (2:1 gives a, b, a, a, b, a, ... rather than a, a, b) and keeps equal weights within one
    of each other. Members skipped this time keep their current weight untouched.
    """
    total = sum(member.weight for member in available)
    updated = dict(current)
    for member in available:
        key = normalise_email(member.owner)
        updated[key] = updated.get(key, 0) + member.weight
    chosen = max(available, key=lambda m: updated[normalise_email(m.owner)])
    updated[normalise_email(chosen.owner)] -= total
    return chosen, updated


@dataclass(frozen=True)
class _Outcome:
    """What trying one rule gave: an owner (and the reason) with the state after choosing them,
    or only a reason why not."""

    owner_id: str | None
    reason: str
    state: RoutingState


def _pool_text(pool: Sequence[PoolMember]) -> str:
    return f"{len(pool)} owner{'s' if len(pool) != 1 else ''}"


def _route_pool(rule: RoutingRule, directory: _Directory, state: RoutingState) -> _Outcome:
    """Weighted round robin within a rule's pool, skipping members who cannot take a lead."""
    available: list[tuple[PoolMember, Owner]] = []
    skips: list[str] = []  # "<e-mail> <why>" of each member who cannot take the lead
    for member in rule.pool:
        owner, why = _availability(member.owner, directory, state, member.capacity)
        if owner is None:
            skips.append(f"{member.owner} {why or 'unavailable'}")
        else:
            available.append((member, owner))
    skipped_text = f" ({len(skips)} skipped: {', '.join(skips)})" if skips else ""
    if not available:
        return _Outcome(
            owner_id=None,
            reason=f"{_kind_label(rule)}: no available owner among "
            f"{_pool_text(rule.pool)}{skipped_text}",
            state=state,
        )
    pool_emails = {normalise_email(member.owner) for member in rule.pool}
    current = {
        email: weight
        for email, weight in state.weights.get(rule.name, {}).items()
        if email in pool_emails
    }
    chosen, current = _smooth_pick([member for member, _ in available], current)
    owner = next(owner for member, owner in available if member is chosen)
    weights = {**state.weights, rule.name: current}
    return _Outcome(
        owner_id=owner.id,
        reason=_success_reason(rule, skipped_text),
        state=_with_load(state.model_copy(update={"weights": weights}), owner),
    )


def _kind_label(rule: RoutingRule) -> str:
    kind = "territory" if rule.type == RouteKind.TERRITORY else "round robin"
    return f"{kind} {rule.name}"


def _success_reason(rule: RoutingRule, skipped_text: str) -> str:
    """E.g. "territory DACH: country in [DE, AT, CH]" or "round robin Inbound over 3 owners
    (2 skipped: a@x.com out of office, b@x.com at capacity 5/5)"."""
    spread = f"over {_pool_text(rule.pool)}{skipped_text}"
    if rule.type == RouteKind.TERRITORY:
        reason = f"territory {rule.name}: {_describe_when(rule)}"
        return reason if len(rule.pool) == 1 else f"{reason}; round robin {spread}"
    reason = f"round robin {rule.name} {spread}"
    return f"{reason} for {_describe_when(rule)}" if rule.when else reason


def _route_account_owner(contact: Contact, directory: _Directory, state: RoutingState) -> _Outcome:
    """The owner of the contact's company keeps the relationship in one hand; capacity caps
    do not apply, because an account is not a fresh lead to spread."""
    company = contact.company
    if company is None:
        return _Outcome(None, "account owner: the contact has no company", state)
    label = f"account owner of {company.name or f'company {company.id}'}"
    if company.owner_id is None:
        return _Outcome(None, f"{label}: the company has no owner", state)
    owner = directory.by_id.get(company.owner_id)
    if owner is None:
        why = f"{company.owner_id} is not a known owner"
    elif unavailable := directory.unavailable(owner):
        why = f"{owner.email or owner.id} is {unavailable}"
    else:
        return _Outcome(owner.id, label, _with_load(state, owner))
    return _Outcome(None, f"{label}: {why}", state)


def _try_rule(
    rule: RoutingRule, contact: Contact, directory: _Directory, state: RoutingState
) -> _Outcome:
    """Apply one routing rule; a rule whose `when` does not hold yields nobody."""
    if rule.type == RouteKind.ACCOUNT_OWNER:
        return _route_account_owner(contact, directory, state)
    if not all(condition_holds(condition, contact) for condition in rule.when):
        return _Outcome(
            None, f"{_kind_label(rule)}: does not match ({_describe_when(rule)})", state
        )
    return _route_pool(rule, directory, state)


def _fallback(rules: RoutingRules, directory: _Directory, state: RoutingState) -> _Outcome:
    """The last resort; capacity caps do not apply, since the fallback exists to take what
    nobody else can."""
    if rules.fallback_owner is None:
        return _Outcome(None, "no fallback owner is configured", state)
    owner, why = _availability(rules.fallback_owner, directory, state, capacity=None)
    if owner is None:
        return _Outcome(None, f"fallback owner {rules.fallback_owner}: {why}", state)
    return _Outcome(owner.id, f"fallback owner {rules.fallback_owner}", _with_load(state, owner))


def _attempts(
    contact: Contact, rules: RoutingRules, directory: _Directory, state: RoutingState
) -> Iterator[tuple[str, _Outcome]]:
    """The existing owner's outcome, each rule's in order, then the fallback's, each from the
    same state; lazily, so nothing after the first that yields an owner is tried."""
    if contact.owner_id and rules.keep_existing_owner:
        # A person's choice in the CRM wins, even for an owner who is out of office (that is
        # temporary) or not in the owner list (it may be a queue); only an owner the CRM
        # reports as deactivated is routed away from, since nobody would follow the lead up.
        # Kept, their load is unchanged.
        current = directory.by_id.get(contact.owner_id)
        if current is None or current.active:
            reason = f"kept existing owner {contact.owner_id}"
            yield EXISTING_OWNER_RULE, _Outcome(contact.owner_id, reason, state)
        else:
            reason = f"existing owner {current.email or current.id} is inactive: routing again"
            yield EXISTING_OWNER_RULE, _Outcome(None, reason, state)
    for rule in rules.rules:
        yield rule.name, _try_rule(rule, contact, directory, state)
    yield FALLBACK_RULE, _fallback(rules, directory, state)


def route(
    contact: Contact, owners: Sequence[Owner], rules: RoutingRules, state: RoutingState
) -> RoutingDecision:
    """Decide the owner of `contact` and return the decision with the updated state.

    The contact's existing owner is kept when `rules.keep_existing_owner` is set (the state is
    then unchanged). Otherwise the rules are tried in order, then the fallback owner; the
    chosen owner's load grows by one. When nobody is available the assignment is None and the
    reasons say why.
    """
    trail: list[str] = []
    for rule, outcome in _attempts(contact, rules, _Directory(owners, rules.out_of_office), state):
        trail.append(outcome.reason)
        if outcome.owner_id is not None:
            assignment = Assignment(
                contact_id=contact.id,
                owner_id=outcome.owner_id,
                rule=rule,
                reasons=(outcome.reason,),
            )
            return RoutingDecision(assignment=assignment, reasons=tuple(trail), state=outcome.state)
    trail.append("no owner assigned: no routing rule yielded an available owner")
    return RoutingDecision(assignment=None, reasons=tuple(trail), state=state)


def unknown_owner_problems(rules: RoutingRules, owners: Sequence[Owner]) -> list[PolicyProblem]:
    """Every owner e-mail the routing rules name that no active CRM user has.

    A typo would not fail anything: the pool would quietly skip that rep ("unavailable") and
    their leads would go to the others. So a run refuses to start instead, naming the entry,
    with the closest active e-mail as a hint.
    """
    active = sorted(
        {normalise_email(owner.email) for owner in owners if owner.active and owner.email}
    )
    named: list[tuple[tuple[str | int, ...], str]] = [
        (("routing", "rules", index, "pool", position, "owner"), member.owner)
        for index, rule in enumerate(rules.rules)
        for position, member in enumerate(rule.pool)
    ]
    if rules.fallback_owner:
        named.append((("routing", "fallback_owner"), rules.fallback_owner))
    named += [
        (("routing", "out_of_office", index), email)
        for index, email in enumerate(rules.out_of_office)
    ]
    problems = []
    for path, email in named:
        key = normalise_email(email)
        if key in active:
            continue
        close = difflib.get_close_matches(key, active, n=1, cutoff=0.8)
        hint = f" (did you mean {close[0]}?)" if close else ""
        problems.append(
            PolicyProblem(
                path=path,
                message=f"no active user in the CRM has the e-mail {email!r}{hint}. Fix the "
                "address or activate the user: a run will not route around a missing owner",
            )
        )
    return problems


def reroute_in_pool(
    away_from: str, owners: Sequence[Owner], rules: RoutingRules, state: RoutingState
) -> tuple[str | None, str, RoutingState] | None:
    """The id of the next available owner of the first pool (in the rules' order) that names
    `away_from` (an e-mail), other than `away_from`, with the load moved from that owner to
    the new one (SLA escalation: the lead changes hands, the owner who let it lapse is never
    chosen again); None when no pool names `away_from`. Capacity and out-of-office apply as in
    `route`; when nobody is available the owner is None, the reason says why and the state is
    unchanged."""
    key = normalise_email(away_from)
    for rule in rules.rules:
        others = tuple(member for member in rule.pool if normalise_email(member.owner) != key)
        if len(others) < len(rule.pool):
            break
    else:
        return None
    if not others:
        return None, f"{_kind_label(rule)}: no other owner in the pool", state
    directory = _Directory(owners, rules.out_of_office)
    outcome = _route_pool(rule.model_copy(update={"pool": others}), directory, state)
    if outcome.owner_id is None:
        return None, outcome.reason, state
    return outcome.owner_id, outcome.reason, release(outcome.state, away_from)
