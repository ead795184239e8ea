"""What the links an author wrote (``ingest/links.py``) point at, once every note is read.

A target names a concept (its label, an altLabel, the vocabulary) or a note (by its path,
file name or title, as Obsidian finds notes), or both; a name that is neither is a
``dangling-link`` finding for ``kg lint``. Resolution depends on the other notes, so it
is not part of a note's cached links: it is redone on every run from the notes and the
lexicon (a few dictionary lookups per link), and an edit that defines a target elsewhere
resolves the link at once. Its results enter each note graph's cache key
(``graph.rdf``), so no cached output keeps an old resolution.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .concepts import Candidate
from .extract import Linker
from .links import front_matter_aliases, note_candidates, relation_of
from .model import Evidence, Finding, Link, Note, NoteLink, Relation, Section
from .text import label_key

EXPLICIT = 1.0  # a link the author wrote is an assertion: believed in full


def link_candidates(note: Note) -> list[Candidate]:
    """What the note's links and aliases say about concepts, for the lexicon: a link's
    target ("link") is a concept only when some note also heads or defines it (see
    ``extract.Admission``); front matter ``aliases`` name the note's concept."""
    if not note.sections:
        return []
    root = note.sections[0].anchor
    out: list[Candidate] = []
    aliases = front_matter_aliases(note.meta)
    if aliases:
        out.append(Candidate(note.title, "aliases", note.path, root, aliases=tuple(aliases)))
    for link in note.links:
        if link.kind != "markdown" and link.target:
            section = section_at(note, link.line)
            out.append(
                Candidate(link.target, "link", note.path, section.anchor if section else root)
            )
    return out


@dataclass(slots=True)
class Resolved:
    """The explicit links of a corpus: concept relations, links between notes, the
    concepts each link names where it is written, and what could not be resolved."""

    relations: list[Relation] = field(default_factory=list)
    note_links: list[NoteLink] = field(default_factory=list)
    mentions: list[tuple[str, str, str]] = field(default_factory=list)  # path, anchor, id
    findings: list[Finding] = field(default_factory=list)


class _Notes:
    """The notes a link may name: by path (with or without suffix), file name, title."""

    def __init__(self, notes: list[Note], heads: list[list[str | None]], linker: Linker) -> None:
        self.linker = linker
        self.by_path = {note.path: note for note in notes}
        self.heads = {
            note.path: dict(zip((s.anchor for s in note.sections), found, strict=True))
            for note, found in zip(notes, heads, strict=True)
        }
        self.by_name: dict[str, str] = {}
        for note in notes:  # a path first, then file names, then titles: first one wins
            self.by_name.setdefault(
                str(PurePosixPath(note.path).with_suffix("")).casefold(), note.path
            )
        for key in ("stem", "title"):
            for note in notes:
                name = PurePosixPath(note.path).stem if key == "stem" else note.title
                self.by_name.setdefault(label_key(name), note.path)

    def named(self, target: str) -> Note | None:
        path = self.by_name.get(target.strip().removesuffix(".md").casefold()) or self.by_name.get(
            label_key(target)
        )
        return self.by_path.get(path) if path else None

    def concept_of(self, note: Note) -> str | None:
        """The concept a note is about: its title's, else its top heading's."""
        found = self.linker.resolve(note.title)
        if found is None and note.sections and note.sections[0].level == 1:
            found = self.heads[note.path].get(note.sections[0].anchor)
        return found

    def section(self, note: Note, anchor: str) -> Section | None:
        """The section a ``#heading`` names: by anchor, or by title."""
        if not anchor:
            return None
        key = label_key(anchor)
        return next((s for s in note.sections if s.anchor == anchor), None) or next(
            (s for s in note.sections if label_key(s.title) == key), None
        )

    def subject(self, note: Note, line: int) -> tuple[Section | None, str | None]:
        """The section a line is in and the concept a link there is from: the section's,
        else the nearest enclosing one's, else the note's."""
        section = section_at(note, line)
        heads = self.heads[note.path]
        by_anchor = {s.anchor: s for s in note.sections}
        current = section
        while current is not None:
            if heads.get(current.anchor):
                return section, heads[current.anchor]
            current = by_anchor.get(current.parent) if current.parent else None
        return section, self.concept_of(note)


def resolve_links(notes: list[Note], heads: list[list[str | None]], linker: Linker) -> Resolved:
    """Every explicit link of ``notes`` resolved; ``heads`` are each note's section
    concepts (``NoteLinks.heads``)."""
    index = _Notes(notes, heads, linker)
    out = Resolved()
    for note in notes:
        for link in note.links:
            if link.kind == "markdown":
                _markdown(index, note, link, out)
            else:
                _named(index, note, link, out)
    # a bare link says less than a typed one between the same two: "keeps its
    # [[ReplicaSet|replica sets]]" beside "manages:: [[ReplicaSet]]" adds nothing
    typed = {frozenset((r.source, r.target)) for r in out.relations if r.type != "related"}
    out.relations = [
        r
        for r in out.relations
        if r.type != "related" or r.label or frozenset((r.source, r.target)) not in typed
    ]
    return out


def _named(index: _Notes, note: Note, link: Link, out: Resolved) -> None:
    """A wikilink, an inline field or a front matter key: to a concept and/or a note."""
    section, subject = (
        (None, index.concept_of(note))
        if link.kind == "front matter"
        else index.subject(note, link.line)
    )
    target_note = index.named(link.target) if link.target else note
    concept = index.linker.resolve(link.target) if link.target else None
    if target_note is not None:
        target_section = index.section(target_note, link.anchor)
        _link_notes(out, note, section, target_note, target_section, link.line)
        if concept is None:
            concept = (
                index.heads[target_note.path].get(target_section.anchor)
                if target_section is not None
                else index.concept_of(target_note)
            )
    if concept is None:
        if target_note is None:
            out.findings.append(_dangling(note, link))
        return
    if section is not None:
        out.mentions.append((note.path, section.anchor, concept))
    _relate(subject, concept, note, link, out)


def _link_notes(
    out: Resolved,
    note: Note,
    section: Section | None,
    target_note: Note,
    target_section: Section | None,
    line: int,
) -> None:
    """A link between two notes (a link within a note only when it names a heading)."""
    if target_note is not note or target_section is not None:
        out.note_links.append(
            NoteLink(
                note.path,
                section.anchor if section else "",
                target_note.path,
                target_section.anchor if target_section else "",
                line,
            )
        )


def _markdown(index: _Notes, note: Note, link: Link, out: Resolved) -> None:
    """A markdown link to another note (or a heading of this one): a link between the
    notes and, when the target section (or note) is about a concept, between concepts."""
    if link.target:
        target_note = next(
            (
                index.by_path[path]
                for path in note_candidates(link.target, note.path)
                if path in index.by_path
            ),
            None,
        )
    else:
        target_note = note
    if target_note is None:
        return
    section, subject = index.subject(note, link.line)
    target_section = index.section(target_note, link.anchor)
    _link_notes(out, note, section, target_note, target_section, link.line)
    concept = (
        index.heads[target_note.path].get(target_section.anchor)
        if target_section is not None
        else index.concept_of(target_note)
    )
    if concept is not None:
        _relate(subject, concept, note, link, out)


def _relate(subject: str | None, concept: str, note: Note, link: Link, out: Resolved) -> None:
    if subject is None:
        return
    rtype, reverse, label = relation_of(link.field) if link.field else ("related", False, "")
    source, target = (concept, subject) if reverse else (subject, concept)
    if source != target:
        out.relations.append(
            Relation(
                source,
                target,
                rtype,
                Evidence(link.text, note.path, link.line),
                1.0,
                EXPLICIT,
                explicit=True,
                label=label,
            )
        )


def _dangling(note: Note, link: Link) -> Finding:
    written = (
        f"{link.field}:: {link.target}"
        if link.kind == "field"
        else (
            f"{link.field}: {link.target}" if link.kind == "front matter" else f"[[{link.target}]]"
        )
    )
    # a name written as plain text ("owner:: Team A") may be a value, not a link
    return Finding(
        kind="dangling-link",
        severity="warning" if link.plain else "error",
        subject=link.target,
        path=note.path,
        line=link.line,
        message=f"{written} names no concept and no note",
        hint=(
            f'define "{link.target}" in a note (a heading, or a "{link.target}: …" line), '
            "add it to your vocabulary, or correct the name"
        ),
    )


def section_at(note: Note, line: int) -> Section | None:
    """The innermost section holding ``line`` (None above the first)."""
    found = None
    for section in note.sections:
        if section.line <= line <= section.end_line and (
            found is None or section.line >= found.line
        ):
            found = section
    return found
