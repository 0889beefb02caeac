"""Normalisation and the automaton: evasions still match, allow phrases and scope hold."""

from __future__ import annotations

import pytest

from scrm.compliance.matcher import Entry, Matcher
from scrm.compliance.normalize import encode, encode_with_offsets, normalize

WORDS = [
    Entry(1, "赌博", "gambling", "high"),
    Entry(2, "加微信", "diversion", "medium"),
    Entry(3, "VX", "diversion", "low"),
    Entry(4, "返现", "promise", "medium", directions=frozenset({"staff_to_customer"})),
    Entry(5, "保本", "promise", "critical", userids=frozenset({"zhangsan"})),
    Entry(6, "稳赚", "promise", "high", departments=frozenset({7})),
]


def words(text: str, m: Matcher | None = None) -> list[str]:
    return sorted(h.entry.word for h in (m or Matcher(WORDS)).scan(text))


@pytest.mark.parametrize(
    "text",
    [
        "要不要一起赌博",  # plain
        "一起 赌 博 吗",  # spaces between characters
        "赌.博",
        "赌*博",
        "赌★博",  # symbols
        "赌\u200b博",  # zero-width space
        "賭博",  # traditional
        "賭 . 博",
        "赌\u3000博",  # ideographic space
        "赌，博",  # full-width comma
    ],
)
def test_evasions_of_a_chinese_word_still_match(text: str) -> None:
    assert words(text) == ["赌博"]


@pytest.mark.parametrize("text", ["加我ｖｘ", "加我Vx", "加我 v-x", "加我Ｖ．Ｘ", "加 微 信"])
def test_width_case_and_separators_fold_for_latin_words(text: str) -> None:
    assert words(text) in (["VX"], ["加微信"])


def test_clean_text_has_no_hit() -> None:
    assert words("您好，这款产品的价格是 199 元，包邮") == []


def test_traditional_word_in_the_library_matches_simplified_text() -> None:
    m = Matcher([Entry(1, "發財", "x", "low")])
    assert words("祝你发财", m) == ["發財"]


def test_the_hit_quotes_the_original_characters_in_context() -> None:
    text = "前面有很多很多很多很多字然后我们一起 賭 . 博 吧后面还有很多很多很多很多字"
    (hit,) = Matcher(WORDS).scan(text)
    assert hit.matched == "賭 . 博"
    assert text[hit.start : hit.end] == "賭 . 博"
    assert "我们一起 賭 . 博 吧" in hit.context
    assert len(hit.context) < len(text)


def test_offsets_point_back_to_the_original() -> None:
    assert normalize("Ａ b，Ｃ") == "abc"
    encoded, offsets = encode_with_offsets("Ａ b，Ｃ")
    assert encoded == encode("abc") == encode("Ａ b，Ｃ")
    assert offsets == [0, 0, 2, 2, 4, 4]  # two symbols a character, separators gone


def test_encoding_keeps_matches_on_character_boundaries() -> None:
    # 乎aé is bytes 4e4e 0061 00e9; 一愀 is 4e00 6100 — found at byte 1 if high and low bytes
    # shared one alphabet. Disjoint alphabets make a match start on a character only.
    m = Matcher([Entry(1, "\u4e00\u6100", "x", "low")])
    assert words("\u4e4ea\u00e9", m) == []
    assert words("x\u4e00\u6100", m) == ["\u4e00\u6100"]
    assert words("𠀀\u4e00 \u6100", m) == ["\u4e00\u6100"]  # 𠀀 is beyond the table


def test_allow_phrase_suppresses_the_word_inside_it_only() -> None:
    m = Matcher([Entry(1, "发票", "finance", "medium")], allow=["电子发票"])
    assert words("可以开电子发票吗", m) == []
    assert words("可以开电 子 發 票吗", m) == []  # the allow phrase folds like the word
    assert words("帮你代开发票", m) == ["发票"]
    # one message with both: the allowed occurrence is dropped, the other still alerts
    assert words("电子发票可以，另外代开发票也行", m) == ["发票"]


def test_overlapping_words_all_hit() -> None:
    m = Matcher([Entry(1, "赌", "x", "low"), Entry(2, "赌博", "x", "high")])
    assert words("赌博", m) == ["赌", "赌博"]


def test_two_spellings_of_one_word_both_report() -> None:
    m = Matcher([Entry(1, "赌博", "x", "low"), Entry(2, "賭博", "x", "high")])
    assert words("赌博", m) == sorted(["赌博", "賭博"])


def test_empty_library_and_empty_text() -> None:
    assert Matcher([]).scan("赌博") == []
    assert Matcher(WORDS).scan("") == []


def test_direction_scope() -> None:
    (hit,) = Matcher(WORDS).scan("下单就返现")
    assert hit.entry.applies("staff_to_customer", "lisi", [])
    assert not hit.entry.applies("customer_to_staff", "lisi", [])
    assert not hit.entry.applies("group", "lisi", [])


def test_staff_and_department_scope() -> None:
    m = Matcher(WORDS)
    (only_zhangsan,) = m.scan("保本")
    assert only_zhangsan.entry.applies("staff_to_customer", "zhangsan", [])
    assert not only_zhangsan.entry.applies("staff_to_customer", "lisi", [1, 2])
    (dept7,) = m.scan("稳赚")
    assert dept7.entry.applies("group", "anyone", [3, 7])
    assert not dept7.entry.applies("group", "anyone", [3])
    (everyone,) = m.scan("赌博")
    assert everyone.entry.applies("customer_to_staff", "", [])


def test_context_never_cuts_a_number_in_half() -> None:
    # the 15-character window would start inside the phone number: it is widened instead,
    # so the whole number reaches the alert and its masking
    text = "电话 139 8765 4321 有事找我一起赌博"
    (hit,) = Matcher(WORDS).scan(text)
    assert "139 8765 4321" in hit.context
