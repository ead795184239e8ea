"""Which sentence defines a concept, read from where, and which one wins.

A concept can be defined in several places; the best kept per language wins, by where
it was read (``DEFINITION_RANK``, best first):

- ``glossary``: a glossary entry (a note in a ``glossary/`` folder, or one whose front
  matter has a ``short_description``, as Hugo docs sites write them). Its lead sentence
  when the term is its subject ("In Kubernetes, affinity is a set of rules …"), else
  the front matter ``short_description``, else the lead sentence as it stands (glossary
  sentences are about their term: "Manages a Job that runs on a periodic schedule.");
- ``description``: a page's front matter ``description`` that has the page's concept as
  its subject ("Pods are the smallest deployable units …");
- ``lead``: in the opening paragraph of a page about a concept, the first sentence (of
  three) with the concept as subject, saying what it is or does;
- ``term``: a ``Term: definition`` item; ``sentence``: "A Pod is a …" anywhere;
- ``heading``: the first sentence under a heading that names the concept, unless it
  leads into what follows ("There are two kinds:") or opens with another concept.

Each language keeps its own (``Concept.definitions``); ``Concept.definition`` is the
English one when there is one, so a page asked for in English never shows the Korean
sentence of another note.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath

from .concepts import GENERIC_HEADINGS, Candidate, first_sentence, heading_labels
from .model import Block, Concept, Evidence, Note
from .subject import acts, opens_with, says_what
from .text import text_language

DEFINITION_RANK = {
    "glossary": 0,
    "description": 1,
    "lead": 2,
    "term": 3,
    "sentence": 4,
    "heading": 5,
}
FRONT_MATTER_LINE = 1  # front matter values are cited at the front matter's first line
_PARENTHETICAL = re.compile(r"\s*\([^()]*\)\s*$")
# openings of a sentence that introduces what follows rather than saying what a thing is
_NOT_A_DEFINITION = re.compile(
    r"^(?:there\s+(?:is|are)|here\b|this\s+(?:page|section|document|task|tutorial)|"
    r"the\s+following|in\s+this\b|see\b|for\s+example|note\b)",
    re.IGNORECASE,
)


def is_glossary_entry(note: Note) -> bool:
    """A note that defines one term: in a ``glossary/`` folder, or with a Hugo glossary
    ``short_description``."""
    path = PurePosixPath(note.path)
    if path.stem in ("_index", "index"):
        return False  # the page that lists the entries
    return "glossary" in path.parts[:-1] or isinstance(note.meta.get("short_description"), str)


def glossary_labels(title: str) -> list[str]:
    """The labels a glossary entry's title names: ``파드(Pod)`` → 파드, Pod;
    ``RBAC (Role-Based Access Control)`` → RBAC; ``Developer (disambiguation)`` →
    Developer."""
    labels = heading_labels(title)
    if labels:
        return labels
    # a glossary names its terms as their community writes them (``kOps``, ``cAdvisor``),
    # so a name that is not title-like still counts, unless it is a generic heading
    bare = _PARENTHETICAL.sub("", title).strip()
    labels = heading_labels(bare)
    if labels or not 0 < len(bare.split()) <= 3 or bare.lower() in GENERIC_HEADINGS:
        return labels
    return [bare]


def glossary_definition(note: Note, labels: list[str]) -> Evidence | None:
    """What a glossary entry says its term is (see the module docstring for the order)."""
    lead = lead_sentence(note)
    if lead is not None and opens_with(lead.text, labels) and says_what(lead.text, labels):
        return lead
    short = note.meta.get("short_description")
    if isinstance(short, str) and len(short.split()) >= 3:
        return Evidence(first_sentence(short), note.path, FRONT_MATTER_LINE)
    if lead is not None and len(lead.text.split()) >= 3:
        return lead
    return None


def glossary_entries(note: Note) -> list[tuple[str, Evidence | None]]:
    """(label, definition) for each label of a glossary entry's term; none for other notes."""
    title = note.meta.get("title")
    if not isinstance(title, str) or not is_glossary_entry(note):
        return []
    labels = glossary_labels(title.strip())
    definition = glossary_definition(note, labels)
    return [(label, definition) for label in labels]


def glossary_candidates(note: Note) -> list[Candidate]:
    """A glossary entry's term as a concept candidate with its definition."""
    anchor = note.sections[0].anchor if note.sections else ""
    return [
        Candidate(label, "glossary", note.path, anchor, definition)
        for label, definition in glossary_entries(note)
    ]


def lead_sentence(note: Note, labels: Iterable[str] | None = None) -> Evidence | None:
    """The first sentence of the paragraph that opens the note (under its title, before
    any subheading); with ``labels``, the first of its first three sentences that opens
    with one of them."""
    if not note.sections:
        return None
    first = note.sections[0]
    if first.title != note.title:
        return None
    block = _first_prose(first.blocks)
    if block is None:
        return None
    text = " ".join(block.text.split())
    for _ in range(3 if labels is not None else 1):
        sentence = first_sentence(text)
        if not sentence:
            return None
        if labels is None or opens_with(sentence, labels):
            return Evidence(sentence, note.path, _line_of(block, sentence))
        text = text[len(sentence) :].lstrip()
    return None


def _line_of(block: Block, sentence: str) -> int:
    """The line of the block where ``sentence`` (its whitespace folded) starts."""
    words = sentence.split()[:4]
    found = re.search(r"\s+".join(map(re.escape, words)), block.text) if words else None
    return block.line + (block.text.count("\n", 0, found.start()) if found else 0)


def _first_prose(blocks: Iterable[Block]) -> Block | None:
    for block in blocks:
        if block.kind == "paragraph" and block.text.strip():
            return block
        if block.kind != "code":
            return None
    return None


def page_definitions(
    note: Note, resolve: Callable[[str], str | None], names: Callable[[str], list[str]]
) -> list[tuple[str, Evidence, str]]:
    """(concept, definition, origin) a page gives the concept its title names: its front
    matter ``description`` and its lead sentence, each when the concept is its subject.
    ``names`` gives a concept's labels (label, aliases, translations)."""
    if is_glossary_entry(note):
        return []
    labels = heading_labels(note.title)
    concept = resolve(labels[0]) if len(labels) == 1 else None
    if concept is None:
        return []
    known = [*labels, *names(concept)]
    found: list[tuple[str, Evidence, str]] = []
    description = note.meta.get("description")
    if isinstance(description, str):
        text = first_sentence(description)
        if opens_with(text, known) and says_what(text, known):
            found.append((concept, Evidence(text, note.path, FRONT_MATTER_LINE), "description"))
    lead = lead_sentence(note, known)
    # the page is about the concept: its lead sentence about it says what it does, if
    # not what it is ("A Service gives a group of Pods one stable address.")
    if lead is not None and (says_what(lead.text, known) or acts(lead.text, known)):
        found.append((concept, lead, "lead"))
    return found


def reads_as_definition(text: str) -> bool:
    """Not a sentence that introduces a list or a page ("There are two kinds:")."""
    text = text.strip()
    return len(text.split()) >= 3 and not text.endswith(":") and not _NOT_A_DEFINITION.match(text)


def _about(text: str, concept: Concept, resolve: Callable[[str], str | None] | None) -> bool:
    """Can the first sentence under a heading define the heading's concept? Not when it
    leads into what follows ("There are two kinds:"), nor when it opens with the name of
    another concept ("Pods come and go …" under "Services"); a sentence without a
    subject ("A group of one or more containers", "Replicates Pods …") can."""
    if not reads_as_definition(text):
        return False
    words = text.lstrip("*_`\"'(").split(" ", 2)
    if words[0].lower() in ("a", "an", "the") and len(words) > 1:
        words = words[1:]  # "A PersistentVolume can be …" is about a PersistentVolume
    if resolve is None:
        return True
    other = resolve(words[0].strip("*_`\"',.;:()"))
    return (
        other is None
        or other == concept.id
        or opens_with(text, [concept.label, *concept.alt_labels, *concept.translations.values()])
    )


def offer(
    concept: Concept,
    evidence: Evidence,
    origin: str,
    ranks: dict[tuple[str, str], int],
    resolve: Callable[[str], str | None] | None = None,
) -> None:
    """Keep ``evidence`` as the concept's definition in its language if nothing better
    (by ``DEFINITION_RANK``; the first offered among equals) defines it there.
    ``resolve`` names the concept a word stands for, if any: a heading's sentence that
    opens with another concept is about that one."""
    if origin == "heading" and not _about(evidence.text, concept, resolve):
        return
    rank = DEFINITION_RANK.get(origin, len(DEFINITION_RANK))
    language = text_language(evidence.text)
    key = (concept.id, language)
    if key in ranks and ranks[key] <= rank:
        return
    ranks[key] = rank
    concept.definitions[language] = evidence
    concept.definition = concept.definitions.get("en") or evidence
