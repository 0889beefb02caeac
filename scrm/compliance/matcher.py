"""The sensitive-word automaton: one Aho-Corasick machine per corp and library version."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from scrm.compliance.normalize import encode, encode_with_offsets
from scrm.infra.cache import TtlCache
from scrm.models import AllowPhrase, ComplianceSettings, SensitiveWord

SEVERITIES = ("low", "medium", "high", "critical")
CONTEXT_CHARS = 15  # characters quoted on each side of a match


@dataclass(frozen=True)
class Entry:
    """A library word as the matcher needs it: what it is and where it applies."""

    id: int
    word: str
    category: str = ""
    severity: str = "medium"
    directions: frozenset[str] = frozenset()  # empty: every direction
    userids: frozenset[str] = frozenset()  # both empty: every staff member
    departments: frozenset[int] = frozenset()

    def applies(self, direction: str, staff_userid: str, departments: Iterable[int]) -> bool:
        if self.directions and direction not in self.directions:
            return False
        if not self.userids and not self.departments:
            return True
        return staff_userid in self.userids or not self.departments.isdisjoint(departments)


@dataclass(frozen=True)
class Hit:
    entry: Entry
    start: int  # span in the original text
    end: int
    matched: str  # the original characters, separators and all
    context: str


class Matcher:
    """Built once per library version: words and allow phrases in one automaton, so a
    message is walked once. A word hit inside an allow-phrase hit is dropped."""

    def __init__(self, entries: Iterable[Entry], allow: Iterable[str] = ()) -> None:
        self._auto = ahocorasick.Automaton()
        keys: dict[str, tuple[list[Entry], bool]] = {}
        for entry in entries:
            key = encode(entry.word)
            if key:  # a word of punctuation only folds to nothing and can never match
                keys.setdefault(key, ([], False))[0].append(entry)
        for phrase in allow:
            key = encode(phrase)
            if key:
                keys[key] = (keys.get(key, ([], False))[0], True)
        for key, (words, allowed) in keys.items():
            self._auto.add_word(key, (len(key), tuple(words), allowed))
        self.size = len(keys)
        if keys:
            self._auto.make_automaton()

    def scan(self, text: str) -> list[Hit]:
        """Every word hit in `text`, allow-listed ones removed; scope is the caller's."""
        if not self.size or not text:
            return []
        found = list(self._auto.iter(encode(text)))
        if not found:
            return []  # the common case: no allocation past the fold and one walk
        allow = [(end - n + 1, end) for end, (n, _, allowed) in found if allowed]
        spans: list[tuple[int, int, Entry]] = []
        for end, (n, words, _) in found:
            start = end - n + 1
            if words and not any(a <= start and end <= b for a, b in allow):
                spans.extend((start, end, entry) for entry in words)
        if not spans:
            return []
        _, offsets = encode_with_offsets(text)
        hits = []
        for start, end, entry in spans:
            first, last = offsets[start], offsets[end] + 1
            hits.append(Hit(entry, first, last, text[first:last], _context(text, first, last)))
        return hits


def _numberish(ch: str) -> bool:
    return ch.isdigit() or ch in " -"


def _context(text: str, first: int, last: int) -> str:
    """The match with CONTEXT_CHARS around it, widened so it never cuts through a number:
    a phone number cut in half would escape the masking applied to alert text."""
    start, end = max(0, first - CONTEXT_CHARS), min(len(text), last + CONTEXT_CHARS)
    while start > 0 and _numberish(text[start - 1]) and _numberish(text[start]):
        start -= 1
    while end < len(text) and _numberish(text[end]) and _numberish(text[end - 1]):
        end += 1
    return text[start:end]


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 1


async def words_version(corp_id: int) -> int:
    row = await ComplianceSettings.get_or_none(corp_id=corp_id).values("words_version")
    return int(row["words_version"]) if row else 0


async def _build(corp_id: int) -> Matcher:
    words = await SensitiveWord.filter(corp_id=corp_id, enabled=True).values(
        "id", "word", "category", "severity", "directions", "scope_userids", "scope_departments"
    )
    entries = [
        Entry(
            w["id"],
            w["word"],
            w["category"],
            w["severity"],
            frozenset(w["directions"] or ()),
            frozenset(w["scope_userids"] or ()),
            frozenset(int(d) for d in w["scope_departments"] or ()),
        )
        for w in words
    ]
    phrases = await AllowPhrase.filter(corp_id=corp_id).values_list("phrase", flat=True)
    return Matcher(entries, [str(p) for p in phrases])


# Keyed by (corp, words_version): a library change bumps the version, so every process builds
# the new machine on its next scan and the old one ages out. The TTL only bounds memory.
_matchers: TtlCache[tuple[int, int], Matcher] = TtlCache(3600.0, max_items=256)


async def for_corp(corp_id: int) -> Matcher:
    """The corp's current matcher, shared by every scan in this process."""
    version = await words_version(corp_id)
    return await _matchers.get_or_load((corp_id, version), lambda: _build(corp_id))
