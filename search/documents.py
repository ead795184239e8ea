"""Turn ingest records into index documents (and the synonym table stored beside them),
and stored documents back into records (:class:`StoredDoc`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ingest.model import Concept, Note, Section
from ingest.text import label_key
from search.analysis import normalize
from search.schema import LIST_SEP


def concept_labels(concept: Concept) -> list[str]:
    """Every name of a concept: prefLabel, aliases, translations (deduplicated, ordered)."""
    seen: set[str] = set()
    out: list[str] = []
    for label in [concept.label, *sorted(concept.alt_labels), *concept.translations.values()]:
        label = (label or "").strip()
        if label and label not in seen:
            seen.add(label)
            out.append(label)
    return out


def _as_concepts(concepts: Mapping[str, Concept] | Iterable[Concept]) -> list[Concept]:
    if isinstance(concepts, Mapping):
        return list(concepts.values())
    return list(concepts)


def synonyms(concepts: Iterable[Concept]) -> dict[str, Any]:
    """The table query expansion reads: label key -> concept ids, concept id -> labels."""
    keys: dict[str, list[str]] = {}
    labels: dict[str, list[str]] = {}
    for concept in concepts:
        names = concept_labels(concept)
        labels[concept.id] = names
        for name in names:
            key = label_key(name)
            if key and concept.id not in keys.setdefault(key, []):
                keys[key].append(concept.id)
    return {"keys": keys, "labels": labels}


def documents(
    notes: Iterable[Note], concepts: Mapping[str, Concept] | Iterable[Concept]
) -> Iterator[dict[str, Any]]:
    """One document per section and per concept, in the schema's field names."""
    concept_list = _as_concepts(concepts)
    by_id = {c.id: c for c in concept_list}
    defined_in: dict[tuple[str, str], list[str]] = {}
    for concept in concept_list:
        if concept.sections:
            defined_in.setdefault((*concept.sections[0],), []).append(concept.id)

    sections: dict[tuple[str, str], tuple[Note, Section]] = {}
    for note in notes:
        tags = note.tags
        for section in note.sections:
            sections[(note.path, section.anchor)] = (note, section)
            defines = defined_in.get((note.path, section.anchor), [])
            named = [section.concept] if section.concept else []
            labels: list[str] = []
            for cid in dict.fromkeys(named + defines):
                if cid in by_id:
                    labels.extend(concept_labels(by_id[cid]))
            yield {
                "id": f"{note.path}#{section.anchor}",
                "kind": "section",
                "title": normalize(section.title),
                "labels": normalize("\n".join(labels)),
                "breadcrumb": normalize(LIST_SEP.join(section.breadcrumb)),
                "body": normalize(section.text),
                "concept": ",".join(dict.fromkeys(section.concepts)),
                "heads": section.concept or "",
                "defines": ",".join(defines),
                "path": note.path,
                "anchor": section.anchor,
                "line": section.line,
                "tag": ",".join(tags),
            }

    for concept in concept_list:
        names = concept_labels(concept)
        where = (*concept.sections[0],) if concept.sections else None
        note_section = sections.get(where) if where else None
        definition = concept.definition.text if concept.definition else ""
        path = anchor = ""
        line = 0
        breadcrumb: tuple[str, ...] = ()
        tags = []
        if note_section:
            note, section = note_section
            path, anchor, line = note.path, section.anchor, section.line
            breadcrumb = (*section.breadcrumb, section.title)
            tags = note.tags
        elif concept.definition:
            path, line = concept.definition.path, concept.definition.line
        if concept.definition and concept.definition.path == path:
            line = concept.definition.line
        yield {
            "id": concept.id,
            "kind": "concept",
            "title": normalize(concept.label),
            "labels": normalize("\n".join(names)),
            "breadcrumb": normalize(LIST_SEP.join(breadcrumb)),
            "body": normalize(definition),
            "concept": concept.id,
            "heads": "",
            "defines": "",
            "path": path,
            "anchor": anchor,
            "line": line,
            "tag": ",".join(tags),
        }


@dataclass(frozen=True, slots=True)
class StoredDoc:
    """What a result, a filter, a facet and the re-ranking need of one indexed document,
    made from its Whoosh stored fields (see :func:`documents` for their meaning)."""

    kind: str
    id: str
    title: str
    labels: str
    breadcrumb: tuple[str, ...]
    body: str  # the stored body, or (a concept without definition) its labels
    path: str
    anchor: str
    line: int
    concepts: tuple[str, ...]
    tags: tuple[str, ...]
    heads: str
    defines: frozenset[str]

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> StoredDoc:
        labels = stored.get("labels") or ""
        return cls(
            kind=stored.get("kind") or "",
            id=stored.get("id") or "",
            title=stored.get("title") or "",
            labels=labels,
            breadcrumb=tuple(_split(stored.get("breadcrumb"), LIST_SEP)),
            body=stored.get("body") or ", ".join(_split(labels, "\n")),
            path=stored.get("path") or "",
            anchor=stored.get("anchor") or "",
            line=int(stored.get("line") or 0),
            concepts=tuple(_split(stored.get("concept"))),
            tags=tuple(_split(stored.get("tag"))),
            heads=stored.get("heads") or "",
            defines=frozenset(_split(stored.get("defines"))),
        )


def _split(value: str | None, sep: str = ",") -> list[str]:
    return [v for v in (value or "").split(sep) if v]
