"""The concept graph's records and its file, ``graph.json``.

A graph is a :class:`GraphData`: concepts (:class:`ConceptRecord`) and aggregated edges
(:class:`Edge`), evidence sentences and note paths stored once and referred to by
number. The records are NamedTuples: a tuple is smaller than the lists the JSON
decoder makes (a server holds ~10^5 of them) and ``json.dumps`` writes one as the array
the file has always held, so an :class:`Edge` *is* its line of the file.

The file is versioned (:data:`FORMAT_VERSION`); :func:`read` upgrades every earlier
format, so a store built by an earlier kg still serves.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, NamedTuple

from common.files import replaced

# 2: evidence sentences and paths stored once, by number; 3: each edge's confidence;
# 4: whether the author wrote the edge as a link, and the field names they used
FORMAT_VERSION = 4
UNRATED = 0.5  # the confidence of a statement that carries none (added by hand, older builds)


class Evidence(NamedTuple):
    """One sentence an edge was read from: positions in ``GraphData.texts`` and
    ``GraphData.paths``, and the line."""

    text: int
    path: int
    line: int


class Edge(NamedTuple):
    """Every occurrence of (source, relation, target) aggregated: weight is the sum of
    the occurrence weights, evidence every occurrence sorted by (path, line)."""

    source: str
    relation: str
    target: str
    weight: float
    evidence: tuple[Evidence, ...]
    confidence: float
    explicit: int  # 1 when the author wrote it as a link (0/1, as the file holds it)
    labels: tuple[str, ...]  # the field names the author wrote it with


class Definition(NamedTuple):
    text: str
    path: str
    line: int


class Source(NamedTuple):
    """A section that defines or mentions a concept."""

    path: str
    anchor: str
    line: int
    title: str
    defined: bool


class ConceptRecord(NamedTuple):
    id: str
    label: str
    alt: tuple[str, ...]  # alternative labels, the label itself left out
    translations: dict[str, str]  # language -> label, English left out
    definition: Definition | None
    sources: tuple[Source, ...]  # defining sections first, then by (path, line, anchor)


class GraphData(NamedTuple):
    """Everything a ConceptGraph indexes, equal by value."""

    base_uri: str
    notes: int
    concepts: list[ConceptRecord]  # sorted by id
    edges: list[Edge]  # sorted by (source, relation rank, target)
    texts: list[str]
    paths: list[str]


def to_json(data: GraphData) -> dict[str, Any]:
    """The JSON-able form the file holds (format :data:`FORMAT_VERSION`)."""
    return {
        "version": FORMAT_VERSION,
        "base_uri": data.base_uri,
        "notes": data.notes,
        "concepts": [
            {
                "id": c.id,
                "label": c.label,
                "alt": list(c.alt),
                "tr": c.translations,
                "def": list(c.definition) if c.definition is not None else None,
                "src": [list(s) for s in c.sources],
            }
            for c in data.concepts
        ],
        "edges": data.edges,  # NamedTuples are written as arrays
        "texts": data.texts,
        "paths": data.paths,
    }


def from_json(data: dict[str, Any]) -> GraphData:
    """The records of a file's JSON, of this format or any earlier one."""
    data = _upgrade(data)
    edges = [
        Edge(s, r, t, w, tuple([Evidence(*e) for e in ev]), c, x, tuple(labels))
        for s, r, t, w, ev, c, x, labels in data["edges"]
    ]
    concepts = [
        ConceptRecord(
            c["id"],
            c["label"],
            tuple(c["alt"]),
            c["tr"],
            Definition(*c["def"]) if c["def"] else None,
            tuple([Source(*s) for s in c["src"]]),
        )
        for c in data["concepts"]
    ]
    return GraphData(
        data.get("base_uri", ""),
        int(data.get("notes", 0)),
        concepts,
        edges,
        data["texts"],
        data["paths"],
    )


def write(data: GraphData, path: str | os.PathLike[str]) -> None:
    """Write the file atomically (temp file + rename), so readers never see half of it."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with replaced(target) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        # dumps (C encoder, one write) rather than dump (Python iterencode chunks).
        fh.write(json.dumps(to_json(data), ensure_ascii=False, separators=(",", ":")))


def read(path: str | os.PathLike[str]) -> GraphData:
    """The records of a file :func:`write` wrote, or an earlier kg."""
    with open(path, "rb") as fh:
        data = json.loads(fh.read())
    try:
        return from_json(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def _upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Format 1 held each evidence's sentence and path in full; 2 had no confidence;
    3 no explicit flag nor field names."""
    if data.get("version") == 1:
        texts: dict[str, int] = {}
        paths: dict[str, int] = {}
        for edge in data["edges"]:
            edge[4] = [
                [texts.setdefault(text, len(texts)), paths.setdefault(p, len(paths)), line]
                for text, p, line in edge[4]
            ]
        data = {**data, "version": 2, "texts": list(texts), "paths": list(paths)}
    if data.get("version") == 2:
        data = {**data, "version": 3, "edges": [[*edge, UNRATED] for edge in data["edges"]]}
    if data.get("version") == 3:
        # fields past the eighth (none in a file an earlier kg wrote) are left out
        edges = [[*edge, 0, []][:8] for edge in data["edges"]]
        data = {**data, "version": 4, "edges": edges}
    if data.get("version") != FORMAT_VERSION:
        raise ValueError(
            f"concept graph format version {data.get('version')!r}, "
            f"expected {FORMAT_VERSION}; rebuild it from the dataset"
        )
    return data
