"""The speed layer on disk: every term's scores, derived from Whoosh's postings once per
index generation and saved beside the index (JSON header + ``array`` bytes).

A searcher then turns a term into its score map with two slices and a ``dict(zip())``
instead of walking Whoosh's matchers in Python (3-10x slower on a first sight, which
every server worker pays for every word). The table is only a cache: it names the
Whoosh generation and analysis it was made from, is checked before its bytes are
decoded, and a searcher without a valid one reads Whoosh's postings instead (same
scores: both go through :func:`search.scoring.term_scores`).
"""

from __future__ import annotations

import json
import sys
from array import array
from dataclasses import dataclass
from typing import Any

from search.schema import TEXT_FIELDS
from search.scoring import FieldStats, term_scores

TABLE_HEADER = "kg-scores.json"
TABLE_DATA = "kg-scores.bin"
TABLE_VERSION = 1  # change with anything that changes the layout or the scores


@dataclass(slots=True)
class ScoreTable:
    """Term ``i``'s documents and scores are ``docnums``/``scores[ends[i-1]:ends[i]]``."""

    terms: dict[str, int]
    ends: list[int]
    docnums: array
    scores: array

    def get(self, term: str) -> dict[int, float] | None:
        """The term's score map; ``{}`` for a term no live document has; None if the
        table does not know (never happens for a table of the searcher's generation)."""
        i = self.terms.get(term)
        if i is None:
            return {}
        start, end = self.ends[i - 1] if i else 0, self.ends[i]
        return dict(zip(self.docnums[start:end], self.scores[start:end]))


def build_table(stats: FieldStats) -> ScoreTable:
    """Every term of the text fields, scored from Whoosh's postings (live documents)."""
    postings: dict[str, dict[str, list[tuple[int, float]]]] = {}
    for field in TEXT_FIELDS:
        found = postings[field] = {}
        for raw in stats.reader.lexicon(field):
            term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            hits = stats.postings(field, term)
            if hits:
                found[term] = hits
    terms: dict[str, int] = {}
    ends: list[int] = []
    docnums, scores = array("i"), array("d")
    for term in sorted(set().union(*postings.values())):
        found = term_scores(stats, {f: postings[f].get(term, ()) for f in TEXT_FIELDS})
        terms[term] = len(ends)
        docnums.extend(found.keys())
        scores.extend(found.values())
        ends.append(len(docnums))
    return ScoreTable(terms, ends, docnums, scores)


def save_table(storage: Any, table: ScoreTable, generation: int, key: Any) -> None:
    header = {"version": TABLE_VERSION, "generation": generation, "key": key,
              "byteorder": sys.byteorder, "postings": len(table.docnums),
              "terms": list(table.terms), "ends": table.ends}
    f = storage.create_file(TABLE_HEADER)
    f.write(json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    f.close()
    f = storage.create_file(TABLE_DATA)
    f.write(table.docnums.tobytes() + table.scores.tobytes())
    f.close()


def load_table(storage: Any, generation: int, key: Any) -> ScoreTable | None:
    """The table saved for this generation and analysis ``key``, or None."""
    if not (storage.file_exists(TABLE_HEADER) and storage.file_exists(TABLE_DATA)):
        return None
    f = storage.open_file(TABLE_HEADER)
    try:
        header = json.loads(bytes(f.read()).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    finally:
        f.close()
    if (not isinstance(header, dict) or header.get("version") != TABLE_VERSION
            or header.get("generation") != generation or header.get("key") != key
            or header.get("byteorder") != sys.byteorder):
        return None
    terms, ends, n = header.get("terms"), header.get("ends"), header.get("postings")
    docnums, scores = array("i"), array("d")
    if (not isinstance(terms, list) or not isinstance(ends, list) or len(terms) != len(ends)
            or not isinstance(n, int) or (ends and ends[-1] != n)):
        return None
    f = storage.open_file(TABLE_DATA)
    try:
        data = bytes(f.read())
    finally:
        f.close()
    if len(data) != n * (docnums.itemsize + scores.itemsize):
        return None
    split = n * docnums.itemsize
    docnums.frombytes(data[:split])
    scores.frombytes(data[split:])
    return ScoreTable({t: i for i, t in enumerate(terms)}, ends, docnums, scores)
