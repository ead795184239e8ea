"""Fast HTML snippets: a ~160-character crop around the densest run of matched words.

Whoosh's highlighter re-analyses every hit's text with the full analyzer chain; here a
single compiled regex finds candidate words in C and only those are checked against the
query's analysed terms (with the same :func:`search.analysis.word_terms` as indexing).
Everything outside ``<mark>`` is HTML-escaped.
"""

from __future__ import annotations

import re
from html import escape
from typing import Pattern

from search.analysis import word_terms

SNIPPET_CHARS = 160
_WS = re.compile(r"\s+")
_MAX_MATCHES = 200


def hit_pattern(terms: frozenset[str]) -> Pattern[str] | None:
    """A regex finding words that may contain one of the terms (verified afterwards)."""
    keys: set[str] = set()
    for term in terms:
        for piece in re.split(r"[.\-_]", term):
            if not piece:
                continue
            # Porter turns a final "y" into "i" (policy -> polici): match the stem minus it.
            if len(piece) > 2 and piece.endswith("i"):
                piece = piece[:-1]
            keys.add(piece)
    if not keys:
        return None
    alts = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
    return re.compile(r"\b\w*?(?:" + alts + r")\w*", re.IGNORECASE)


def _crop_plain(text: str, size: int) -> str:
    if len(text) <= size:
        return escape(_WS.sub(" ", text).strip())
    cut = text.rfind(" ", 0, size)
    cut = cut if cut > size // 2 else size
    return escape(_WS.sub(" ", text[:cut]).strip()) + " …"


def snippet(
    text: str,
    terms: frozenset[str],
    pattern: Pattern[str] | None,
    size: int = SNIPPET_CHARS,
) -> str:
    """HTML snippet of ``text`` with matched words in ``<mark>``; the rest escaped."""
    if not text:
        return ""
    if pattern is None:
        return _crop_plain(text, size)
    matches: list[tuple[int, int, frozenset[str]]] = []
    for m in pattern.finditer(text):
        found = word_terms(m.group()) & terms
        if found:
            matches.append((m.start(), m.end(), found))
            if len(matches) >= _MAX_MATCHES:
                break
    if not matches:
        return _crop_plain(text, size)

    # Densest window: most distinct terms, then most matches, then earliest.
    best = (-1, -1)
    best_i, best_j = 0, 0
    n = len(matches)
    j = 0
    for i in range(n):
        start = matches[i][0]
        if j < i:
            j = i
        while j + 1 < n and matches[j + 1][1] - start <= size:
            j += 1
        distinct: set[str] = set()
        for k in range(i, j + 1):
            distinct |= matches[k][2]
        score = (len(distinct), j - i + 1)
        if score > best:
            best, best_i, best_j = score, i, j
    span_start, span_end = matches[best_i][0], matches[best_j][1]
    room = max(0, size - (span_end - span_start))
    left = max(0, span_start - min(room // 2, 50))
    right = min(len(text), max(span_end, left + size))
    if left > 0:
        space = text.find(" ", left, span_start)
        left = space + 1 if space != -1 else left
    if right < len(text):
        space = text.rfind(" ", span_end, right)
        right = space if space != -1 else right

    out: list[str] = ["… "] if left > 0 else []
    pos = left
    for start, end, _ in matches:
        if start < left or end > right:
            continue
        out.append(escape(_WS.sub(" ", text[pos:start])))
        out.append("<mark>" + escape(text[start:end]) + "</mark>")
        pos = end
    out.append(escape(_WS.sub(" ", text[pos:right])))
    if right < len(text):
        out.append(" …")
    return "".join(out).strip()
