"""Filters and facet counts over the matched documents' exact values.

Both read :class:`search.documents.StoredDoc` records held per index version: a filter
is the set of documents having a value, a facet the count of each value over a matched
set. Values are exact (no analysis), as in the ``kind``, ``path``, ``concept`` and
``tag`` fields of the Whoosh schema.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

from search.documents import StoredDoc

FACET_LIMIT = 20  # values returned per facet (the most frequent)
FACETS = ("kind", "path", "tag", "concept")
# Filter names the API and CLI accept -> the facet they restrict.
FILTER_NAMES = {
    "kind": "kind",
    "path": "path",
    "tag": "tag",
    "tags": "tag",
    "concept": "concept",
    "concepts": "concept",
}


def empty_facets() -> dict[str, dict[str, int]]:
    return {facet: {} for facet in FACETS}


class FacetTable:
    """Per document its (facet, value) keys; per (facet, value) its documents."""

    def __init__(self, docs: Sequence[StoredDoc | None]) -> None:
        self.keys: list[tuple[tuple[str, str], ...]] = [()] * len(docs)
        self.docs: dict[tuple[str, str], set[int]] = {}
        for docnum, doc in enumerate(docs):
            if doc is None:
                continue
            keys = [("kind", doc.kind)]
            if doc.path:
                keys.append(("path", doc.path))
            keys += [("tag", t) for t in doc.tags] + [("concept", c) for c in doc.concepts]
            self.keys[docnum] = tuple(keys)
            for key in keys:
                self.docs.setdefault(key, set()).add(docnum)

    def allowed(self, kind: str | None, filters: dict[str, Any] | None) -> set[int] | None:
        """Documents allowed by the filters (None = no filter). Values are exact; a list
        allows any of its values; different filters must all hold."""
        allowed: set[int] | None = None
        items: list[tuple[str, Any]] = [("kind", kind)] if kind else []
        items += list((filters or {}).items())
        for name, value in items:
            if value is None or value == "" or value == []:
                continue
            facet = FILTER_NAMES.get(name)
            if facet is None:
                raise ValueError(
                    f"unknown filter {name!r}; expected one of kind, path, tag, concept"
                )
            values = [value] if isinstance(value, str) else list(value)
            docs: set[int] = set()
            for v in values:
                docs |= self.docs.get((facet, str(v)), set())
            allowed = docs if allowed is None else allowed & docs
        return allowed

    def counts(self, docset: Iterable[int]) -> dict[str, dict[str, int]]:
        """Counts per facet value over every matched document, the FACET_LIMIT largest
        (ties by value)."""
        counts = Counter(chain.from_iterable(map(self.keys.__getitem__, docset)))
        by_facet: dict[str, list[tuple[int, str]]] = {facet: [] for facet in FACETS}
        for (facet, value), n in counts.items():
            by_facet[facet].append((-n, value))
        return {
            facet: {value: -n for n, value in heapq.nsmallest(FACET_LIMIT, items)}
            for facet, items in by_facet.items()
        }
