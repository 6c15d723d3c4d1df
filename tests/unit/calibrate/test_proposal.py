"""Patching learned values into a rules file in place: numbers replaced where they stand,
comments added or replaced, everything else byte for byte."""

import pytest

from connector.calibrate.errors import CalibrationError
from connector.calibrate.proposal import Change, patch

TEXT = """\
# header comment
scoring:
  engagement:
    - {kind: page_view,     points: 1,   cap_per_day: 5,  cap_total: 20}
    - {kind: unsubscribe,   points: -30}   # facts do not fade
lifecycle:
  mql:                 # marketing-qualified
    min_score: 100
    min_grade: C       # the worst grade
"""


def test_numbers_are_replaced_in_place_with_a_comment_and_the_rest_is_untouched():
    out = patch(
        TEXT,
        [
            Change(("scoring", "engagement", 0, "points"), 3, "was 1, support 40"),
            Change(("scoring", "engagement", 0, "cap_total"), 60, None),
            Change(("lifecycle", "mql", "min_score"), 35, "was 100"),
        ],
    )
    lines, before = out.splitlines(), TEXT.splitlines()
    assert lines[3] == (
        "    - {kind: page_view,     points: 3,   cap_per_day: 5,  cap_total: 60}"
        "  # calibrated: was 1, support 40"
    )
    assert lines[7] == "    min_score: 35  # calibrated: was 100"
    assert [i for i, (a, b) in enumerate(zip(before, lines, strict=True)) if a != b] == [3, 7]


def test_an_existing_comment_is_kept_after_ours_and_ours_is_replaced_next_time():
    once = patch(TEXT, [Change(("scoring", "engagement", 1, "points"), -12, "was -30")])
    assert once.splitlines()[4] == (
        "    - {kind: unsubscribe,   points: -12}  # calibrated: was -30 — facts do not fade"
    )
    twice = patch(once, [Change(("scoring", "engagement", 1, "points"), -9, "was -12")])
    assert twice.splitlines()[4] == (
        "    - {kind: unsubscribe,   points: -9}  # calibrated: was -12 — facts do not fade"
    )


def test_the_grade_gate_is_replaced_in_place():
    grade = Change(("lifecycle", "mql", "min_grade"), "D", "was C, chosen with min_score")
    out = patch(TEXT, [grade]).splitlines()
    assert (
        out[8] == "    min_grade: D  # calibrated: was C, chosen with min_score — the worst grade"
    )


def test_a_value_that_is_not_a_number_is_refused():
    with pytest.raises(CalibrationError, match="expected a number"):
        patch(TEXT, [Change(("lifecycle", "mql", "min_grade"), 3, "x")])
