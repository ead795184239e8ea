"""Fast HTML snippets: a ~160-character crop around the densest run of matched words.

Whoosh's highlighter re-analyses every hit's text with the full analyzer chain; here a
single compiled regex finds candidate words in C and only those are checked against the
query's analysed terms (with the same :func:`search.analysis.word_terms` as indexing).
Everything outside ``<mark>`` is HTML-escaped.
"""

from __future__ import annotations

import re
from html import escape
from re import Pattern

from search.analysis import word_terms

SNIPPET_CHARS = 160
_WS = re.compile(r"\s+")
_LAST_WS = re.compile(r"\s+(?!.*\s)", re.DOTALL)
_MAX_MATCHES = 200


def hit_pattern(terms: frozenset[str]) -> Pattern[str] | None:
    """A regex finding where a word or CamelCase part may start with one of the terms.

    Candidates are verified against the analysed terms afterwards, so the regex only
    needs to be cheap and never miss: stems are prefixes of the words they come from.
    """
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
    # Python's re tries alternatives one by one: keep few, short ones (a 4-letter
    # prefix stands for all its completions; verification sorts them out).
    short = sorted({k[:4] for k in keys}, key=len)
    kept: list[str] = []
    for k in short:
        if not any(k.startswith(p) for p in kept):
            kept.append(k)
    alts = "|".join(re.escape(k.lower()) for k in sorted(kept, key=len, reverse=True))
    # Searched in the lower-cased text, case-sensitively: a plain alternation of
    # literals lets re skip ahead by first character (IGNORECASE or a leading
    # look-behind would test every position).
    return re.compile("(?:" + alts + ")")


_WORD_REST = re.compile(r"\w*")


def _starts_part(text: str, i: int) -> bool:
    """Does a word or a CamelCase / snake_case part start at ``text[i]``?"""
    if i == 0:
        return True
    before = text[i - 1]
    if not (before.isalnum() or before == "_"):
        return True
    return before == "_" or (before.islower() or before.isdigit()) and text[i].isupper()


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
    lower = text.lower()
    if len(lower) != len(text):  # rare letters whose lower case is longer
        lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    pos = 0
    search = pattern.search
    while True:
        m = search(lower, pos)
        if m is None:
            break
        hit = m.start()
        if not _starts_part(text, hit):
            pos = hit + 1
            continue
        start = hit
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
            start -= 1
        end = _WORD_REST.match(text, hit).end()  # type: ignore[union-attr]  # \w* always matches
        pos = max(end, hit + 1)
        found = word_terms(text[start:end]) & terms
        if found:
            matches.append((start, end, found))
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
        space = _WS.search(text, left - 1, span_start)
        left = space.end() if space else left
    if right < len(text):
        tail = _LAST_WS.search(text, span_end, right + 1)
        right = tail.start() if tail else right

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
