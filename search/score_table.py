"""The speed layer on disk: every term's scores, derived from Whoosh's postings once per
index generation and saved beside the index (JSON header + ``array`` bytes).

A searcher then turns a term into its score map with two slices and a ``dict(zip())``
instead of walking Whoosh's matchers in Python, a cost every server worker would pay
for every word it sees first. The table is only a cache: it names the
Whoosh generation and analysis it was made from, is checked before its bytes are
decoded, and a searcher without a valid one reads Whoosh's postings instead (same
scores: both go through :func:`search.scoring.term_scores`).

Reading Whoosh's postings is most of making the table, and scores change with every
edit (BM25's statistics are global), so what is read is kept per segment: each Whoosh
segment's postings as Whoosh wrote them (``kg-postings-<segment id>``). Segments never
change, so the next build hard-links these files with the segments and reads only its
new segments; deletions are applied when the table is made from them.
"""

from __future__ import annotations

import json
import sys
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from search.schema import TEXT_FIELDS
from search.scoring import FieldStats, term_scores

TABLE = "kg-scores"  # + .json / .bin
TABLE_VERSION = 1  # change with anything that changes the layout or the scores
SEGMENT_PREFIX = "kg-postings-"  # + segment id + .json / .bin
SEGMENT_VERSION = 1


@dataclass(slots=True)
class ScoreTable:
    """Term ``i``'s documents and scores are ``docnums``/``scores[ends[i-1]:ends[i]]``."""

    terms: dict[str, int]
    ends: list[int]
    docnums: array
    scores: array

    def get(self, term: str) -> dict[int, float]:
        """The term's score map (``{}`` for a term no live document has)."""
        i = self.terms.get(term)
        if i is None:
            return {}
        start, end = self.ends[i - 1] if i else 0, self.ends[i]
        return dict(zip(self.docnums[start:end], self.scores[start:end]))


@dataclass(slots=True)
class SegmentPostings:
    """One segment's text-field postings: key ``i`` (a (field, term)) has the segment's
    own docnums and the term frequencies at ``docnums``/``tfs[ends[i-1]:ends[i]]``."""

    keys: list[tuple[str, str]]
    ends: list[int]
    docnums: array
    tfs: array

    def items(self) -> Iterator[tuple[str, str, array, array]]:
        start = 0
        for (field, term), end in zip(self.keys, self.ends):
            yield field, term, self.docnums[start:end], self.tfs[start:end]
            start = end


def build_table(stats: FieldStats, storage: Any = None) -> ScoreTable:
    """Every term of the text fields, scored from Whoosh's postings (live documents).

    ``storage``: where the per-segment postings are kept (read if there, written if
    not); None reads every segment from Whoosh and keeps nothing.
    """
    postings: dict[str, dict[str, list[tuple[int, float]]]] = {f: {} for f in TEXT_FIELDS}
    for leaf, offset in stats.reader.leaf_readers():
        live = set(leaf.all_doc_ids()) if leaf.has_deletions() else None
        for field, term, docnums, tfs in _segment_postings(leaf, storage):
            hits = [(offset + d, tf) for d, tf in zip(docnums, tfs) if live is None or d in live]
            if hits:
                postings[field].setdefault(term, []).extend(hits)
    terms: dict[str, int] = {}
    ends: list[int] = []
    docnums_out, scores = array("i"), array("d")
    for term in sorted(set().union(*postings.values())):
        found = term_scores(stats, {f: postings[f].get(term, ()) for f in TEXT_FIELDS})
        terms[term] = len(ends)
        docnums_out.extend(found.keys())
        scores.extend(found.values())
        ends.append(len(docnums_out))
    return ScoreTable(terms, ends, docnums_out, scores)


def _segment_postings(leaf: Any, storage: Any) -> Iterator[tuple[str, str, Any, Any]]:
    """A segment's postings: from its file beside the index, or read from Whoosh (and
    saved, when the segment has no deletions yet: a file holds every posting)."""
    segment = leaf.segment()
    name = SEGMENT_PREFIX + segment.segment_id() if segment is not None else None
    if storage is not None and name is not None:
        kept = _load_segment(storage, name)
        if kept is not None:
            yield from kept.items()
            return
    read = _read_segment(leaf)
    if storage is not None and name is not None and not leaf.has_deletions():
        _save_segment(storage, name, read)
    yield from read.items()


def _read_segment(leaf: Any) -> SegmentPostings:
    keys: list[tuple[str, str]] = []
    ends: list[int] = []
    docnums, tfs = array("i"), array("f")
    for field in TEXT_FIELDS:
        for raw in leaf.lexicon(field):
            term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            m = leaf.postings(field, term)
            active, docnum, weight, step, add_d, add_w = (
                m.is_active,
                m.id,
                m.weight,
                m.next,
                docnums.append,
                tfs.append,
            )
            while active():
                add_d(docnum())
                add_w(weight())
                step()
            keys.append((field, term))
            ends.append(len(docnums))
    return SegmentPostings(keys, ends, docnums, tfs)


def _save_segment(storage: Any, name: str, postings: SegmentPostings) -> None:
    fields: dict[str, list[str]] = {f: [] for f in TEXT_FIELDS}
    for field, term in postings.keys:
        fields[field].append(term)
    header = {
        "version": SEGMENT_VERSION,
        "byteorder": sys.byteorder,
        "postings": len(postings.docnums),
        "fields": fields,
        "ends": postings.ends,
    }
    _write(storage, name, header, postings.docnums.tobytes() + postings.tfs.tobytes())


def _load_segment(storage: Any, name: str) -> SegmentPostings | None:
    found = _read(storage, name, SEGMENT_VERSION, {})
    if found is None:
        return None
    header, data = found
    fields, ends, n = header.get("fields"), header.get("ends"), header.get("postings")
    if not isinstance(fields, dict) or not isinstance(ends, list) or not isinstance(n, int):
        return None
    keys = [(f, t) for f in TEXT_FIELDS for t in fields.get(f, ())]
    docnums, tfs = array("i"), array("f")
    if (
        len(keys) != len(ends)
        or (ends and ends[-1] != n)
        or len(data) != n * (docnums.itemsize + tfs.itemsize)
    ):
        return None
    docnums.frombytes(data[: n * docnums.itemsize])
    tfs.frombytes(data[n * docnums.itemsize :])
    return SegmentPostings(keys, ends, docnums, tfs)


def is_segment_file(name: str) -> bool:
    """Is ``name`` a segment's postings file (kept with the segment, not per build)?"""
    return name.startswith(SEGMENT_PREFIX)


def drop_unused_segment_files(storage: Any, reader: Any) -> None:
    """Remove the postings files of segments the index no longer has (merged away)."""
    used = {
        SEGMENT_PREFIX + leaf.segment().segment_id()
        for leaf, _ in reader.leaf_readers()
        if leaf.segment() is not None
    }
    for name in list(storage.list()):
        if is_segment_file(name) and name.rsplit(".", 1)[0] not in used:
            storage.delete_file(name)


def save_table(storage: Any, table: ScoreTable, generation: int, key: Any) -> None:
    header = {
        "version": TABLE_VERSION,
        "generation": generation,
        "key": key,
        "byteorder": sys.byteorder,
        "postings": len(table.docnums),
        "terms": list(table.terms),
        "ends": table.ends,
    }
    _write(storage, TABLE, header, table.docnums.tobytes() + table.scores.tobytes())


def load_table(storage: Any, generation: int, key: Any) -> ScoreTable | None:
    """The table saved for this generation and analysis ``key``, or None."""
    found = _read(storage, TABLE, TABLE_VERSION, {"generation": generation, "key": key})
    if found is None:
        return None
    header, data = found
    terms, ends, n = header.get("terms"), header.get("ends"), header.get("postings")
    docnums, scores = array("i"), array("d")
    if (
        not isinstance(terms, list)
        or not isinstance(ends, list)
        or len(terms) != len(ends)
        or not isinstance(n, int)
        or (ends and ends[-1] != n)
        or len(data) != n * (docnums.itemsize + scores.itemsize)
    ):
        return None
    docnums.frombytes(data[: n * docnums.itemsize])
    scores.frombytes(data[n * docnums.itemsize :])
    return ScoreTable({t: i for i, t in enumerate(terms)}, ends, docnums, scores)


def _write(storage: Any, stem: str, header: dict[str, Any], data: bytes) -> None:
    for name in (stem + ".json", stem + ".bin"):
        if storage.file_exists(name):  # a hard link to an earlier build's file: unlink,
            storage.delete_file(name)  # never write through it
    f = storage.create_file(stem + ".json")
    f.write(json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    f.close()
    f = storage.create_file(stem + ".bin")
    f.write(data)
    f.close()


def _read(
    storage: Any, stem: str, version: int, expect: dict[str, Any]
) -> tuple[dict[str, Any], bytes] | None:
    """Header and bytes of a pair written by :func:`_write`, if the header is JSON of
    this ``version``, byte order and ``expect``ed values (checked before the bytes are
    read); None otherwise."""
    if not (storage.file_exists(stem + ".json") and storage.file_exists(stem + ".bin")):
        return None
    f = storage.open_file(stem + ".json")
    try:
        header = json.loads(bytes(f.read()).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    finally:
        f.close()
    if (
        not isinstance(header, dict)
        or header.get("version") != version
        or header.get("byteorder") != sys.byteorder
        or any(header.get(k) != v for k, v in expect.items())
    ):
        return None
    f = storage.open_file(stem + ".bin")
    try:
        return header, bytes(f.read())
    finally:
        f.close()
