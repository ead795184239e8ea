"""Corpus -> SKOS/RDF dataset, with one named graph per note.

Why a named graph per note: re-ingesting or deleting a note must replace exactly what
that note said, so every triple a note contributes (its sections, the concepts it
defines or mentions, the relations read in it) lives in the graph named by the note
URI, and a concept mentioned in two notes is declared in both. The scheme graph
(``{base}scheme``) holds only what depends on the whole corpus (top concepts) and is
written afresh by every build.

No blank nodes are minted: reified relation occurrences get IRIs from a hash of their
content, so graphs compare by plain set equality and survive any serialisation.

Persistence is N-Quads, written as text straight from the corpus by
:func:`write_corpus_nquads` (a note graph per chunk, copied from the previous build when
its inputs are unchanged), in pyoxigraph's canonical form (the same escapes, held equal by
a property test). Ours, not pyoxigraph's serializer, because the terms cost more than the
text: making a pyoxigraph term for each part of each quad takes longer than formatting
the strings (``python -m bench.nquads_writer``; bench/results/2026-12-03-library.md).
rdflib is the public face for reading
(:func:`load_dataset`, via pyoxigraph's parser, and exports); an rdflib ``Dataset`` of
the same quads is what the tests hold the text against (:func:`corpus_to_dataset`).
The API does not load the dataset at all: it serves from ``ConceptGraph`` JSON.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import re
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote, unquote

import pyoxigraph as _ox  # N-Quads in and out: Rust's parser, not rdflib's Python one
from rdflib import (
    DCTERMS,
    PROV,
    RDF,
    SKOS,
    XSD,
    BNode,
    Dataset,
    Graph,
    Literal,
    URIRef,
)
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import IdentifiedNode, Node

from common.chunk_file import ChunkFile
from ingest.confidence import note_confidence
from ingest.model import Corpus, Evidence, Note, NoteLink, Relation, Section
from ingest.text import text_language

from .formats import RDF_FORMATS
from .hierarchy import cycle_closing_edges, graph_relations
from .vocab import KG, RELATIONS, bind_prefixes

Quad = tuple[Node, Node, Node, Graph]
MAX_EVIDENCE = 5  # evidence nodes kept per relation statement (per note); weight counts all
MAX_CO_MENTION_EVIDENCE = 1  # "mentioned together" is the weakest kind: one example per note

# Characters that may not appear unescaped in an IRI (RFC 3987) or that would end the
# fragment early; everything else, Hangul included, is kept readable.
_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|\\^`#%]')


def _iri_escape(text: str) -> str:
    return _IRI_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), text)


def concept_uri(base_uri: str, concept_id: str) -> URIRef:
    """IRI of a concept: ``{base}concept/{id}``."""
    return URIRef(f"{base_uri}concept/{_iri_escape(concept_id)}")


def note_uri(base_uri: str, path: str) -> URIRef:
    """IRI of a note (and of its named graph): ``{base}note/{url-quoted path}``."""
    return URIRef(f"{base_uri}note/{quote(path, safe='/')}")


def section_uri(base_uri: str, path: str, anchor: str) -> URIRef:
    """IRI of a section: ``{note uri}#{anchor}``."""
    return URIRef(f"{note_uri(base_uri, path)}#{_iri_escape(anchor)}")


def scheme_uri(base_uri: str) -> URIRef:
    """IRI of the concept scheme and of the graph that holds it."""
    return URIRef(f"{base_uri}scheme")


def concept_id_from_uri(base_uri: str, uri: str) -> str | None:
    """Inverse of :func:`concept_uri`; None for IRIs that are not our concepts."""
    prefix = f"{base_uri}concept/"
    if not uri.startswith(prefix):
        return None
    return unquote(uri[len(prefix) :])


# pyoxigraph's canonical N-Triples string escapes (tests/test_rdf_quality.py holds ours
# equal to its output over any text): the two-letter ones, then \uXXXX for the other
# control characters and the non-characters U+FFFE and U+FFFF.
_NT_ESCAPES = str.maketrans(
    {
        **{chr(c): f"\\u{c:04X}" for c in (*range(0x20), 0x7F, 0xFFFE, 0xFFFF)},
        "\b": "\\b",
        "\t": "\\t",
        "\n": "\\n",
        "\f": "\\f",
        "\r": "\\r",
        '"': '\\"',
        "\\": "\\\\",
    }
)
_XSD_INTEGER = f"<{XSD.integer}>"
_XSD_DOUBLE = f"<{XSD.double}>"


def _text(value: str) -> str:
    """An N-Quads plain literal."""
    return f'"{value.translate(_NT_ESCAPES)}"'


_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")


def language_of(value: str) -> str | None:
    """The language tag of a label or definition we write: ``en`` for ASCII text, ``ko``
    for text with Hangul in it (our notes and vocabulary hold no other script), none
    otherwise (we can't know the language)."""
    if value.isascii():
        return "en"
    if _HANGUL.search(value):
        return "ko"
    return None


def _lang(value: str) -> str:
    """A literal tagged by :func:`language_of` (untagged when it cannot tell)."""
    lang = language_of(value)
    return f'"{value.translate(_NT_ESCAPES)}"@{lang}' if lang else _text(value)


def _tagged(value: str) -> str:
    """A sentence tagged with the language it is written in (``ingest.text``)."""
    return f'"{value.translate(_NT_ESCAPES)}"@{text_language(value)}'


def _number(value: float) -> str:
    """An xsd:integer or xsd:double literal, in the lexical form rdflib gives it."""
    if isinstance(value, int):
        return f'"{value}"^^{_XSD_INTEGER}'
    return f'"{value!r}"^^{_XSD_DOUBLE}'


def _iri(term: URIRef) -> str:
    return f"<{term}>"


# Predicates and classes the builder writes, in their N-Quads form.
_A = _iri(RDF.type)
_DCTERMS_subject, _DCTERMS_title = _iri(DCTERMS.subject), _iri(DCTERMS.title)
_KG_Note, _KG_Relation, _KG_Section = _iri(KG.Note), _iri(KG.Relation), _iri(KG.Section)
_KG_anchor, _KG_breadcrumb = _iri(KG.anchor), _iri(KG.breadcrumb)
_KG_definedIn, _KG_mentionedIn = _iri(KG.definedIn), _iri(KG.mentionedIn)
_KG_definitionLine, _KG_definitionPath = _iri(KG.definitionLine), _iri(KG.definitionPath)
_KG_startLine, _KG_endLine = _iri(KG.startLine), _iri(KG.endLine)
_KG_evidence, _KG_evidenceText, _KG_line = _iri(KG.evidence), _iri(KG.evidenceText), _iri(KG.line)
_KG_inNote, _KG_level, _KG_path = _iri(KG.inNote), _iri(KG.level), _iri(KG.path)
_KG_parentSection, _KG_section, _KG_weight = (
    _iri(KG.parentSection),
    _iri(KG.section),
    _iri(KG.weight),
)
_KG_confidence = _iri(KG.confidence)
_KG_explicit, _KG_linkLabel, _KG_linksTo = _iri(KG.explicit), _iri(KG.linkLabel), _iri(KG.linksTo)
_TRUE = f'"true"^^<{XSD.boolean}>'
_PROV_wasDerivedFrom = _iri(PROV.wasDerivedFrom)
_RDF_subject, _RDF_predicate, _RDF_object = _iri(RDF.subject), _iri(RDF.predicate), _iri(RDF.object)
_SKOS_Concept, _SKOS_ConceptScheme = _iri(SKOS.Concept), _iri(SKOS.ConceptScheme)
_SKOS_altLabel, _SKOS_prefLabel = _iri(SKOS.altLabel), _iri(SKOS.prefLabel)
_SKOS_definition, _SKOS_inScheme = _iri(SKOS.definition), _iri(SKOS.inScheme)
_SKOS_narrower, _SKOS_related = _iri(SKOS.narrower), _iri(SKOS.related)
_SKOS_hasTopConcept, _SKOS_topConceptOf = _iri(SKOS.hasTopConcept), _iri(SKOS.topConceptOf)
_PREDICATE = {name: _iri(spec.predicate) for name, spec in RELATIONS.items()}
# Cached note graphs are only reused by the code that wrote them.
_WRITER_VERSION = hashlib.sha1(
    Path(__file__).read_bytes()
    + (Path(__file__).parent / "vocab.py").read_bytes()
    + (Path(__file__).parent / "hierarchy.py").read_bytes()
).hexdigest()


def statement_groups(
    relations: Iterable[Relation],
) -> dict[tuple[str, str, str, str], list[Relation]]:
    """Relation occurrences by (note path, source, type, target): one statement each."""
    grouped: dict[tuple[str, str, str, str], list[Relation]] = {}
    for rel in relations:
        key = (rel.evidence.path, rel.source, rel.type, rel.target)
        found = grouped.get(key)
        if found is None:
            grouped[key] = [rel]
        else:
            found.append(rel)
    return grouped


def statement_evidence(rtype: str, occurrences: list[Relation]) -> list[tuple[int, str]]:
    """The (line, sentence) places a statement keeps as evidence nodes: where the author
    linked the pair, when they did, rather than sentences that only name both."""
    if len(occurrences) == 1:  # most statements (co-mentions above all) are read once
        return [(occurrences[0].evidence.line, occurrences[0].evidence.text)]
    stated = [r for r in occurrences if r.explicit]
    co_mention = RELATIONS[rtype].co_mention and not stated
    places = sorted({(r.evidence.line, r.evidence.text) for r in stated or occurrences})
    return places[: MAX_CO_MENTION_EVIDENCE if co_mention else MAX_EVIDENCE]


def statement_confidence(occurrences: list[Relation]) -> float:
    """How far one note's statement is believed (``ingest.confidence``); what the author
    linked is believed in full."""
    if statement_explicit(occurrences)[0]:
        return 1.0
    return note_confidence(r.confidence for r in occurrences)


def statement_explicit(occurrences: list[Relation]) -> tuple[bool, list[str]]:
    """Whether the author wrote the statement as a link (then it is no co-mention), and
    the field names they wrote it with."""
    explicit = any(r.explicit for r in occurrences)
    return explicit, sorted({r.label for r in occurrences if r.label}) if explicit else []


def statement_weight(occurrences: list[Relation]) -> int | float:
    if len(occurrences) == 1:
        return round(occurrences[0].weight, 6)
    return round(sum(r.weight for r in occurrences), 6)


class _GraphWriter:
    """Writes N-Quads text straight from the corpus, with no RDF term objects (the
    module docstring says why).

    Every triple a note contributes lives in that note's graph, so each note's text is
    independent of the others (``note``), and only the scheme graph needs all of them.
    """

    def __init__(self, corpus: Corpus, base_uri: str) -> None:
        self.base = base_uri
        self.concepts = corpus.concepts
        self.scheme = _iri(scheme_uri(base_uri))
        notes = {note.path for note in corpus.notes}
        self.mentions: dict[str, list[tuple[str, str]]] = {}
        self.definitions: dict[str, list[str]] = {}
        # definitions in the other languages (``Concept.definitions``), by the note read in
        self.translated: dict[str, list[tuple[str, Evidence]]] = {}
        for cid in sorted(corpus.concepts):
            concept = corpus.concepts[cid]
            # A concept is in the graph iff it has a section in a note of this corpus.
            if not any(path in notes for path, _ in concept.sections):
                continue
            for path, anchor in concept.sections:
                if path in notes:
                    self.mentions.setdefault(path, []).append((cid, anchor))
            ev = concept.definition
            if ev is not None and ev.path in notes:
                self.definitions.setdefault(ev.path, []).append(cid)
            for other in concept.definitions.values():
                if other != ev and other.path in notes:
                    self.translated.setdefault(other.path, []).append((cid, other))
        present = {cid for found in self.mentions.values() for cid, _ in found}
        self.relations: dict[str, list[Relation]] = {}
        self.narrower: set[str] = set()  # concepts some note gives a broader concept
        kept = graph_relations(corpus.relations, notes, present)
        self.cycle_edges = cycle_closing_edges(kept)
        for r in kept:
            hierarchical = RELATIONS[r.type].hierarchical
            if hierarchical and (r.source, r.target) in self.cycle_edges:
                continue
            self.relations.setdefault(r.evidence.path, []).append(r)
            if hierarchical:
                self.narrower.add(r.source)
        self.note_links: dict[str, list[NoteLink]] = {}
        for link in corpus.note_links:
            if link.path in notes and link.target in notes:
                self.note_links.setdefault(link.path, []).append(link)
        self.concept_iris: dict[str, str] = {}
        self.declarations: dict[str, list[str]] = {}
        self.stamp = self._stamp(corpus) if corpus.linked_with else None
        self.reviewed = corpus.reviewed  # review decisions on a note's relations

    def _stamp(self, corpus: Corpus) -> str:
        """What every note graph depends on beyond its own note: the code, the base IRI,
        the code and lexicon its links were read with, every concept's labels (a note graph
        declares the concepts it names) and the hierarchy (which drops co-mentions)."""
        sha = hashlib.sha1(f"{_WRITER_VERSION}\0{self.base}\0{corpus.linked_with}\n".encode())
        for cid in sorted(corpus.concepts):
            concept = corpus.concepts[cid]
            sha.update(
                repr(
                    (
                        cid,
                        concept.label,
                        sorted(concept.translations.items()),
                        sorted(concept.alt_labels),
                    )
                ).encode()
            )
        for r in corpus.relations:
            if RELATIONS.get(r.type) and RELATIONS[r.type].hierarchical:
                sha.update(f"{r.source}\0{r.target}\n".encode())
        sha.update(repr(sorted(self.cycle_edges)).encode())  # chosen by weight, not hashed above
        return sha.hexdigest()

    def statements(self, path: str) -> list[tuple[tuple[str, str, str, str], list[Relation]]]:
        grouped = statement_groups(self.relations.get(path, ()))
        return [(key, grouped[key]) for key in sorted(grouped)]

    def concept(self, cid: str) -> str:
        iri = self.concept_iris.get(cid)
        if iri is None:
            iri = self.concept_iris[cid] = _iri(concept_uri(self.base, cid))
        return iri

    def note(self, note: Note) -> str:
        """The note's named graph as N-Quads text."""
        path = note.path
        lines: list[str] = []
        g = f"<{note_uri(self.base, path)}> .\n"
        add = lines.append
        uri = f"<{note_uri(self.base, path)}>"
        quoted_path = _text(path)
        add(f"{uri} {_A} {_KG_Note} {g}")
        add(f"{uri} {_DCTERMS_title} {_text(note.title)} {g}")
        add(f"{uri} {_KG_path} {quoted_path} {g}")
        if note.lines:
            add(f"{uri} {_KG_startLine} {_number(1)} {g}")
            add(f"{uri} {_KG_endLine} {_number(note.lines)} {g}")
        for tag in note.tags:
            add(f"{uri} {_DCTERMS_subject} {_text(tag)} {g}")
        sections = {}
        defined_here = set()
        for section in note.sections:
            sec = sections[section.anchor] = f"<{section_uri(self.base, path, section.anchor)}>"
            defined_here.add((section.anchor, section.concept))
            add(f"{uri} {_KG_section} {sec} {g}")
            add(f"{sec} {_A} {_KG_Section} {g}")
            add(f"{sec} {_KG_inNote} {uri} {g}")
            add(f"{sec} {_DCTERMS_title} {_text(section.title)} {g}")
            add(f"{sec} {_KG_anchor} {_text(section.anchor)} {g}")
            add(f"{sec} {_KG_path} {quoted_path} {g}")
            add(f"{sec} {_KG_breadcrumb} {_text(' > '.join(section.breadcrumb))} {g}")
            add(f"{sec} {_KG_level} {_number(section.level)} {g}")
            add(f"{sec} {_KG_startLine} {_number(section.line)} {g}")
            add(f"{sec} {_KG_endLine} {_number(section.end_line)} {g}")
            if section.parent:
                add(
                    f"{sec} {_KG_parentSection} "
                    f"<{section_uri(self.base, path, section.parent)}> {g}"
                )

        declared: set[str] = set()

        def declare(cid: str) -> str:
            iri = self.concept(cid)
            if cid not in declared:
                declared.add(cid)
                lines.extend(f"{triple} {g}" for triple in self.declaration(cid))
            return iri

        for cid, anchor in self.mentions.get(path, ()):
            iri = declare(cid)
            sec = sections.get(anchor) or f"<{section_uri(self.base, path, anchor)}>"
            where = _KG_definedIn if (anchor, cid) in defined_here else _KG_mentionedIn
            add(f"{iri} {where} {sec} {g}")
        for cid in self.definitions.get(path, ()):
            iri = declare(cid)
            ev = self.concepts[cid].definition
            assert ev is not None  # definitions lists the concepts that have one
            add(f"{iri} {_SKOS_definition} {_tagged(ev.text)} {g}")
            add(f"{iri} {_KG_definitionPath} {quoted_path} {g}")
            add(f"{iri} {_KG_definitionLine} {_number(ev.line)} {g}")
        for cid, ev in self.translated.get(path, ()):
            # the concept's definition in another language: its path and line are the
            # default definition's (kg:definitionPath/Line), so this one carries none
            add(f"{declare(cid)} {_SKOS_definition} {_tagged(ev.text)} {g}")
        ordered = sorted(note.sections, key=lambda s: s.line)
        starts = [s.line for s in ordered]
        # One evidence node per sentence, shared by the statements read in it: a sentence
        # naming four concepts is the evidence of six "mentioned together" statements.
        places: dict[tuple[int, str], str] = {}
        for key, occurrences in self.statements(path):
            _, source, rtype, target = key
            src, dst = declare(source), declare(target)
            spec = RELATIONS[rtype]
            predicate = _PREDICATE[rtype]
            add(f"{src} {predicate} {dst} {g}")
            if spec.hierarchical:
                add(f"{dst} {_SKOS_narrower} {src} {g}")
            elif predicate == _SKOS_related:  # symmetric in SKOS: both ways, for readers
                add(f"{dst} {predicate} {src} {g}")  # that do not infer it
            node = _statement_iri(self.base, key)
            add(f"<{node}> {_A} {_KG_Relation} {g}")  # kg:Relation is an rdf:Statement
            add(f"<{node}> {_RDF_subject} {src} {g}")
            add(f"<{node}> {_RDF_predicate} {predicate} {g}")
            add(f"<{node}> {_RDF_object} {dst} {g}")
            add(f"<{node}> {_KG_weight} {_number(statement_weight(occurrences))} {g}")
            add(f"<{node}> {_KG_confidence} {_number(statement_confidence(occurrences))} {g}")
            add(f"<{node}> {_KG_path} {quoted_path} {g}")
            explicit, labels = statement_explicit(occurrences)
            if explicit:
                add(f"<{node}> {_KG_explicit} {_TRUE} {g}")
                for label in labels:
                    add(f"<{node}> {_KG_linkLabel} {_lang(label)} {g}")
            for line, text in statement_evidence(rtype, occurrences):
                evidence = places.get((line, text))
                if evidence is None:
                    evidence = places[(line, text)] = _evidence_iri(self.base, path, line, text)
                    at = _section_at_sorted(ordered, starts, line)
                    origin = (
                        sections.get(at.anchor) or f"<{section_uri(self.base, path, at.anchor)}>"
                        if at is not None
                        else uri
                    )
                    add(f"{evidence} {_KG_evidenceText} {_text(text)} {g}")
                    add(f"{evidence} {_KG_line} {_number(line)} {g}")
                    add(f"{evidence} {_PROV_wasDerivedFrom} {origin} {g}")
                add(f"<{node}> {_KG_evidence} {evidence} {g}")
        for link in self.note_links.get(path, ()):
            source = sections.get(link.anchor, uri) if link.anchor else uri
            target = (
                section_uri(self.base, link.target, link.target_anchor)
                if link.target_anchor
                else note_uri(self.base, link.target)
            )
            add(f"{source} {_KG_linksTo} <{target}> {g}")
        return "".join(lines)

    def declaration(self, cid: str) -> list[str]:
        """The concept's type and labels (triples without their graph), which every note
        graph that names the concept repeats."""
        out = self.declarations.get(cid)
        if out is not None:
            return out
        concept, iri = self.concepts[cid], self.concept(cid)
        out = [
            f"{iri} {_A} {_SKOS_Concept}",
            f"{iri} {_SKOS_inScheme} {self.scheme}",
            f"{iri} {_SKOS_prefLabel} {_text(concept.label)}@en",
        ]
        for lang, label in sorted(concept.translations.items()):
            if lang != "en":
                out.append(f"{iri} {_SKOS_prefLabel} {_text(label)}@{lang}")
        for alt in sorted(concept.alt_labels):
            if alt != concept.label:
                out.append(f"{iri} {_SKOS_altLabel} {_lang(alt)}")
        self.declarations[cid] = out
        return out

    def key(self, note: Note) -> str | None:
        """A key for the note's graph text, equal whenever the text would be; None when
        the corpus cannot tell (no lexicon fingerprint or note hash): no reuse then.

        The note's links are a function of its path, its content and the lexicon, so
        those stand for the relations; what other notes decide for it (where concepts
        are mentioned and defined, what the links its author wrote resolve to) is
        hashed as it is."""
        if self.stamp is None or not note.digest:
            return None
        path = note.path
        definitions = [
            (cid, self.concepts[cid].definition) for cid in self.definitions.get(path, ())
        ] + self.translated.get(path, [])
        explicit = [r for r in self.relations.get(path, ()) if r.explicit]
        raw = repr(
            (
                self.stamp,
                path,
                note.digest,
                self.mentions.get(path),
                definitions,
                self.reviewed.get(path),
                explicit,
                self.note_links.get(path),
            )
        )
        return hashlib.sha1(raw.encode()).hexdigest()

    def scheme_graph(self) -> str:
        """The scheme and its top concepts: those no note gives a broader concept."""
        concepts = {cid for found in self.mentions.values() for cid, _ in found}
        narrower = self.narrower
        s = self.scheme
        g = f"{s} .\n"
        lines = [
            f"{s} {_A} {_SKOS_ConceptScheme} {g}",
            f'{s} {_DCTERMS_title} "Concepts from the notes"@en {g}',
        ]
        for iri in sorted(self.concept(cid) for cid in concepts - narrower):
            lines.append(f"{s} {_SKOS_hasTopConcept} {iri} {g}")
            lines.append(f"{iri} {_SKOS_topConceptOf} {s} {g}")
        return "".join(lines)


def _evidence_iri(base_uri: str, path: str, line: int, text: str) -> str:
    digest = hashlib.sha1(f"{path}\x1f{line}\x1f{text}".encode()).hexdigest()[:20]
    return f"<{base_uri}evidence/{digest}>"


def _statement_iri(base_uri: str, key: tuple[str, str, str, str]) -> str:
    digest = hashlib.sha1("\x1f".join(key).encode("utf-8")).hexdigest()[:20]
    return f"{base_uri}relation/{digest}"


def _section_at_sorted(sections: list[Section], starts: list[int], line: int) -> Section | None:
    """The innermost section starting at or before ``line`` (sections sorted by line,
    ``starts`` their first lines)."""
    index = bisect.bisect_right(starts, line) - 1
    while index >= 0:
        if sections[index].line <= line <= sections[index].end_line:
            return sections[index]
        index -= 1
    return None


def corpus_nquads(corpus: Corpus, base_uri: str) -> Iterator[str]:
    """The whole dataset as N-Quads text, a chunk per note graph and one for the scheme."""
    writer = _GraphWriter(corpus, base_uri)
    for note in corpus.notes:
        yield writer.note(note)
    yield writer.scheme_graph()


def write_corpus_nquads(
    corpus: Corpus, base_uri: str, path: Path, previous: Path | None = None
) -> None:
    """Write the dataset to ``path`` as N-Quads, each note graph a chunk keyed by what it
    is made from (:meth:`_GraphWriter.key`).

    ``previous`` is an earlier build's N-Quads file: a note graph whose inputs have not
    changed since is copied from it rather than written again. An edit to one note
    then rewrites one graph, and a full build writes each graph once.
    """
    writer = _GraphWriter(corpus, base_uri)
    with ChunkFile(path, previous) as out:
        for note in corpus.notes:
            key = writer.key(note)
            if not out.reuse(key):
                out.add(key, writer.note(note).encode("utf-8"))
        out.add(None, writer.scheme_graph().encode("utf-8"))


def parse_nquads(text: str) -> list[tuple[Node, Node, Node, URIRef]]:
    """N-Quads text as rdflib terms (for rdflib datasets and SPARQL stores)."""
    conv = OxigraphToRdflib()
    # cast: the converter returns any Node; a graph name we write is an IRI
    return [
        (conv(s), conv(p), conv(o), cast(URIRef, conv(g)))
        for s, p, o, g in _ox.parse(text.encode("utf-8"), format=_ox.RdfFormat.N_QUADS)
    ]


def corpus_quads(corpus: Corpus, base_uri: str) -> list[tuple[Node, Node, Node, URIRef]]:
    """Every quad of the corpus as rdflib terms: (subject, predicate, object, graph IRI)."""
    return parse_nquads("".join(corpus_nquads(corpus, base_uri)))


def new_dataset() -> Dataset:
    """An empty in-memory dataset with our prefixes bound."""
    ds = Dataset()
    bind_prefixes(ds)
    return ds


def corpus_to_dataset(corpus: Corpus, base_uri: str) -> Dataset:
    """Build the dataset: one named graph per note plus the scheme graph."""
    return quads_to_dataset(corpus_quads(corpus, base_uri))


def quads_to_dataset(quads: list[tuple[Node, Node, Node, URIRef]]) -> Dataset:
    ds = new_dataset()
    graphs: dict[URIRef, Graph] = {}

    def with_graphs() -> Iterator[Quad]:
        for s, p, o, name in quads:
            graph = graphs.get(name)
            if graph is None:
                graph = graphs[name] = ds.graph(name)
            yield s, p, o, graph

    ds.store.addN(with_graphs())
    return ds


# --------------------------------------------------------------------------- persistence


def _iter_quads(ds: Dataset) -> Iterator[tuple[Node, Node, Node, Node | None]]:
    for s, p, o, g in ds.quads((None, None, None, None)):
        yield s, p, o, (g.identifier if isinstance(g, Graph) else g)


def load_dataset(path: str | os.PathLike[str]) -> Dataset:
    """Read an N-Quads file written by :func:`write_corpus_nquads` into an in-memory dataset."""
    ds = new_dataset()
    conv = OxigraphToRdflib()
    graphs: dict[object, Graph] = {}

    def quads() -> Iterator[Quad]:
        for s, p, o, g in _ox.parse(path=str(path), format=_ox.RdfFormat.N_QUADS):
            graph = graphs.get(g)
            if graph is None:
                name = conv(g)
                graph = graphs[g] = (
                    # cast: the converter returns any Node; a graph name is an IRI or a blank node
                    ds.default_graph
                    if name == DATASET_DEFAULT_GRAPH_ID
                    else ds.graph(cast(IdentifiedNode, name))
                )
            yield conv(s), conv(p), conv(o), graph

    # Straight to the store: Dataset.addN re-checks every node and looks the graph up
    # again for each quad; the parser's output is already valid.
    ds.store.addN(quads())
    return ds


class OxigraphToRdflib:
    """Oxigraph -> rdflib terms (parsed files, endpoint answers), memoised by the Oxigraph
    term: a dataset names the same IRIs over and over, so most terms are converted once."""

    _XSD_STRING = str(XSD.string)

    def __init__(self) -> None:
        self.cache: dict[object, Node] = {}

    def __call__(self, term: object) -> Node:
        hit = self.cache.get(term)
        if hit is None:
            hit = self.cache[term] = self._convert(term)
        return hit

    def _convert(self, term: object) -> Node:
        if isinstance(term, _ox.NamedNode):
            return URIRef(term.value)
        if isinstance(term, _ox.Literal):
            if term.language:
                return Literal(term.value, lang=term.language)
            datatype = term.datatype.value
            if datatype == self._XSD_STRING:  # Oxigraph types plain literals; rdflib doesn't
                return Literal(term.value)
            return Literal(term.value, datatype=URIRef(datatype))
        if isinstance(term, _ox.BlankNode):
            return BNode(term.value)
        if isinstance(term, _ox.DefaultGraph):
            return DATASET_DEFAULT_GRAPH_ID
        raise TypeError(f"unexpected term {term!r}")


# --------------------------------------------------------------------------- export


def export(ds: Dataset, fmt: str) -> tuple[bytes, str]:
    """Serialise for download: ``(body, mimetype)``.

    Triple formats (turtle, ntriples, xml) and JSON-LD get the union of all graphs; quad
    formats (nquads, trig) keep the named graphs.
    """
    keeps_graphs = fmt in RDF_FORMATS and RDF_FORMATS[fmt].keeps_graphs
    return serialize(ds if keeps_graphs else union_graph(ds), fmt)


def serialize(source: Graph, fmt: str) -> tuple[bytes, str]:
    """``source`` in an RDF format of ``graph.formats``: ``(body, mimetype)``."""
    try:
        spec = RDF_FORMATS[fmt]
    except KeyError:
        allowed = ", ".join(RDF_FORMATS)
        raise ValueError(f"unknown RDF format {fmt!r}; allowed: {allowed}") from None
    options: dict[str, Any] = {}
    if fmt == "json-ld":
        options = {"context": json_ld_context(source), "auto_compact": True}
    with warnings.catch_warnings():
        # rdflib 7.6's own TriG/N-Quads/JSON-LD serializers call deprecated Dataset APIs.
        warnings.filterwarnings("ignore", r"Dataset\.\w+ is deprecated", DeprecationWarning)
        body = source.serialize(format=spec.rdflib, encoding="utf-8", **options)
    return body, spec.media_type


def json_ld_context(graph: Graph) -> dict[str, str]:
    """The @context of our JSON-LD: the prefixes bound on ``graph`` (ours, see
    :func:`graph.vocab.bind_prefixes`, and rdflib's core ones)."""
    return {
        prefix: str(ns) for prefix, ns in sorted(graph.namespaces()) if prefix and prefix != "xml"
    }


def union_graph(ds: Dataset) -> Graph:
    """All triples of all graphs in one plain Graph (for triple-only consumers and tests)."""
    graph = Graph()
    bind_prefixes(graph)
    for s, p, o, _ in _iter_quads(ds):
        graph.add((s, p, o))
    return graph
