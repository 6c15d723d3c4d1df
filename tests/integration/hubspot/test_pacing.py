"""Client-side pacing: the limiter's arithmetic on a recorded clock, then against the
sandbox's real rolling ten-second window (no 429 may come back)."""

from __future__ import annotations

from connector.adapters.hubspot.pacing import RatePacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def sent_within(times: list[float], window: float) -> int:
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


def test_never_more_than_the_burst_limit_in_any_window():
    fake = FakeTime()
    pacer = RatePacer(
        burst_limit=5, window_seconds=10, search_per_second=100, clock=fake.clock, sleep=fake.sleep
    )
    times = []
    for _ in range(17):
        pacer.before()
        times.append(fake.now)
        fake.now += 0.01
    assert sent_within(times, 10) == 5
    assert times[5] - times[0] >= 10


def test_searches_stay_under_their_own_limit():
    fake = FakeTime()
    pacer = RatePacer(
        burst_limit=1000, window_seconds=10, search_per_second=5, clock=fake.clock, sleep=fake.sleep
    )
    times = []
    for _ in range(12):
        pacer.before(search=True)
        times.append(fake.now)
    assert sent_within(times, 1.0) == 5
    pacer.before(search=False)  # other requests are not held back by the search limit
    assert fake.now == times[-1]


def test_the_portals_headers_lower_the_limit_and_slow_requests_down():
    fake = FakeTime()
    pacer = RatePacer(
        burst_limit=100,
        window_seconds=10,
        search_per_second=100,
        clock=fake.clock,
        sleep=fake.sleep,
    )
    pacer.before()
    pacer.after(
        {
            "X-HubSpot-RateLimit-Max": "20",
            "X-HubSpot-RateLimit-Remaining": "1",
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        }
    )
    start = fake.now
    pacer.before()
    assert fake.now - start >= 10 / 20  # one request per average slot while little is left
    pacer.after({"X-HubSpot-RateLimit-Remaining": "15"})
    start = fake.now
    pacer.before()
    assert fake.now == start


def test_the_sandboxs_burst_limit_is_learned_and_never_hit(make_sandbox, make_adapter):
    sandbox = make_sandbox(contacts=10, rate_limit=3)
    adapter = make_adapter(sandbox, burst_limit=100, search_limit_per_second=5)
    for _ in range(4):
        assert adapter.count_contacts(None) == 10
    # The sandbox counts its ten-second window in real time: four requests and not a single
    # 429 means the fourth waited for the window to roll, and the pacer says it waited (no
    # wall-clock bound here: bench/ measures time, this test the behaviour).
    assert sandbox.log.statuses() == {200: 4}
    assert adapter.client.pacer.portal_max == 3
    assert adapter.client.pacer.waited_seconds > 0
