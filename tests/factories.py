"""Builders for domain objects in tests: realistic defaults, override only what a test is about."""

from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from connector.domain.contact import Company, Contact, Owner
from connector.domain.engagement import Engagement, EngagementKind
from connector.domain.policy import RulesPolicy
from connector.mapping.loader import load_rules

if TYPE_CHECKING:
    from connector.adapters.salesforce import SalesforceSettings
    from connector.sandbox.salesforce import SalesforceSandbox

REPO = Path(__file__).resolve().parents[1]
MAPPINGS = REPO / "mappings"
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # a Wednesday afternoon
#: The X Education lead history (not in the repository): beside the checkout, or the shared one.
DATASET = next(
    (
        path
        for path in (
            REPO.parent / "shared" / "datasets" / "x-education-leads.csv",
            Path("/work/shared/datasets/x-education-leads.csv"),
        )
        if path.is_file()
    ),
    REPO.parent / "shared" / "datasets" / "x-education-leads.csv",
)


@cache
def shipped_policy() -> RulesPolicy:
    return load_rules(MAPPINGS / "rules.yaml")


def policy_with(**changes: Any) -> RulesPolicy:
    """The shipped policy with top-level sections replaced, e.g. policy_with(lifecycle=...)."""
    data = shipped_policy().model_dump(by_alias=True)
    for key, value in changes.items():
        if isinstance(value, dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return RulesPolicy.model_validate(data)


def company(**overrides: Any) -> Company:
    values: dict[str, Any] = {
        "id": "co-1",
        "name": "Acme Analytics",
        "domain": "acme.example",
        "industry": "Software",
        "employees": 800,
        "annual_revenue": 50_000_000,
        "country": "United States",
    }
    values.update(overrides)
    return Company(**values)


def contact(**overrides: Any) -> Contact:
    values: dict[str, Any] = {
        "id": "c-1",
        "email": "dana.reyes@acme.example",
        "first_name": "Dana",
        "last_name": "Reyes",
        "job_title": "VP Marketing",
        "country": "United States",
        "company": company(),
    }
    values.update(overrides)
    return Contact(**values)


def event(
    kind: EngagementKind | str,
    days_ago: float = 0,
    *,
    contact_id: str = "c-1",
    quantity: int = 1,
    now: datetime = NOW,
) -> Engagement:
    return Engagement(
        contact_id=contact_id,
        kind=EngagementKind(kind),
        occurred_at=now - timedelta(days=days_ago),
        quantity=quantity,
    )


def engagement_lists(
    *, newest_days_ago: float, oldest_days_ago: float, most: int, max_size: int
) -> st.SearchStrategy[list[Engagement]]:
    """One person's engagement for property tests: any kind, dated between `newest_days_ago`
    (negative: in the future) and `oldest_days_ago`, each of 1 to `most` occurrences."""
    return st.lists(
        st.builds(
            lambda kind, age, quantity: event(kind, days_ago=age, quantity=quantity),
            st.sampled_from(list(EngagementKind)),
            st.floats(min_value=newest_days_ago, max_value=oldest_days_ago, allow_nan=False),
            st.integers(min_value=1, max_value=most),
        ),
        max_size=max_size,
    )


def owners() -> list[Owner]:
    emails = [
        "alex.kim@sandbox.example",
        "jordan.diaz@sandbox.example",
        "riley.chen@sandbox.example",
        "morgan.lee@sandbox.example",
        "sam.fischer@sandbox.example",
    ]
    return [Owner(id=str(100 + index), email=email) for index, email in enumerate(emails)]


def fast_hubspot_adapter(sandbox: Any, mappings: Path = MAPPINGS, **overrides: Any) -> Any:
    """A HubSpot adapter on a sandbox, with waits short enough for tests (retries, search
    index lag, pacing); `overrides` change any other setting. Imported lazily: the unit tests
    that use this module need no SDK."""
    from connector.adapters.hubspot import HubSpotAdapter
    from connector.adapters.hubspot.settings import HubSpotSettings
    from connector.adapters.retry import RetryPolicy
    from connector.mapping.crm_schema import HubSpotMapping
    from connector.mapping.loader import load_mapping_dir

    mapping = load_mapping_dir(mappings).crms["hubspot"]
    assert isinstance(mapping, HubSpotMapping)
    settings = HubSpotSettings(
        _env_file=None,  # type: ignore[call-arg]
        access_token=sandbox.token,
        base_url=sandbox.url,
        **{
            "retry": RetryPolicy(max_attempts=8, initial_wait=0.005, max_wait=0.05, jitter=0.005),
            "search_index_lag_seconds": 0.01,
            "burst_limit": 100_000,
            "search_limit_per_second": 1000,
            **overrides,
        },
    )
    return HubSpotAdapter(settings, mapping)


def salesforce_settings(sandbox: "SalesforceSandbox", **overrides: Any) -> "SalesforceSettings":
    """Settings that reach a Salesforce sandbox like a real org: its login URL, the OAuth
    username-password flow with its credentials, and its CA file (`overrides` win)."""
    from connector.adapters.salesforce import SalesforceSettings  # (only the tests that need it)

    creds = sandbox.credentials
    values: dict[str, Any] = {
        "login_url": sandbox.login_url,
        "auth_flow": "password",
        "client_id": creds.client_id,
        "client_secret": creds.client_secret,
        "username": creds.username,
        "password": creds.password,
        "security_token": creds.security_token,
        "ca_file": sandbox.ca_file,
        "bulk_poll_seconds": 0.01,
        **overrides,
    }
    return SalesforceSettings(_env_file=None, **values)  # type: ignore[call-arg]
