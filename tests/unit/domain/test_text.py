"""Written text is cut to the field's length on a character boundary, with a visible ellipsis."""

from hypothesis import given, settings
from hypothesis import strategies as st

from connector.domain.text import ELLIPSIS, bounded, cut_from


def test_short_text_is_unchanged():
    assert bounded("Follow up: Ada", 255) == "Follow up: Ada"
    assert bounded("x" * 300, None) == "x" * 300


def test_a_100_kb_name_is_cut_to_the_limit_with_an_ellipsis():
    text = "Follow up: " + "Ä" * 100_000
    cut = bounded(text, 255)
    assert len(cut) == 255 and cut.endswith(ELLIPSIS) and cut.startswith("Follow up: ÄÄ")


def test_multi_byte_characters_and_combining_marks_stay_whole():
    emoji = "🚀" * 300  # one code point each, four UTF-8 bytes
    assert bounded(emoji, 100) == "🚀" * 99 + ELLIPSIS
    combined = "e\u0301" * 200  # é as e + combining acute
    cut = bounded(combined, 100)
    assert cut.endswith("e\u0301" + ELLIPSIS) or cut.endswith("\u0301" + ELLIPSIS)
    assert not cut[:-1].endswith("e")  # never a base without its mark
    cut.encode("utf-8")  # valid text


@settings(max_examples=200, deadline=None)
@given(st.text(), st.integers(min_value=1, max_value=300))
def test_never_longer_than_the_limit_and_a_prefix_when_cut(text: str, limit: int):
    cut = bounded(text, limit)
    assert len(cut) <= limit
    if len(text) <= limit:
        assert cut == text
    else:
        assert cut.endswith(ELLIPSIS)
        assert text.startswith(cut[: -len(ELLIPSIS)])


@settings(max_examples=200, deadline=None)
@given(st.text(), st.integers(min_value=1, max_value=300))
def test_a_cut_text_is_recognised_as_cut_from_its_source(text: str, limit: int):
    cut = bounded(text, limit)
    assert cut_from(cut, text) == (cut != text)


def test_a_cut_text_is_not_cut_from_another_text():
    cut = bounded("score 72: demo request, webinar", 12)
    assert cut_from(cut, "score 72: demo request, webinar")
    assert not cut_from(cut, "score 81: demo request, webinar")  # the start changed
    assert not cut_from(cut, cut)  # equal is equal, not cut
    assert not cut_from("score 72", "score 72: demo")  # no ellipsis: a different value
