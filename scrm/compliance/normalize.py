"""Text normalisation against evasion: width, case, traditional script, inserted separators."""

from __future__ import annotations

import os
import unicodedata
from functools import lru_cache

# Code points the table covers: the BMP (all CJK, full-width forms, punctuation) and the
# emoji/symbol planes people sprinkle between characters. Anything else passes unchanged.
_RANGES = (range(0x0000, 0x10000), range(0x1F000, 0x1FB00))
# Dropped after folding: separators, punctuation, symbols, controls, format characters
# (zero-width joiners) and combining marks. "赌 博", "赌.博", "赌★博", "赌\u200b博" all read 赌博.
_DROP = ("Z", "P", "S", "C", "M")


def _opencc_chars() -> dict[str, str]:
    """Traditional → simplified per character, from opencc-python-reimplemented's own
    TSCharacters table (OpenCC's data). Phrase-level conversion is not needed for matching:
    a character map folds 賭博/赌博 alike, which is all a word list needs."""
    try:
        import opencc
    except ImportError:  # the package is a dependency; without it only width/case fold
        return {}
    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt")
    if not os.path.exists(path):  # another package named opencc (the C++ binding) is installed
        return {}
    table: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            trad, _, simp = line.rstrip("\n").partition("\t")
            if len(trad) == 1 and simp:
                table[trad] = simp.split(" ")[0]  # first candidate is OpenCC's default
    return table


def _fold(ch: str, t2s: dict[str, str]) -> str:
    out = []
    # NFKC folds full-width Ａ１！ to A1!, circled ① to 1, compatibility ideographs to the
    # unified ones; lower() folds case after it (Ｖ → V → v).
    for c in unicodedata.normalize("NFKC", ch).lower():
        c = t2s.get(c, c)
        if unicodedata.category(c)[0] not in _DROP:
            out.append(c)
    return "".join(out)


@lru_cache(maxsize=1)
def table() -> dict[int, str]:
    """The str.translate table: only code points whose folding changes them (~40 k)."""
    t2s = _opencc_chars()
    mapping: dict[int, str] = {}
    for block in _RANGES:
        for cp in block:
            ch = chr(cp)
            folded = _fold(ch, t2s)
            if folded != ch:
                mapping[cp] = folded
    return mapping


def normalize(text: str) -> str:
    """The folded form: what a word, an allow phrase or a message means for matching."""
    return text.translate(table())


# --- the form the automaton walks ------------------------------------------------------------
# pyahocorasick finds a node's child by a linear scan of its children. With 10 000 Chinese
# words the root has ~3 000 children, and nearly every character of a message goes back to the
# root: ~1 500 comparisons a character. Spelling each folded character as two symbols (its high
# and low byte, from disjoint private-use ranges so a match can only start on a character
# boundary) caps every node at 256 children and makes the walk ~8× faster.
_END = _RANGES[-1].stop
_HIGH, _LOW, _HIGH_ASTRAL = 0xE000, 0xE100, 0xE200


def _symbols(c: str) -> str:
    o = ord(c)
    if o < 0x10000:
        return chr(_HIGH + (o >> 8)) + chr(_LOW + (o & 0xFF))
    if o < _END:
        return chr(_HIGH_ASTRAL + (o >> 8) - 0x100) + chr(_LOW + (o & 0xFF))
    return c  # beyond the table: itself, one symbol outside the ranges above


@lru_cache(maxsize=1)
def matching_table() -> list[str]:
    """Folding and symbol spelling in one str.translate table. A list indexed by code point:
    a dict would raise and swallow a KeyError for every character it does not change."""
    fold = table()
    return ["".join(map(_symbols, fold.get(cp, chr(cp)))) for cp in range(_END)]


def encode(text: str) -> str:
    """The folded text as the automaton's symbols (keys and messages alike)."""
    return text.translate(matching_table())


def encode_with_offsets(text: str) -> tuple[str, list[int]]:
    """The encoded text plus, for each symbol, the index in `text` it came from: a match is
    quoted from the original message, separators and all."""
    symbols = matching_table()
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        o = ord(ch)
        encoded = symbols[o] if o < _END else ch
        out.append(encoded)
        offsets.extend([i] * len(encoded))
    return "".join(out), offsets
