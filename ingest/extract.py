"""From parsed notes to concepts and typed relations, each with its evidence.

Two passes. ``build_lexicon`` gathers every concept the vocabulary and the notes name
(a concept defined in one note is recognised in all of them). ``link_one`` then reads
one note with that lexicon: which concepts each section names and mentions, what it
defines, and which relations its outline, sentences and manifests state. ``link_one``
only reads its own note and changes nothing, so notes can be linked in parallel and
re-linked one at a time; ``apply_definitions`` and ``apply_links`` then merge the
results into the concepts and notes, in note order.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from . import confidence
from .concepts import (
    FUNCTION_WORDS,
    Candidate,
    defines,
    first_sentence,
    heading_labels,
    is_outline,
    kinds_of,
    term_of,
)
from .definitions import offer, page_definitions
from .lexicon import Lexicon, Mention, is_camel, is_identifier
from .links import FIELD
from .manifests import looks_like_manifest, manifest_relations
from .model import Block, Concept, Evidence, Note, Relation, Section
from .patterns import (
    IN_NAMESPACE,
    IS_A_CONFIDENCE,
    KOREAN_CONFIDENCE,
    Reading,
    enabled_frame,
    frame_between,
    implicit_frame,
    is_a,
    is_kind_of_tail,
    korean_relation,
    negated,
    object_ok,
    purpose_frame,
    runs_one_on,
    subject_ok,
)
from .text import label_key, slugify
from .vocabulary import Vocabulary

# Concept labels that are also everyday words: they name a concept where the notes
# define them ("Running: ..."), but "running" in a sentence is not a mention.
QUIET_WORDS = frozenset(
    "always never running pending completed complete error failed failure succeeded "
    "unknown default ready terminating terminated waiting evicted schedule strategy "
    "replicas limits requests resources image images name names value values type "
    "types data status state spec metadata template selector labels label key keys "
    "version kind port ports host path service node master worker guaranteed burstable "
    "besteffort secret secrets object objects event events role roles command args".split()
) - {
    "service",
    "node",
    "label",
    "labels",
    "image",
    "images",
    "secret",
    "secrets",
    "object",
    "objects",
    "event",
    "events",
    "role",
    "roles",
}
QUIET_KEYS = frozenset(label_key(word) for word in QUIET_WORDS)
MANIFEST_SKELETON = frozenset(
    "apiVersion kind metadata name namespace spec status template data "
    "items labels annotations".split()
)
ORIGIN_RANK = {
    "vocabulary": 0,
    "heading": 1,
    "term": 2,
    "sentence": 3,
    "manifest": 4,
    "chain": 5,
    "identifier": 6,
    "camel": 7,
    "capitalised": 8,
    "code": 9,
    "glossary": 1,
    "kinds": 1,
    "title": 1,  # a glossary entry's title: the page's heading
    "aliases": 1,  # a note with aliases names its subject
    "link": 10,
    "acronym": 10,
}  # a link's target, an acronym's label: last
MIN_CAPITALISED = 2  # times a capitalised word must appear to be taken for a name
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+(?=[A-Z가-힣\"'(\[`])")
_ARROW = re.compile(r"\s*(?:->|→|=>|⇒|-->)\s*")
_NAMESPACE_FLAG = re.compile(r"(?:^|\s)(?:-n|--namespace)[ =]([a-z0-9][a-z0-9\-]*)")
# "(you can) select Pods with a selector": the reader selects, by means of the selector;
# "the policy selects Pods with the label" has its own subject and is read as a frame
_SELECT = re.compile(r"\bselect\b", re.IGNORECASE)
_SELECT_BY = re.compile(r"\b(?:with|via|using|through|by)\b", re.IGNORECASE)
_COMMAND_WORD = re.compile(
    r"\s+(?:get|describe|logs|exec|apply|create|delete|rollout|label|"
    r"edit|run|expose|scale|port-forward|top|explain)\b"
)
_HANGUL = re.compile("[가-힣]")
_CLAUSE_BREAK = re.compile(r"[.;:!?]\s|,\s+(?:and|but|or|so|while|which|because|when|if)\s")
_RUN_PLACE = re.compile(r"\s+on\s+(?:every|each|all|the|a|an|one)?\s*")
# "… -n kube-system shows CoreDNS": the word after the verb is what lives there
_SHOWS = re.compile(
    r"[^.;—]*?\b(?:shows?|lists?|returns?|displays?|prints?|gives?)\s+"
    r"(?:(?:the|a|an|its|all)\s+)?"
)
_LOWER_WORD = re.compile(r"(?<![\w.\-])[a-z]{3,}(?![\w.\-])")
_ALONE = re.compile(r"\s*(?:$|[,;)(]|#)")  # "restartPolicy: OnFailure" and nothing more
_WORDS_BEFORE = re.compile(r"[\w\-]+")
_PLACE_DETERMINERS = frozenset("the a an your its their each every all this that".split())
_AND_VERB = re.compile(
    r"^[^.;:,]*?\sand\s+(?:also\s+)?(?P<verb>[a-z]+(?: [a-z]+){0,2}?)"
    r"\s+(?:(?:the|a|an|one|its|their|all|every|each|new)\s+)*$"
)
GENERIC_HEADS = frozenset("object objects resource resources".split())
_PREDICATE_NOMINAL = re.compile(r"\b(?:is|are)\s+(?:an?|the|one)\s+(?:[\w\-]+\s+){0,2}$")
_RELATIVE_START = re.compile(r"^\s*,?\s*(?:that|which|who)\s")
_BY_LABEL = re.compile(r"(?i)label|selector|field")
# "A NetworkPolicy chooses the Pods it applies to with a podSelector": choosing by a
# selector is selecting (without one, "finds" and "picks" say nothing of how)
_CHOOSES = re.compile(r"^\s+(?:chooses|picks|finds|matches)\s+(?:(?:the|its|their|all|every)\s+)?$")
_WITH_SELECTOR = re.compile(
    r"^[^.;:]*?\b(?:with|by|using|via|through)\s+(?:an?\s+|its\s+|the\s+|"
    r"their\s+)?(?:label\s+)?`?\w*selector\b",
    re.IGNORECASE,
)
_TERM_COLON = re.compile(r"[*_`]*\s*:\s+")
_LIST_JOIN = re.compile(r",?\s+(?:and|or)\s+(?:the\s+|an?\s+)?|,\s+")
CO_MENTION_WINDOW = 3  # each concept pairs with the next three in its sentence


@dataclass(slots=True)
class Linker:
    """What extraction knows across notes: the lexicon and the concepts."""

    lexicon: Lexicon
    concepts: dict[str, Concept]
    fields: set[str] = field(default_factory=set)  # ids of field-like concepts
    definition_rank: dict[tuple[str, str], int] = field(default_factory=dict)  # (id, lang)

    def is_field(self, concept: str) -> bool:
        return concept in self.fields

    def fingerprint(self) -> str:
        """Changes whenever anything ``link_one`` reads changes: the label keys and their
        concepts, which keys are quiet, which concepts are fields, the concepts' labels."""
        sha = hashlib.sha1()
        quiet, code, cased = self.lexicon.quiet, self.lexicon.code, self.lexicon.cased
        for key, owner in sorted(self.lexicon.keys.items()):
            sha.update(f"{key}\0{owner}\0{key in quiet}\0{key in code}\0{key in cased}\n".encode())
        for concept_id, concept in sorted(self.concepts.items()):
            sha.update(f"{concept_id}\0{concept.label}\0{concept_id in self.fields}\n".encode())
        return sha.hexdigest()

    def manifest_key(self, key: str) -> str | None:
        """The concept a manifest key or value names; keys every object has name none."""
        if key in MANIFEST_SKELETON or label_key(key) in self.lexicon.quiet:
            return None
        return self.resolve(key)

    def resolve(self, label: str) -> str | None:
        found = self.lexicon.lookup(label)
        if found:
            return found
        token = self.lexicon.resolve_token(label) if label and " " not in label else None
        return token[0] if token else None


# -- pass 1: the lexicon ------------------------------------------------------------
def build_lexicon(
    vocabulary: Vocabulary,
    candidates: list[Candidate],
    usage: Counter[str] | None = None,
    outlines: frozenset[str] = frozenset(),
) -> Linker:
    """Concepts from the vocabulary and the notes' candidates, keyed for matching.

    ``usage`` counts, per lower-case word, the notes that use it in running text: a
    one-word label that the notes mostly write in lower case is an everyday word
    ("Files", "Support"), not the name of a thing (see ``Admission``)."""
    lexicon = Lexicon()
    concepts: dict[str, Concept] = {}
    linker = Linker(lexicon, concepts)
    for term in vocabulary.terms.values():
        concept = Concept(
            id=term.id,
            label=term.label,
            alt_labels=set(term.aliases),
            translations=dict(term.translations),
            origin="vocabulary",
        )
        concept.alt_labels.update(term.translation_aliases)
        concepts[term.id] = concept
        for label in term.all_labels:
            lexicon.add(
                label, term.id, quiet=_quiet(label), cased=term.cased and label == term.label
            )
        if is_field_label(term.label, term.aliases):
            linker.fields.add(term.id)
    admission = Admission.of(candidates, usage or Counter(), outlines)
    # labels the lexicon already holds: registering one again without a definition changes
    # nothing (a key keeps its first owner), and notes repeat the same labels thousands of times
    settled: set[str] = set()
    # an acronym spelled out somewhere ("Battery Management System (BMS)") waits until
    # the spelled-out name has taken it as a label; only then may it be a name of its own
    spelled = {label_key(a) for c in candidates if c.origin == "acronym" for a in c.aliases}

    def rank(candidate: Candidate) -> float:
        if candidate.origin == "capitalised" and label_key(candidate.label) in spelled:
            return ORIGIN_RANK["acronym"] + 1
        return ORIGIN_RANK.get(candidate.origin, 9)

    for candidate in sorted(candidates, key=rank):
        if candidate.definition is None and candidate.label in settled and not candidate.aliases:
            continue
        if candidate.origin == "code" or (
            candidate.origin == "capitalised" and linker.resolve(candidate.label)
        ):
            continue
        if not admission.admits(candidate, linker):
            continue
        _register(linker, candidate)
        if lexicon.lookup(candidate.label) is not None:
            settled.add(candidate.label)
    return linker


@dataclass(slots=True)
class Admission:
    """Which candidates name a thing. Capitalisation alone never does: a capitalised
    word counts only in the outline form (where the author capitalises names on
    purpose) and when it recurs. A prose document's headings name sections, so one
    becomes a concept only when something else says it is one: its first sentence
    defines it, another kind of evidence names it, or several notes head it. An
    identifier in running prose needs code around it somewhere (a dotted path, or the
    same key in a code block). Any one-word label the notes mostly write in lower case
    is an everyday word."""

    usage: Counter[str]
    capitalised: Counter[str]  # label key → notes writing it capitalised mid-sentence
    written: Counter[str]  # label key → times it is written capitalised mid-sentence
    headed: Counter[str]  # label key → notes heading it
    named: set[str]  # label keys some stronger kind of evidence names
    code: set[str]  # keys written as keys in code blocks
    outlines: frozenset[str]  # paths of notes written as outlines (``is_outline``)

    @classmethod
    def of(
        cls, candidates: list[Candidate], usage: Counter[str], outlines: frozenset[str]
    ) -> Admission:
        capitalised: Counter[str] = Counter()
        written: Counter[str] = Counter()
        headed: Counter[str] = Counter()
        seen: set[tuple[str, str, str]] = set()
        named: set[str] = set()
        code: set[str] = set()
        for c in candidates:
            key = label_key(c.label)
            if c.origin == "code":
                code.add(key)
            elif c.origin in _STRONG_ORIGINS or c.origin == "link":
                named.add(key)
            if c.origin == "capitalised":
                written[key] += 1
            if (c.origin, key, c.path) in seen:
                continue
            seen.add((c.origin, key, c.path))
            if c.origin == "capitalised":
                capitalised[key] += 1
            elif c.origin in ("heading", "kinds"):
                headed[key] += 1
        return cls(usage, capitalised, written, headed, named, code, outlines)

    def admits(self, candidate: Candidate, linker: Linker) -> bool:
        label, origin = candidate.label, candidate.origin
        key = label_key(label)
        outline = candidate.path in self.outlines
        if linker.lexicon.lookup(label) is not None:
            return True  # the vocabulary or a stronger candidate already names it
        if origin == "acronym":
            return False  # an acronym only adds a label to a concept named otherwise
        if origin == "link":
            return False  # a link names a thing only where a note heads or defines it
        if origin == "capitalised":
            # a run of capitalised words, or a word capitalised again and again
            # (in an outline its author capitalises names on purpose: once is enough)
            return outline and not self.everyday(label)
        if (
            origin == "identifier"
            and "." not in label
            and key not in self.code
            and key not in self.named
        ):
            return False
        if self.everyday(label):
            return False
        if origin == "heading" and not outline and not is_camel(label) and not is_identifier(label):
            return key in self.named or defines(label, candidate.definition)
        return True

    def everyday(self, label: str) -> bool:
        """A single plain word that the notes write in lower case more often than as a
        name: "Files", "Support", "Results". A label written in lower case (a value such
        as ``true``) is everyday when many notes use it in passing."""
        if " " in label or is_camel(label) or is_identifier(label) or not label.isalpha():
            return False
        word = label.lower()
        lower = sum(self.usage[form] for form in _number_forms(word))
        if label[0].islower():
            return lower >= 3 and lower >= 3 * (self.headed[label_key(label)] + 1)
        return lower >= 3 and lower > 2 * self.capitalised[label_key(label)]


_STRONG_ORIGINS = frozenset(
    {"term", "sentence", "chain", "manifest", "camel", "glossary", "kinds", "title", "aliases"}
)


def _number_forms(word: str) -> set[str]:
    """The word in the singular and the plural: ``policies`` → {policies, policy}."""
    if word.endswith("ies"):
        return {word, word[:-3] + "y"}
    if word.endswith("s") and not word.endswith("ss"):
        return {word, word[:-1]}
    return {word, word + "s", word[:-1] + "ies" if word.endswith("y") else word + "es"}


def usage_of(notes: list[Note]) -> Counter[str]:
    """Per lower-case word of running text, how many notes use it."""
    usage: Counter[str] = Counter()
    for note in notes:
        words: set[str] = set()
        for section in note.sections:
            for block in section.blocks:
                if block.kind != "code":
                    words.update(_LOWER_WORD.findall(block.text))
        usage.update(words)
    return usage


def _quiet(label: str) -> bool:
    """Everyday words (and short aliases like ``no`` for nodes) match no running text."""
    key = label_key(label)
    if key in FUNCTION_WORDS or key in QUIET_KEYS and not is_camel(label):
        return not is_identifier(label)
    return False


def is_field_label(label: str, aliases: Collection[str] = ()) -> bool:
    """Fields are written as code: ``restartPolicy``, ``spec.replicas``, or a lower-case
    word whose aliases are such paths (``replicas`` ← ``spec.replicas``)."""
    if is_identifier(label):
        return True
    return bool(re.fullmatch(r"[a-z][a-zA-Z0-9]*", label)) and any(
        "." in alias and is_identifier(alias) for alias in aliases
    )


def _register(linker: Linker, candidate: Candidate) -> None:
    lexicon, concepts = linker.lexicon, linker.concepts
    label = candidate.label
    owner = linker.resolve(label)
    if owner is None:
        owner = _new_id(label, concepts)
        concepts[owner] = Concept(id=owner, label=label, origin=candidate.origin)
        lexicon.add(label, owner, quiet=_quiet(label))
        if is_field_label(label):
            linker.fields.add(owner)
            last = label.rsplit(".", 1)[-1]
            if last != label and is_identifier(last) and lexicon.lookup(last) is None:
                lexicon.add(last, owner)
    concept = concepts[owner]
    for alias in candidate.aliases:
        if lexicon.lookup(alias) is None:
            lexicon.add(alias, owner, quiet=_quiet(alias))
        if lexicon.lookup(alias) == owner and label_key(alias) != label_key(concept.label):
            concept.alt_labels.add(alias)
    known = {label_key(concept.label), *map(label_key, concept.translations.values())}
    if (
        label_key(label) not in known
        and label not in concept.alt_labels
        and lexicon.lookup(label) == owner
    ):
        concept.alt_labels.add(label)
    if candidate.definition is not None:
        offer(
            concept, candidate.definition, candidate.origin, linker.definition_rank, linker.resolve
        )


def _new_id(label: str, concepts: dict[str, Concept]) -> str:
    base = slugify(label) or "concept"
    candidate, n = base, 1
    while candidate in concepts:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


# -- pass 2: one note ---------------------------------------------------------------
@dataclass(slots=True)
class _Sentence:
    text: str
    line: int
    mentions: list[Mention]


@dataclass(slots=True)
class NoteLinks:
    """What one note contributes to the corpus. It depends only on the note and the
    lexicon, so it can be computed in another process or kept from an earlier run;
    ``apply_links`` adds it to the corpus."""

    heads: list[str | None]  # per section: the concept its heading names
    concepts: list[list[str]]  # per section: the concepts it names or mentions
    # (concept, defining sentence, origin): "A Pod is ..." sentences, a page's description
    # and lead sentence about its concept, in note order
    definitions: list[tuple[str, Evidence, str]]
    relations: list[Relation]

    def __reduce__(self) -> tuple[Callable[..., NoteLinks], tuple[Any, ...]]:
        """Pickled as plain tuples with each evidence once (a sentence's relations share
        it): far less to send to another process, or keep, than relation by relation as
        dataclasses."""
        index: dict[int, int] = {}
        evidence: list[tuple[str, str, int]] = []
        rows = []
        for relation in self.relations:
            found = index.get(id(relation.evidence))
            if found is None:
                found = index[id(relation.evidence)] = len(evidence)
                evidence.append(_evidence_tuple(relation.evidence))
            rows.append(
                (
                    relation.source,
                    relation.target,
                    relation.type,
                    found,
                    relation.weight,
                    relation.confidence,
                )
            )
        definitions = [
            (concept, _evidence_tuple(e), origin) for concept, e, origin in self.definitions
        ]
        return _unpickle_links, (self.heads, self.concepts, definitions, evidence, rows)


def _evidence_tuple(evidence: Evidence) -> tuple[str, str, int]:
    return evidence.text, evidence.path, evidence.line


def _unpickle_links(
    heads: list[str | None],
    concepts: list[list[str]],
    definitions: list[tuple[str, tuple[str, str, int], str]],
    evidence: list[tuple[str, str, int]],
    rows: list[tuple[str, str, str, int, float, float]],
) -> NoteLinks:
    shared = [Evidence(*e) for e in evidence]  # a sentence's relations share its evidence
    return NoteLinks(
        heads,
        concepts,
        [(c, Evidence(*e), o) for c, e, o in definitions],
        [
            Relation(source, target, kind, shared[i], weight, belief)
            for source, target, kind, i, weight, belief in rows
        ],
    )


@dataclass(slots=True)
class _Reading:
    """One note being linked, and what was found in it so far."""

    note: Note
    linker: Linker
    by_anchor: dict[str, Section]
    heads: dict[str, str | None] = field(default_factory=dict)  # section anchor → concept
    terms: dict[int, str | None] = field(default_factory=dict)  # id(block) → its term
    sentences: dict[int, list[_Sentence]] = field(default_factory=dict)  # id(block) → …
    outline: bool = False  # ``is_outline(note)``

    def head(self, section: Section) -> str | None:
        return self.heads[section.anchor]

    def sentences_of(self, block: Block) -> list[_Sentence]:
        """Split once: definitions and relations both read every text block."""
        found = self.sentences.get(id(block))
        if found is None:
            found = self.sentences[id(block)] = list(_sentences(block, self.linker))
        return found


def link_one(note: Note, linker: Linker) -> NoteLinks:
    """Which concepts each section of the note names and mentions, and what the note
    defines and states. Reads the note without changing it."""
    reading = _Reading(note, linker, {s.anchor: s for s in note.sections}, outline=is_outline(note))
    concepts: list[list[str]] = []
    for section in note.sections:
        labels = heading_labels(section.title)
        reading.heads[section.anchor] = linker.resolve(labels[0]) if len(labels) == 1 else None
        found: list[str] = [c for c in (linker.resolve(label) for label in labels) if c]
        for block in section.blocks:
            term = _block_term(block, linker)
            reading.terms[id(block)] = term
            if term:
                found.append(term)
            if block.kind == "code":
                continue
            found.extend(m.concept for m in linker.lexicon.find(block.text))
        concepts.append(list(dict.fromkeys(found)))
    definitions = list(_definitions(reading))
    relations = [
        relation for section in note.sections for relation in _section_relations(reading, section)
    ]
    return NoteLinks([reading.head(s) for s in note.sections], concepts, definitions, relations)


def apply_definitions(links: NoteLinks, linker: Linker) -> None:
    """A note's definitions define concepts that have no better definition in their
    language: applied for every note, in note order, before any ``apply_links``."""
    for concept_id, evidence, origin in links.definitions:
        offer(linker.concepts[concept_id], evidence, origin, linker.definition_rank)


def apply_links(
    note: Note, links: NoteLinks, linker: Linker, placed: dict[str, set[tuple[str, str]]]
) -> None:
    """Fill the note's section concepts and list its sections on the concepts, defining
    sections first. ``placed`` mirrors each concept's ``sections`` as a set, so a concept
    named in thousands of sections is not searched linearly for each."""
    for section, head, concepts in zip(note.sections, links.heads, links.concepts, strict=True):
        section.concept = head
        section.concepts = list(concepts)
    for section in note.sections:
        ref = (note.path, section.anchor)
        for concept_id in section.concepts:
            concept = linker.concepts.get(concept_id)
            if concept is None:
                continue
            seen = placed.get(concept_id)
            if seen is None:
                seen = placed[concept_id] = set(concept.sections)
            if ref in seen:
                continue
            seen.add(ref)
            defines = section.concept == concept_id or (
                concept.definition is not None
                and concept.definition.path == note.path
                and section.line <= concept.definition.line <= section.end_line
            )
            if defines:
                concept.sections.insert(0, ref)
            else:
                concept.sections.append(ref)


def _block_term(block: Block, linker: Linker) -> str | None:
    """The concept a list item defines (``Term: ...``) or consists of (``- ClusterIP``)."""
    if block.kind != "item":
        return None
    term = term_of(block)
    if term:
        return linker.resolve(term[0])
    text = block.text.strip().strip("*_`.:").strip()
    if 0 < len(text) <= 60 and "\n" not in text:
        mentions = linker.lexicon.find(text)
        if len(mentions) == 1 and mentions[0].start == 0 and mentions[0].end == len(text):
            return mentions[0].concept
    return None


def _ancestors(section: Section, by_anchor: dict[str, Section]) -> Iterator[Section]:
    current: Section | None = section
    while current is not None:
        yield current
        current = by_anchor.get(current.parent) if current.parent else None


def _subject(reading: _Reading, section: Section, skip: str | None = None) -> str | None:
    """The nearest enclosing concept that is a thing (not a field), other than ``skip``."""
    for ancestor in _ancestors(section, reading.by_anchor):
        concept = reading.head(ancestor)
        if concept and concept != skip and not reading.linker.is_field(concept):
            return concept
    return None


def _section_relations(reading: _Reading, section: Section) -> Iterator[Relation]:
    note, linker, block_terms = reading.note, reading.linker, reading.terms
    path = note.path
    children = [s for s in note.sections if s.parent == section.anchor]
    own = reading.head(section)
    kinds_target = kinds_of(section.title)
    category = linker.resolve(kinds_target) if kinds_target else None
    broader_of: dict[str, str] = {}  # concept → the container it was enumerated under
    term: str | None  # the concept a block names, if any
    outline = reading.outline

    # 1. hierarchy: "Types of X" lists, and enumerations under a category heading. In
    # the outline form a concept heading over concept subheadings lists its kinds (the
    # author's "Controller" over "ReplicaSet", "Deployment"); in prose documents a
    # subsection is only a kind of its parent when the parent names a class in the
    # plural ("Audit backends" › "Log backend").
    container = category or (own if own and not linker.is_field(own) else None)
    if container:
        prior = confidence.TYPES_OF if category else confidence.ENUMERATION
        lists_kinds = bool(category) or outline or _names_a_class(section.title)
        child_concepts = [reading.head(c) for c in children]
        typed = [c for c in child_concepts if c and c != container and not linker.is_field(c)]
        if (
            lists_kinds
            and typed
            and (category or (len(typed) >= 2 and 3 * len(typed) >= 2 * len(children)))
        ):
            for child in children:
                child_concept = reading.head(child)
                # in prose, "Audit backends" › "Log backend" (the same head noun) only
                if child_concept in typed and (
                    outline or category or _same_head(child.title, section.title)
                ):
                    broader_of[child_concept] = container
                    yield Relation(
                        child_concept,
                        container,
                        "broader",
                        Evidence(" › ".join(child.breadcrumb[1:]), path, child.line),
                        1.0,
                        prior,
                    )
        top_items = [b for b in section.blocks if b.kind == "item" and b.depth == 0]
        terms = [block_terms.get(id(b)) for b in top_items]
        # fields are kinds only of a class ("Health Checks" › livenessProbe); under a
        # thing ("Deployment" › spec.replicas) they are its fields
        fields_are_kinds = bool(category) or _names_a_class(section.title)
        named = [
            (b, t)
            for b, t in zip(top_items, terms, strict=True)
            if t
            and t != container
            and (fields_are_kinds or not linker.is_field(t))
            and (outline or category or term_of(b) is not None)
        ]
        if (
            lists_kinds
            and named
            and (category or (len(named) >= 2 and 3 * len(named) >= 2 * len(top_items)))
        ):
            for block, term in named:
                broader_of[term] = container
                yield Relation(
                    term,
                    container,
                    "broader",
                    Evidence(_clean(block.text), path, block.line),
                    1.0,
                    prior,
                )
    if own and linker.is_field(own):
        for block in section.blocks:
            term = block_terms.get(id(block))
            # a value is one word ("OnFailure", "true"); in prose documents it is also
            # written as a term ("true: convert line endings"), not merely listed
            if (
                block.kind == "item"
                and block.depth == 0
                and term
                and term != own
                and " " not in linker.concepts[term].label
                and (outline or term_of(block) is not None)
            ):
                yield Relation(
                    own,
                    term,
                    "hasValue",
                    Evidence(_clean(block.text), path, block.line),
                    1.0,
                    confidence.FIELD_VALUE,
                )

    # 2. a field named by a heading or a term belongs to the thing the section (or the
    # one right above it) is about: never to a heading further up
    parent = reading.by_anchor.get(section.parent) if section.parent else None
    if own and linker.is_field(own) and parent is not None and outline:
        holder = _holder(reading, parent)
        if holder:
            yield Relation(
                holder,
                own,
                "hasProperty",
                Evidence(" › ".join(section.breadcrumb[1:]) or section.title, path, section.line),
                1.0,
                confidence.FIELD_OF,
            )
    for block in section.blocks:
        term = block_terms.get(id(block))
        holder = _holder(reading, section, skip=broader_of.get(term)) if term else None
        if (
            term
            and linker.is_field(term)
            and block.depth == 0
            and holder
            and holder != term
            and outline
        ):
            yield Relation(
                holder,
                term,
                "hasProperty",
                Evidence(_clean(block.text), path, block.line),
                1.0,
                confidence.FIELD_OF,
            )

    # 3. sentences and manifests
    seen: set[tuple[str, str]] = set()
    for index, block in enumerate(section.blocks):
        context = _block_subject(reading, section, index)
        if block.kind == "code":
            if looks_like_manifest(block.lang, block.text):
                # a snippet without a kind is about what the outline around it names;
                # in prose the heading above is too far away to say
                subject = _manifest_subject(reading, section, index) if outline else None
                yield from manifest_relations(
                    block.text,
                    block.line,
                    path,
                    subject,
                    linker.manifest_key,
                    linker.is_field,
                    linker.lexicon.lookup,
                )
            continue
        if block.kind == "table":
            yield from _table_relations(block, path, linker)
        bullet = block.kind == "item"
        thing = own if own and not linker.is_field(own) else None
        for sentence in reading.sentences_of(block):
            yield from _sentence_relations(
                sentence, path, context, thing, bullet, outline, linker, seen
            )


_CELL_REST = re.compile(
    r"^[\s`*_]*(?:(?:the|a|an|each|every|all|any|one|its)\s+)*[\s`*_]*$", re.IGNORECASE
)


def _table_relations(block: Block, path: str, linker: Linker) -> Iterator[Relation]:
    """A column whose header is a relation phrase ("Runs on", "Uses") relates each row's
    first cell to the thing in that column: ``| kubelet | every Node |`` under
    ``| Component | Runs on |`` says the kubelet runs on the Node. Both cells must name
    one concept and nothing else, or the row says something the header does not."""
    rows = block.text.split("\n")
    header = rows[0].split(" | ")
    headers = {
        column: frame_between(f" {name.strip().lower()} ")
        for column, name in enumerate(header)
        if column
    }
    readings = {column: found for column, found in headers.items() if found}
    if not readings:
        return
    for offset, row in enumerate(rows[2:], 2):
        cells = row.split(" | ")
        if len(cells) != len(header):
            continue
        subject = _only_concept(cells[0], linker)
        if subject is None:
            continue
        for column, found in readings.items():
            target = _only_concept(cells[column], linker)
            if target is None or target == subject:
                continue
            source, target = (target, subject) if found.reverse else (subject, target)
            evidence = Evidence(_clean(f"{rows[0]}: {row}"), path, block.line + offset)
            yield Relation(source, target, found.type, evidence, 1.0, found.confidence)


def _only_concept(cell: str, linker: Linker) -> str | None:
    """The concept a table cell names when it names one and nothing more ("every Node")."""
    mentions = linker.lexicon.find(cell)
    if len(mentions) != 1:
        return None
    mention = mentions[0]
    if not _CELL_REST.match(cell[: mention.start]) or not _CELL_REST.match(cell[mention.end :]):
        return None
    return mention.concept


def _generic_head(text: str, mention: Mention) -> bool:
    """ "lease objects", "resource quota object": a generic head after another word."""
    return (
        mention.surface.lower() in GENERIC_HEADS
        and text[mention.start - 1 : mention.start] == " "
        and text[: mention.start - 1][-1:].isalnum()
    )


def _clause_subject(text: str, mentions: list[Mention], index: int) -> Mention:
    """The first mention of the clause holding ``mentions[index]``, when it is the
    clause's subject; else that mention itself."""
    for mention in mentions[: index + 1]:
        if _CLAUSE_BREAK.search(text, mention.end, mentions[index].start):
            continue
        return mention if subject_ok(text[: mention.start]) else mentions[index]
    return mentions[index]


def _title_words(title: str) -> list[str]:
    """A heading's words without its asides: "Health checks (probes)" → Health, checks."""
    return re.sub(r"\([^)]*\)", " ", title).split()


def _same_head(child: str, parent: str) -> bool:
    """ "Log backend" under "Audit backends": the child names one of the parent's kind."""

    def head(title: str) -> str:
        words = _title_words(title)
        return label_key(words[-1].lower()) if words else ""

    return bool(head(child)) and head(child) == head(parent)


def _names_a_class(title: str) -> bool:
    """ "Pod conditions", "Audit backends": a heading naming a class of things."""
    words = _title_words(title)
    last = words[-1].lower() if words else ""
    return (
        len(words) <= 4
        and last.isalpha()
        and last.endswith("s")
        and not last.endswith(("ss", "us", "is", "ics"))
    )


def _holder(reading: _Reading, section: Section, skip: str | None = None) -> str | None:
    """The thing whose fields a section lists: its own concept, else its parent's (when
    the section's concept is ``skip``, the class the field was listed as a kind of)."""
    linker = reading.linker
    parent = reading.by_anchor.get(section.parent) if section.parent else None
    for candidate in (section, parent):
        concept = reading.head(candidate) if candidate is not None else None
        if concept and concept != skip and not linker.is_field(concept):
            return concept
    return None


def _block_subject(reading: _Reading, section: Section, index: int) -> str | None:
    """Who a subject-less sentence in this block is about: its term, an enclosing
    item's term, else the section's concept."""
    blocks = section.blocks
    current: int | None = index
    while current is not None:
        term = reading.terms.get(id(blocks[current]))
        if term:
            return term
        current = blocks[current].parent
    return _subject(reading, section)


def _manifest_subject(reading: _Reading, section: Section, index: int) -> str | None:
    """A snippet without ``kind`` is about the thing the text around it names."""
    blocks, linker = section.blocks, reading.linker
    current = blocks[index].parent
    while current is not None:
        for mention in linker.lexicon.find(blocks[current].text):
            if not linker.is_field(mention.concept):
                return mention.concept
        current = blocks[current].parent
    return _subject(reading, section)


def _clean(text: str) -> str:
    return " ".join(text.split())


def _sentences(block: Block, linker: Linker) -> Iterator[_Sentence]:
    """Sentences of a block with their line numbers and mentions."""
    text = block.text
    mentions = linker.lexicon.find(text)
    # mentions never overlap, so both their starts and their ends are sorted: the ones
    # inside a sentence are a slice, found by bisection rather than a scan of them all
    mention_starts = [m.start for m in mentions]
    mention_ends = [m.end for m in mentions]
    starts = [0] + [m.end() for m in _SENTENCE_END.finditer(text)]
    line, counted = block.line, 0  # line number at offset ``counted``
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(text)
        for piece_start, piece in _pieces(text, start, end, block.kind):
            stripped = piece.strip()
            if not stripped or "::" in stripped and FIELD.match(stripped):
                continue  # a field (uses:: ConfigMap) states its own relations (ingest.links)
            offset = piece_start + (len(piece) - len(piece.lstrip()))
            first = bisect_left(mention_starts, offset)
            last = bisect_right(mention_ends, offset + len(stripped))
            inside = (
                mentions[first:last]
                if not offset
                else [
                    Mention(m.concept, m.start - offset, m.end - offset, m.surface, m.fuzzy)
                    for m in mentions[first:last]
                ]
            )  # mentions are frozen: shared when unshifted
            line += text.count("\n", counted, offset)
            counted = offset
            yield _Sentence(stripped, line, inside)


def _pieces(text: str, start: int, end: int, kind: str) -> Iterator[tuple[int, str]]:
    """Table rows are sentences of their own; other text splits at sentence ends only."""
    if kind == "table":
        position = start
        for line in text[start:end].split("\n"):
            yield position, line
            position += len(line) + 1
    else:
        yield start, text[start:end]


def _sentence_relations(
    sentence: _Sentence,
    path: str,
    context: str | None,
    own: str | None,
    bullet: bool,
    outline: bool,
    linker: Linker,
    seen: set[tuple[str, str]],
) -> Iterator[Relation]:
    """Relations one sentence states. Typed ones only from a frame (``ingest.patterns``)
    between two mentions whose roles are right; every other pair named together is a
    co-mention. ``seen`` holds the (topic, concept) co-mentions the section has
    already given, so each is counted once per section.

    The steps run in this order, and a later one reads what the earlier ones stated
    (``typed``, ``chained``)."""
    said = _Said(
        sentence.text,
        Evidence(_clean(sentence.text), path, sentence.line),
        _dedupe(sentence.mentions),
        linker,
    )
    yield from _chain_relations(said)
    if bullet and context:
        yield from _subjectless_bullet_relations(said, context)
    yield from _select_with_relations(said)
    hangul = _HANGUL.search(said.text) is not None
    for index, (left, right) in enumerate(pairwise(said.mentions)):
        if left.concept == right.concept or (
            said.typed and frozenset((left.concept, right.concept)) in said.typed
        ):
            continue
        yield from _pair_relations(said, index, left, right, hangul)
    if own and outline:
        yield from _own_field_relations(said, own)
    yield from _namespace_flag_relations(said)
    yield from _co_mentions(said, context, seen)


@dataclass(slots=True)
class _Said:
    """One sentence being read, and the pairs it has given a typed relation so far."""

    text: str
    evidence: Evidence
    mentions: list[Mention]
    linker: Linker
    typed: set[frozenset[str]] = field(default_factory=set)
    chained: set[frozenset[str]] = field(default_factory=set)

    def emit(
        self, source: str | None, target: str | None, relation: str, belief: float
    ) -> Iterator[Relation]:
        if source and target and source != target:
            # a chain's arrow says the order, not what the step is: a frame on the same
            # pair may still say that ("Crankset contains Chainring" beside the chain)
            pair = frozenset((source, target))
            (self.chained if relation == "leadsTo" else self.typed).add(pair)
            yield Relation(source, target, relation, self.evidence, 1.0, belief)


def _chain_relations(said: _Said) -> Iterator[Relation]:
    """Explicit chains: Deployment -> ReplicaSet -> Pod."""
    text, linker = said.text, said.linker
    if _has_arrow(text) and _ARROW.search(text):
        segments = _ARROW.split(text)
        for left, right in pairwise(segments):
            yield from said.emit(
                _chain_end(left, linker, last=True),
                _chain_end(right, linker, last=False),
                "leadsTo",
                confidence.CHAIN,
            )


def _subjectless_bullet_relations(said: _Said, context: str) -> Iterator[Relation]:
    """A bullet without a subject is about the heading or term it sits under."""
    text, mentions = said.text, said.mentions
    opening, rest = 0, mentions
    if mentions and mentions[0].concept == context:
        # "Commit: Points to one Tree": what follows the term is about the term
        colon = _TERM_COLON.match(text, mentions[0].end)
        if colon:
            opening, rest = colon.end(), mentions[1:]
    if not rest or rest[0].concept == context:
        return
    first = rest[0]
    if not object_ok(text[first.end : first.end + 40]):
        return
    found = implicit_frame(text[opening : first.start])
    if found and not found.reverse:
        yield from said.emit(context, first.concept, found.type, found.confidence * 0.9)
        # "Uses ReplicaSet to create Pods": the same unwritten subject creates
        for mention in rest[1:]:
            # "Creates a Load Balancer … and distributes traffic to Pods"
            joined = _AND_VERB.match(text[first.end : mention.start])
            purpose = purpose_frame(text[first.end : mention.start]) or (
                frame_between(f" {joined.group('verb')} ") if joined else None
            )
            if (
                purpose
                and mention.concept != context
                and object_ok(text[mention.end : mention.end + 40])
            ):
                yield from said.emit(context, mention.concept, purpose.type, purpose.confidence)
                break
    elif found is None and not negated(text[opening : first.start]):
        for mention in rest:
            enabled = enabled_frame(text[opening : mention.start], text[mention.end :])
            if enabled and mention.concept != context:
                yield from said.emit(context, mention.concept, enabled.type, enabled.confidence)
                break


def _select_with_relations(said: _Said) -> Iterator[Relation]:
    """ "select X with Y": Y selects X."""
    selector_pair = _select_with(said.text, said.mentions)
    if selector_pair and re.search(
        r"(?i)selector|label", said.linker.concepts[selector_pair[1]].label
    ):
        yield from said.emit(selector_pair[1], selector_pair[0], "selects", confidence.SELECT_WITH)


def _pair_relations(
    said: _Said, index: int, left: Mention, right: Mention, hangul: bool
) -> Iterator[Relation]:
    """What the words between two neighbouring mentions (the ``index``-th pair) say of
    them: the first reading that applies wins."""
    text, linker = said.text, said.linker
    between = text[left.end : right.start]
    after = text[right.end : right.end + 40]
    if hangul:
        relation = korean_relation(text[left.end : left.end + 3], text[right.end : right.end + 200])
        if relation:
            yield from said.emit(left.concept, right.concept, relation, KOREAN_CONFIDENCE)
            return
    if IN_NAMESPACE.match(between) and after.lower().lstrip().startswith("namespace"):
        yield from _in_namespace_relations(said, index, left, right)
        return
    if not object_ok(after) and not (linker.is_field(left.concept) and between.strip() == ":"):
        return
    if (
        between.strip() == ":"
        and linker.is_field(left.concept)
        and not linker.is_field(right.concept)
        and _ALONE.match(after)
    ):
        yield from said.emit(left.concept, right.concept, "hasValue", confidence.FIELD_VALUE)
        return
    if (
        between in ("'s ", "’s ", "'s .", "’s .")
        and linker.is_field(right.concept)
        and not linker.is_field(left.concept)
    ):
        yield from said.emit(
            left.concept, right.concept, "hasProperty", confidence.POSSESSIVE_FIELD
        )
        return
    if not subject_ok(text[: left.start]) or _generic_head(text, left):
        return  # "lease objects …": the head of someone else's noun phrase
    if runs_one_on(between, text[right.end :]):
        yield from _runs_one_on_relations(said, index, left, right)
        return
    found = frame_between(between)
    if (
        found is not None
        and not found.reverse
        and _PREDICATE_NOMINAL.search(text[max(0, left.start - 40) : left.start])
        and _RELATIVE_START.match(between)
    ):
        # "kube-proxy is a network proxy that runs on each node": the relative
        # clause is about the copula's subject
        clause = _clause_subject(text, said.mentions, index)
        if clause is not left and subject_ok(text[: clause.start]):
            yield from said.emit(clause.concept, right.concept, found.type, found.confidence)
        return
    if found is None and _CHOOSES.match(between) and _WITH_SELECTOR.match(text[right.end :]):
        found = Reading("selects", False, confidence.SELECT_WITH)
    if (
        found is None
        and (is_a(between) or is_kind_of_tail(between, after))
        and not linker.is_field(left.concept)
        and object_ok(after, strict=True)
    ):
        found = Reading("broader", False, IS_A_CONFIDENCE)
    if found is None:
        yield from _second_verb_relations(said, index, left, right, between)
        return
    if found.type == "selects" and not _BY_LABEL.search(text):
        return  # "the scheduler selects a node": chosen by scoring, not by labels
    yield from _frame_relations(said, index, left, right, found)


def _in_namespace_relations(
    said: _Said, index: int, left: Mention, right: Mention
) -> Iterator[Relation]:
    """ "the kube-proxy DaemonSet in the kube-system namespace"; but "CoreDNS runs as
    Pods in …": the clause's subject lives there, not what it runs as; and "Deployments
    in your cluster in …": the cluster is itself a place."""
    text = said.text
    words = [w.lower() for w in _WORDS_BEFORE.findall(text[max(0, left.start - 60) : left.start])]
    while words and words[-1] in _PLACE_DETERMINERS:
        words.pop()
    word = words[-1] if words else ""
    if _generic_head(text, left):
        return  # "lease objects in …": the lease is what lives there
    if word == "as":
        yield from said.emit(
            _clause_subject(text, said.mentions, index).concept,
            right.concept,
            "inNamespace",
            confidence.IN_NAMESPACE,
        )
    elif word not in ("in", "on", "of", "from", "for", "across", "to"):
        yield from said.emit(left.concept, right.concept, "inNamespace", confidence.IN_NAMESPACE)


def _runs_one_on_relations(
    said: _Said, index: int, left: Mention, right: Mention
) -> Iterator[Relation]:
    """ "A DaemonSet runs a Pod on every Node": it manages the Pod, which runs there."""
    mentions = said.mentions
    yield from said.emit(left.concept, right.concept, "manages", 0.75)
    if index + 2 < len(mentions) and _RUN_PLACE.fullmatch(
        said.text[right.end : mentions[index + 2].start]
    ):
        yield from said.emit(right.concept, mentions[index + 2].concept, "runsOn", 0.75)


def _second_verb_relations(
    said: _Said, index: int, left: Mention, right: Mention, between: str
) -> Iterator[Relation]:
    """ "The Parser reads the Token stream and creates the AST": the clause's subject
    does the second verb too."""
    joined = _AND_VERB.match(between)
    if not joined:
        return
    subject = _clause_subject(said.text, said.mentions, index)
    reading = frame_between(f" {joined.group('verb')} ")
    if (
        reading
        and not reading.reverse
        and subject is not None
        and subject is not left
        and subject.concept != right.concept
    ):
        yield from said.emit(subject.concept, right.concept, reading.type, reading.confidence * 0.9)


def _frame_relations(
    said: _Said, index: int, left: Mention, right: Mention, found: Reading
) -> Iterator[Relation]:
    """The frame between a pair, and what it reaches beyond the pair: a purpose clause
    after it, and every object of a list."""
    text, mentions = said.text, said.mentions
    source, target = (
        (right.concept, left.concept) if found.reverse else (left.concept, right.concept)
    )
    yield from said.emit(source, target, found.type, found.confidence)
    if not found.reverse and index + 2 < len(mentions):
        # "a Deployment uses a ReplicaSet to create the Pods": the subject creates
        later = mentions[index + 2]
        purpose = purpose_frame(text[right.end : later.start])
        if purpose and object_ok(text[later.end : later.end + 40]):
            yield from said.emit(left.concept, later.concept, purpose.type, purpose.confidence)
    # "… uses ConfigMaps and Secrets": the frame reaches every object of a list
    for follower, nxt in pairwise(mentions[index + 1 :]):
        if not _LIST_JOIN.fullmatch(text[follower.end : nxt.start]) or not object_ok(
            text[nxt.end : nxt.end + 40]
        ):
            break
        pair = (nxt.concept, left.concept) if found.reverse else (left.concept, nxt.concept)
        yield from said.emit(*pair, found.type, found.confidence * 0.9)


def _own_field_relations(said: _Said, own: str) -> Iterator[Relation]:
    """A field written in a sentence under a heading naming a thing is that thing's own
    ("spec.replicas: 2" under ReplicaSet); a heading further up is too far away."""
    for mention in said.mentions:
        if (
            said.linker.is_field(mention.concept)
            and mention.concept != own
            and is_identifier(mention.surface)
            and frozenset((own, mention.concept)) not in said.typed
        ):
            yield from said.emit(own, mention.concept, "hasProperty", confidence.FIELD_OF)


def _namespace_flag_relations(said: _Said) -> Iterator[Relation]:
    """kubectl -n kube-system … shows CoreDNS: what the command shows lives there."""
    text, linker = said.text, said.linker
    flag = _NAMESPACE_FLAG.search(text) if "-n" in text else None
    if not flag or not (namespace := linker.resolve(flag.group(1))):
        return
    shown = _SHOWS.match(text, flag.end())
    for mention in said.mentions:
        if (
            shown
            and mention.start == shown.end()
            and mention.concept != namespace
            and not linker.is_field(mention.concept)
            and not linker.concepts[mention.concept].label.lower().startswith("kubectl")
        ):
            yield from said.emit(
                mention.concept, namespace, "inNamespace", confidence.NAMESPACE_FLAG
            )


def _co_mentions(
    said: _Said, context: str | None, seen: set[tuple[str, str]]
) -> Iterator[Relation]:
    """The weakest kind: mentioned together, with the next few concepts of the sentence
    (a long list pairs neighbours, not everything with everything), and with the topic
    of the section once per section; never a pair the sentence relates otherwise."""
    evidence, stated = said.evidence, said.typed | said.chained
    concepts = list(dict.fromkeys(m.concept for m in said.mentions))
    if context and context not in concepts:
        for concept in concepts:
            if (context, concept) not in seen and frozenset((context, concept)) not in stated:
                seen.add((context, concept))
                yield _related(context, concept, evidence, 0.5, confidence.TOPIC_CO_MENTION)
    for i, earlier in enumerate(concepts):
        for second in concepts[i + 1 : i + 1 + CO_MENTION_WINDOW]:
            if frozenset((earlier, second)) not in stated:
                yield _related(earlier, second, evidence, 1.0, confidence.CO_MENTION)


def _related(a: str, b: str, evidence: Evidence, weight: float, belief: float) -> Relation:
    source, target = (a, b) if a <= b else (b, a)
    return Relation(source, target, "related", evidence, weight, belief)


def _has_arrow(text: str) -> bool:
    """Whether ``_ARROW`` can match at all: four substring tests are much cheaper than
    the regex, which tries every blank of every sentence."""
    return "->" in text or "=>" in text or "→" in text or "⇒" in text


def _dedupe(mentions: list[Mention]) -> list[Mention]:
    out: list[Mention] = []
    for mention in mentions:
        if out and out[-1].concept == mention.concept and mention.start - out[-1].end <= 1:
            continue
        out.append(mention)
    return out


def _chain_end(segment: str, linker: Linker, *, last: bool) -> str | None:
    """The concept at the arrow end of a chain segment, when it stands alone there:
    ``... on top (Deployment`` gives Deployment, ``the default Namespace`` gives None."""
    mentions = linker.lexicon.find(segment)
    if not mentions:
        return None
    mention = mentions[-1] if last else mentions[0]
    outside = segment[mention.end :] if last else segment[: mention.start]
    beside = segment[: mention.start] if last else segment[mention.end :]
    if outside.strip(" \t()[]{}.,;:'\"`*"):
        return None
    edge = beside.rstrip() if last else beside.lstrip()
    if edge and not (
        edge.endswith(("(", ",", ":", ";", "["))
        if last
        else edge.startswith((")", ",", ";", "]", ".", "("))
    ):
        return None
    return mention.concept


def _select_with(text: str, mentions: list[Mention]) -> tuple[str, str] | None:
    """(selected, selector) for "select X ... with/via Y"."""
    if len(mentions) < 2:
        return None
    verb = _SELECT.search(text) if "elect" in text.lower() else None
    if not verb:
        return None
    after = [m for m in mentions if m.start >= verb.end()]
    if len(after) < 2:
        return None
    selected = after[0]
    for candidate in after[1:]:
        if _SELECT_BY.search(text[selected.end : candidate.start]):
            return selected.concept, candidate.concept
    return None


def _names(linker: Linker, concept_id: str) -> list[str]:
    concept = linker.concepts[concept_id]
    return [concept.label, *concept.alt_labels, *concept.translations.values()]


def _definitions(reading: _Reading) -> Iterator[tuple[str, Evidence, str]]:
    """The page's description and lead sentence about the concept its title names, then
    "A Pod is ..." sentences: the concept each defines, the sentence and its origin."""
    linker = reading.linker
    yield from page_definitions(
        reading.note, linker.resolve, lambda concept_id: _names(linker, concept_id)
    )
    for section in reading.note.sections:
        for block in section.blocks:
            if block.kind not in ("paragraph", "item"):
                continue
            for sentence in reading.sentences_of(block):
                mentions = sentence.mentions
                if not mentions or mentions[0].start > 6:
                    continue
                first = mentions[0]
                after = sentence.text[first.end : first.end + 12].lower()
                if not re.match(r"\s+(?:is|are)\s+(?:a|an|the|one)\s", after) and not re.match(
                    r"(?:은|는)\s", after
                ):
                    continue
                yield (
                    first.concept,
                    Evidence(
                        _clean(first_sentence(sentence.text)), reading.note.path, sentence.line
                    ),
                    "sentence",
                )
