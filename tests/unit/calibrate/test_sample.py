"""What keeps calibrate's memory flat: the bounded reservoir of rows (uniform, reproducible, both
outcomes kept), the per-rule counts streamed over every training person (the same as counting a
full matrix), and the History that combines them."""

import numpy as np
import pytest

from connector.calibrate.counts import BLOCK, RuleCounts
from connector.calibrate.features import Row
from connector.calibrate.fit import History
from connector.calibrate.sample import Reservoir

WIDTH = 3


def _offer_all(reservoir: Reservoir, count: int) -> None:
    for order in range(count):
        reservoir.offer([float(order), 0.0, 1.0], order % 2, order)


def test_below_capacity_every_row_comes_back_in_order():
    reservoir = Reservoir(WIDTH, capacity=10, seed=1)
    _offer_all(reservoir, 7)
    matrix, tags, order = reservoir.rows()
    assert not reservoir.sampled
    assert order.tolist() == list(range(7))
    assert matrix[:, 0].tolist() == [float(i) for i in range(7)]
    assert tags.tolist() == [i % 2 for i in range(7)]


def test_the_reservoir_is_bounded_uniform_and_reproducible():
    first, second, other = (Reservoir(WIDTH, 1_000, seed) for seed in (7, 7, 8))
    for reservoir in (first, second, other):
        _offer_all(reservoir, 20_000)
    rows, _, order = first.rows()
    assert len(first) == 1_000 and first.sampled and first.offered == 20_000
    # each row kept with its own values and tag
    assert (rows[:, 0] == order.astype(np.float32)).all()
    # the same seed keeps the same rows, another seed others
    assert first.rows()[2].tolist() == second.rows()[2].tolist()
    assert first.rows()[2].tolist() != other.rows()[2].tolist()
    # uniform over the whole stream, not the first or the last rows: every fifth of the
    # stream holds about a fifth of the sample (binomial sd ~12.6 of 200)
    fifths = np.bincount(order // 4_000, minlength=5)
    assert all(150 < count < 250 for count in fifths), fifths


def _row(value: float, disqualified: bool = False) -> Row:
    return Row([value, 1.0, 0.0], disqualified)


def test_a_rare_outcome_is_kept_whole_and_rows_are_weighted_back():
    history = History(WIDTH, sample_size=1_000, holdout_size=100, seed=3)
    for index in range(10_000):
        converted = index % 200 == 0  # 50 converted people among 10,000
        history.add(_row(float(index)), converted, held_out=False)
    history.finish()
    sample = history.training_sample()
    assert int(sample.y.sum()) == 50  # every converted person
    assert int((~sample.y).sum()) == 500  # half of the cap for the other outcome
    assert sample.weights is not None
    assert set(sample.weights[sample.y].tolist()) == {1.0}
    assert set(sample.weights[~sample.y].tolist()) == {9_950 / 500}
    # the weighted sample stands for every training person
    assert sample.weights.sum() == pytest.approx(10_000)
    # still in CRM read order
    assert (np.diff(sample.x[:, 0]) > 0).all()
    assert history.fit_rows == 550 and history.counts.people == 10_000


def test_below_the_caps_the_training_rows_are_all_there_unweighted():
    history = History(WIDTH, sample_size=1_000, holdout_size=100)
    for index in range(300):
        history.add(_row(float(index)), index % 3 == 0, held_out=False)
    history.finish()
    sample = history.training_sample()
    assert sample.weights is None
    assert sample.x[:, 0].tolist() == [float(i) for i in range(300)]
    assert sample.y.tolist() == [i % 3 == 0 for i in range(300)]


def test_the_holdout_keeps_outcome_and_disqualification_per_row():
    history = History(WIDTH, sample_size=1_000, holdout_size=100)
    people = [(float(i), i % 4 == 0, i % 5 == 0) for i in range(60)]
    for value, converted, gone in people:
        history.add(_row(value, gone), converted, held_out=True)
    history.finish()
    held = history.holdout_sample()
    assert held.x[:, 0].tolist() == [value for value, _, _ in people]
    assert held.y.tolist() == [converted for _, converted, _ in people]
    assert held.disqualified.tolist() == [gone for _, _, gone in people]
    assert history.held_people == 60 and history.held_converted == 15
    assert len(history) == 60 and history.counts.people == 0


def test_streamed_counts_equal_counting_the_whole_matrix():
    generator = np.random.default_rng(5)
    people = 3 * BLOCK + 123  # several blocks and a partial one
    x = np.zeros((people, 5), dtype=np.float32)
    x[:, 0] = generator.exponential(3.0, people) * (generator.random(people) < 0.3)
    x[:, 1] = generator.random(people) < 0.05
    x[:, 2] = 1.0  # fired for everyone: no spread
    x[:, 3] = 1e6 + generator.integers(0, 3, people)  # large values, small spread
    # column 4 never fires
    y = generator.random(people) < 0.2
    counts = RuleCounts(5)
    for values, outcome in zip(x.tolist(), y.tolist(), strict=True):
        counts.add(values, outcome)
    counts.finish()
    fired = x != 0
    assert counts.people == people and counts.converted == int(y.sum())
    assert counts.support.tolist() == fired.sum(axis=0).tolist()
    assert counts.support_converted.tolist() == fired[y].sum(axis=0).tolist()
    spread = counts.spread()
    np.testing.assert_allclose(spread, x.std(axis=0, dtype=np.float64), rtol=1e-9)
    assert spread[2] == 0.0 and spread[4] == 0.0
