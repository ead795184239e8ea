"""The records ingest produces: everything downstream (graph, index, API) reads these.

Line numbers are 1-based and inclusive, as an editor shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


def pickled_by_fields(cls: type[T]) -> type[T]:
    """Pickle a slots dataclass as its class and field values, rebuilt through
    ``__init__``: less to write and to read than the state dict that dataclasses pickle
    slots with. Parsed notes cross from worker processes and sit in the parse cache as
    pickles, so it counts. Pickles of the old form still load."""
    values = attrgetter(*cls.__dataclass_fields__)

    def __reduce__(self: T) -> tuple[type[T], tuple]:
        return type(self), values(self)

    # installing a method on the class is this decorator's job
    cls.__reduce__ = __reduce__  # type: ignore[method-assign, assignment]
    return cls


@pickled_by_fields
@dataclass(slots=True, frozen=True)
class Evidence:
    """Where a fact was read: the sentence, the note and the line."""

    text: str
    path: str
    line: int


@pickled_by_fields
@dataclass(slots=True)
class Block:
    """One piece of a section's body, in document order.

    kind: "paragraph", "item" (a list item or outline bullet), "code", "table" or "quote".
    depth: nesting depth of a list item (0 = top-level item); 0 for other kinds.
    parent: index (in the section's ``blocks``) of the enclosing item, or None.
    """

    kind: str
    text: str
    line: int
    end_line: int
    depth: int = 0
    lang: str = ""
    parent: int | None = None


@pickled_by_fields
@dataclass(slots=True)
class Section:
    """A heading (or an outline label that heads nested bullets) and the body under it.

    ``concept`` is the id of the concept the heading names, and ``concepts`` the ids of
    every concept the section defines or mentions; extraction fills both.
    """

    anchor: str
    title: str
    level: int
    breadcrumb: tuple[str, ...]
    line: int
    end_line: int
    blocks: list[Block] = field(default_factory=list)
    parent: str | None = None
    concept: str | None = None
    concepts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(block.text for block in self.blocks)


@pickled_by_fields
@dataclass(slots=True, frozen=True)
class Link:
    """A link the author wrote, as read (``ingest/links.py``), before it is resolved.

    kind: "wikilink" (``[[Target]]``), "field" (``uses:: [[ConfigMap]]``), "front matter"
    (``broader: Controller``) or "markdown" (``[text](../pods.md#probes)``). ``target``
    is the name written, or for a markdown link the note path it points at; ``anchor``
    the heading named after ``#``; ``field`` the field or key name as written ("" for a
    bare link); ``text`` the line as a reader sees it (the evidence); ``plain`` that the
    target was written as plain text (``uses:: ConfigMap``), not as a link.
    """

    kind: str
    target: str
    line: int
    text: str
    field: str = ""
    anchor: str = ""
    plain: bool = False


@pickled_by_fields
@dataclass(slots=True)
class Note:
    """A parsed note. ``path`` is relative to the folder it was ingested from (POSIX form)."""

    path: str
    title: str
    sections: list[Section]
    meta: dict[str, Any] = field(default_factory=dict)
    digest: str = ""
    lines: int = 0
    links: list[Link] = field(default_factory=list)  # the links its author wrote

    @property
    def tags(self) -> list[str]:
        tags = self.meta.get("tags") or []
        if isinstance(tags, str):
            tags = [tags]
        return [str(tag) for tag in tags]


@dataclass(slots=True)
class Concept:
    """A concept of the user's graph.

    ``sections`` lists (note path, section anchor) pairs where the concept is defined
    or mentioned, defining sections first. ``definitions`` holds the best definition
    read in each language ("en", "ko"); ``definition`` is the English one when there is
    one, else the other (``ingest/definitions.py`` chooses).
    """

    id: str
    label: str
    alt_labels: set[str] = field(default_factory=set)
    translations: dict[str, str] = field(default_factory=dict)
    definition: Evidence | None = None
    sections: list[tuple[str, str]] = field(default_factory=list)
    origin: str = "notes"
    definitions: dict[str, Evidence] = field(default_factory=dict)


@dataclass(slots=True, frozen=True)
class Relation:
    """One typed, directed assertion ``source --type--> target`` read at one place.

    The same pair may be asserted many times; the graph aggregates them into one edge
    whose weight is the sum of the weights and whose evidence is the list of places.
    ``confidence`` is how far this one reading is to be believed, in [0, 1]: what the
    pattern that read it deserves (see ``ingest.patterns``); the graph combines the
    readings of an edge (``ingest.confidence``).
    """

    source: str
    target: str
    type: str
    evidence: Evidence
    weight: float = 1.0
    confidence: float = 0.5
    # Written by the author as a link (``ingest/links.py``), not read from prose: such a
    # ``related`` is an assertion, never a co-mention. ``label`` is the field name it was
    # written with ("owner" in ``owner:: [[Team]]``), "" for a bare link.
    explicit: bool = False
    label: str = ""


@dataclass(slots=True, frozen=True)
class NoteLink:
    """A link from a section of one note to another note (or one of its sections)."""

    path: str
    anchor: str
    target: str
    target_anchor: str
    line: int


@dataclass(slots=True, frozen=True)
class FileError:
    """A file that could not be ingested (or was ingested with a warning)."""

    path: str
    reason: str
    fatal: bool = True


@dataclass(slots=True, frozen=True)
class Finding:
    """Something the author should look at, found while building or linting the graph:
    a wikilink to nothing, a review decision whose target is gone, a concept never
    defined. ``subject`` is the concept label or note path it is about; ``path`` and
    ``line`` where to look (the note, or the review file); ``hint`` how to fix it."""

    kind: str
    severity: str  # "error" | "warning" | "info"
    subject: str
    path: str
    line: int
    message: str
    hint: str = ""


@dataclass(slots=True)
class Corpus:
    """The result of an ingest run: what the graph and the index are built from."""

    notes: list[Note] = field(default_factory=list)
    concepts: dict[str, Concept] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    # What ingest found for ``kg lint`` to report (dangling wikilinks, stale review
    # decisions, rejected relations a note still states); lint adds what it reads off
    # the built graph.
    findings: list[Finding] = field(default_factory=list)
    # What the review file decided about each note's relations (note path -> a hash):
    # part of that note's build inputs, so a review change rebuilds only those notes.
    reviewed: dict[str, str] = field(default_factory=dict)
    note_links: list[NoteLink] = field(default_factory=list)  # links between notes
    # What the notes were linked with, the ingest code and the lexicon, as a hash ("" if
    # unknown): with the notes' own hashes it tells which records of a note an earlier
    # build made the same way.
    linked_with: str = ""
