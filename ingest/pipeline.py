"""An ingest run: files → notes (in parallel) → concepts and relations → ``Corpus``.

Files are read once, in the calling process (``read_sources``), so a run knows every
note's content hash before it parses anything: the parse cache then hands back the
notes whose content it has seen, and ``Sources.fingerprint`` tells a caller that nothing
changed at all. Only new or changed notes are parsed, in worker processes when many.
A concept named in one note is recognised in all, so linking reads every note against
the corpus-wide lexicon; the link cache hands back the notes already linked against
the same lexicon, so an edit that names no new concept re-links only the edited note.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from common.memory import collector_paused
from common.workers import fork_context, worker_pool

from .cache import FolderCache
from .concepts import Candidate, collect, is_outline
from .definitions import glossary_candidates
from .extract import (
    Linker,
    NoteLinks,
    apply_definitions,
    apply_links,
    build_lexicon,
    link_one,
    usage_of,
)
from .files import DEFAULT_MAX_BYTES, NoteFile, discover, read_text
from .link_resolution import link_candidates, resolve_links
from .markdown import MAX_TABLE_ROWS
from .model import Concept, Corpus, Evidence, FileError, Note, Relation
from .notes import digest, parse_note
from .vocabulary import Vocabulary

Progress = Callable[[int, int, str], None]
Keep = Callable[[int, NoteLinks], None]  # called with each note's position and links
Parsed = tuple[Note | None, list[Candidate], list[FileError]]
_PARALLEL_FROM = 48  # below this many notes to parse, process start-up costs more than it saves
_RUNS_PER_WORKER = 8  # runs of notes per link worker: small enough to share out evenly
_CHUNKS_PER_WORKER = 8
# Evidence is a sentence; a "sentence" of megabytes (a note with no full stops) would be
# copied into every relation read from it, and into every page that quotes them.
MAX_EVIDENCE_CHARS = 500


@dataclass(frozen=True, slots=True)
class Limits:
    """What one note may cost; kg sets them from KG_MAX_TABLE_ROWS, KG_MAX_EVIDENCE_CHARS."""

    table_rows: int = MAX_TABLE_ROWS  # rows of a markdown table read; the rest skipped
    evidence_chars: int = MAX_EVIDENCE_CHARS  # evidence and definitions cut to this


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the ingest code itself: a cached parse is only reused by the same code."""
    sha = hashlib.sha1()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        sha.update(source.read_bytes())
    return sha.hexdigest()[:16]


@dataclass(slots=True)
class Source:
    """One note file as read: its text (None if unreadable), any problem reading it, and
    the hash of its content."""

    file: NoteFile
    text: str | None
    problem: FileError | None
    digest: str = ""


@dataclass(slots=True)
class Sources:
    """Every file of a run, read; and the problems met finding them."""

    items: list[Source] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)

    def fingerprint(self, *extra: str) -> str:
        """Changes whenever a note, the set of notes, their problems or ``extra`` change."""
        sha = hashlib.sha1(code_version().encode())
        for item in self.items:
            problem = item.problem.reason if item.problem else ""
            sha.update(f"{item.file.path}\0{item.digest}\0{problem}\n".encode())
        for error in self.errors:
            sha.update(f"{error.path}\0{error.reason}\n".encode())
        for value in extra:
            sha.update(f"{value}\n".encode())
        return sha.hexdigest()


def read_sources(
    paths: list[Path], max_bytes: int = DEFAULT_MAX_BYTES, *, follow_links: bool = False
) -> Sources:
    """Every note under ``paths`` read (see ``discover`` for which are); a problem
    reading one names it by its graph path."""
    files, errors = discover(paths, follow_links=follow_links)
    items = []
    for file in files:
        text, problem = read_text(file.absolute, max_bytes, inside=file.inside)
        if problem is not None:
            problem = FileError(file.path, problem.reason, problem.fatal)
        items.append(Source(file, text, problem, digest(text) if text is not None else ""))
    return Sources(items, errors)


def parse_key(source: Source, limits: Limits) -> str:
    """The parse cache's key of a note: its path and content, the ingest code and the
    limits parsing applies."""
    raw = f"{code_version()}\0{source.file.path}\0{source.digest}\0{limits.table_rows}".encode()
    return hashlib.sha1(raw).hexdigest()


def parse_text(text: str, file: NoteFile, table_rows: int = MAX_TABLE_ROWS) -> Parsed:
    """Parse one note's text; never raises for a bad note. What was worked around
    (front matter ignored, a table cut short) comes back as warnings with the note."""
    problems: list[str] = []
    try:
        note = parse_note(text, file.path, problems, max_table_rows=table_rows)
    except RecursionError:
        return None, [], [FileError(file.path, "nesting too deep to parse")]
    except Exception as exc:  # noqa: BLE001 - one bad note must not stop the run
        return None, [], [FileError(file.path, f"could not parse: {type(exc).__name__}: {exc}")]
    return (
        note,
        collect(note) + glossary_candidates(note) + link_candidates(note),
        [FileError(file.path, problem, fatal=False) for problem in problems],
    )


Job = tuple[str, NoteFile, str | None, int]  # text, file, parse cache key, table rows


def _parse_many(batch: list[Job], cache: FolderCache | None) -> list[Parsed]:
    """Parse, and keep each note in the cache from whichever process parsed it."""
    out = []
    for text, file, key, table_rows in batch:
        parsed = parse_text(text, file, table_rows)
        if cache is not None and key and parsed[0] is not None:
            cache.dump(key, parsed)  # the warnings too: they come back with the note
        out.append(parsed)
    return out


def parse_sources(
    sources: Sources,
    *,
    workers: int | None = None,
    cache: FolderCache | None = None,
    progress: Progress | None = None,
    limits: Limits = Limits(),
) -> tuple[list[Note], list[Candidate], list[FileError]]:
    """Notes and candidates of every readable source, in file order; only sources the
    cache has not seen are parsed, in worker processes when there are many."""
    results: list[Parsed | None] = []
    todo: list[tuple[int, Job]] = []
    keys: list[str | None] = []
    for source in sources.items:
        problems = [source.problem] if source.problem else []
        if source.text is None:
            results.append((None, [], problems))
            keys.append(None)
            continue
        key = parse_key(source, limits) if cache else None
        hit = cache.load(key) if cache and key else None
        keys.append(key)
        if hit is not None and len(hit) == 3:
            results.append((hit[0], hit[1], problems + hit[2]))
        else:
            results.append(None)
            todo.append((len(results) - 1, (source.text, source.file, key, limits.table_rows)))
    parsed = _run_parsers(
        [job for _, job in todo],
        workers,
        progress,
        cache,
        done_before=len(sources.items) - len(todo),
        total=len(sources.items),
    )
    for (index, _job), (note, candidates, errors) in zip(todo, parsed, strict=True):
        source = sources.items[index]
        problems = [source.problem] if source.problem else []
        results[index] = (note, candidates, problems + errors)
    if cache:
        cache.prune(
            key
            for key, result in zip(keys, results, strict=True)
            if key and result and result[0] is not None
        )
    # results: every slot is filled above, from the cache or by a parser
    notes = [note for note, _, _ in results if note is not None]  # type: ignore[misc]
    candidates = [c for _, found, _ in results for c in found]  # type: ignore[misc]
    errors = sources.errors + [e for _, _, found in results for e in found]  # type: ignore[misc]
    return notes, candidates, errors


def _run_parsers(
    batch: list[Job],
    workers: int | None,
    progress: Progress | None,
    cache: FolderCache | None,
    *,
    done_before: int,
    total: int,
) -> list[Parsed]:
    workers = workers or os.cpu_count() or 1
    if progress and done_before:
        progress(done_before, total, "(unchanged notes)")
    with collector_paused():
        if workers <= 1 or len(batch) < _PARALLEL_FROM:
            out = []
            for number, job in enumerate(batch, 1):
                out.extend(_parse_many([job], cache))
                if progress:
                    progress(done_before + number, total, job[1].path)
            return out
        return _parse_in_pool(batch, workers, progress, cache, done_before=done_before, total=total)


def _parse_in_pool(
    batch: list[Job],
    workers: int,
    progress: Progress | None,
    cache: FolderCache | None,
    *,
    done_before: int,
    total: int,
) -> list[Parsed]:
    """Parse in worker processes: forked (no re-import), chunks of about equal size."""
    chunks = _balanced_chunks(batch, workers * _CHUNKS_PER_WORKER)
    out: list[Parsed | None] = [None] * len(batch)
    done = done_before
    with worker_pool(workers, gc.disable) as pool:
        jobs = [[batch[i] for i in chunk] for chunk in chunks]
        for chunk, parsed in zip(
            chunks, pool.map(_parse_many, jobs, [cache] * len(jobs)), strict=True
        ):
            for index, result in zip(chunk, parsed, strict=True):
                out[index] = result
            done += len(chunk)
            if progress:
                progress(done, total, batch[chunk[-1]][1].path)
    return out  # type: ignore[return-value]  # every slot is filled above


def _balanced_chunks(batch: list[Job], count: int) -> list[list[int]]:
    """Indices of ``batch`` in ``count`` chunks of about the same amount of text, biggest
    notes first: the chunks finish together, and the last ones hold the small notes."""
    order = sorted(range(len(batch)), key=lambda i: len(batch[i][0]), reverse=True)
    share = sum(len(job[0]) for job in batch) / count
    chunks: list[list[int]] = [[]]
    size = 0
    for index in order:
        if size >= share and len(chunks) < count:
            chunks.append([])
            size = 0
        chunks[-1].append(index)
        size += len(batch[index][0])
    return chunks


def link(
    notes: list[Note],
    candidates: list[Candidate],
    vocabulary: Vocabulary,
    *,
    workers: int | None = None,
    cache: FolderCache | None = None,
    limits: Limits = Limits(),
) -> Corpus:
    """Concepts and relations of parsed notes; concepts nobody mentions are left out.

    With a cache, a note linked before against the same lexicon is not linked again.
    """
    with collector_paused():
        return _link(notes, candidates, vocabulary, workers, cache, limits)


def _link(
    notes: list[Note],
    candidates: list[Candidate],
    vocabulary: Vocabulary,
    workers: int | None,
    cache: FolderCache | None,
    limits: Limits,
) -> Corpus:
    outlines = frozenset(note.path for note in notes if is_outline(note))
    linker = build_lexicon(vocabulary, candidates, usage_of(notes), outlines)
    stamp = link_stamp(linker)
    results = _linked(notes, linker, stamp, workers, cache)
    for links in results:
        apply_definitions(links, linker)
    placed: dict[str, set[tuple[str, str]]] = {}
    for note, links in zip(notes, results, strict=True):
        apply_links(note, links, linker, placed)
    # what the author linked by hand depends on the other notes: resolved every run
    explicit = resolve_links(notes, [links.heads for links in results], linker)
    _place_mentions(notes, explicit.mentions, linker.concepts, placed)
    relations = [relation for links in results for relation in links.relations]
    relations = _without_hierarchy_co_mentions(relations + explicit.relations)
    _place_endpoints(notes, relations, linker.concepts)
    concepts = {key: c for key, c in linker.concepts.items() if c.sections}
    relations = _bound_evidence(relations, concepts, limits.evidence_chars)
    return Corpus(
        notes=notes,
        concepts=concepts,
        relations=relations,
        findings=explicit.findings,
        note_links=explicit.note_links,
        linked_with=stamp,
    )


def _linked(
    notes: list[Note], linker: Linker, stamp: str, workers: int | None, cache: FolderCache | None
) -> list[NoteLinks]:
    """``link_notes``, through the cache: a note's links are a function of its path and
    text, the lexicon and the ingest code, and are kept under a hash of the four."""
    if cache is None:
        return link_notes(notes, linker, workers=workers)
    keys = [link_key(stamp, note) for note in notes]
    results: list[NoteLinks | None] = [cache.load(key) if key else None for key in keys]
    todo = [i for i, found in enumerate(results) if not isinstance(found, NoteLinks)]

    def keep(position: int, links: NoteLinks) -> None:
        key = keys[todo[position]]
        if key:
            cache.dump(key, links)

    fresh = link_notes([notes[i] for i in todo], linker, workers=workers, keep=keep)
    for i, links in zip(todo, fresh, strict=True):
        results[i] = links
    cache.used.update(key for key in keys if key)  # workers' entries too, for prune()
    return results  # type: ignore[return-value]  # every slot is filled above


def link_stamp(linker: Linker) -> str:
    """What every note's links depend on besides the note: the ingest code, the lexicon."""
    return f"{code_version()}:{linker.fingerprint()}"


def link_key(stamp: str, note: Note) -> str | None:
    """The cache key of a note's links (None for a note with no content hash)."""
    if not note.digest:
        return None
    return hashlib.sha1(f"{stamp}\0{note.path}\0{note.digest}".encode()).hexdigest()


# What a link worker reads, set in each as it starts (``_start_linking``): forked, it
# inherits the notes and the lexicon instead of receiving them pickled.
_LINKING: tuple[list[Note], Linker, Keep | None] | None = None


def link_notes(
    notes: list[Note], linker: Linker, *, workers: int | None = None, keep: Keep | None = None
) -> list[NoteLinks]:
    """``link_one`` of every note, in note order. With many notes, worker processes link
    runs of notes from the front while this process links runs from the back, each run
    once: however busy the machine, neither side waits long for the other. ``keep`` is
    called with each note's position and links, in the process that linked it."""
    workers = workers or os.cpu_count() or 1
    # the workers must inherit the lexicon: fork only
    if workers <= 1 or len(notes) < _PARALLEL_FROM or fork_context() is None:
        return _link_span(notes, linker, keep, 0, len(notes))
    runs = _runs(notes, workers * _RUNS_PER_WORKER)
    with worker_pool(workers - 1, _start_linking, (notes, linker, keep)) as pool:
        futures = [pool.submit(_link_run, start, end) for start, end in runs]
        mine: dict[int, list[NoteLinks]] = {}
        for index in reversed(range(len(runs))):
            if not futures[index].cancel():
                break  # a worker has it; the ones before it are theirs too
            mine[index] = _link_span(notes, linker, keep, *runs[index])
        return [
            links
            for index, future in enumerate(futures)
            for links in (mine[index] if index in mine else future.result())
        ]


def _start_linking(notes: list[Note], linker: Linker, keep: Keep | None) -> None:
    global _LINKING
    _LINKING = (notes, linker, keep)


def _link_run(start: int, end: int) -> list[NoteLinks]:
    if _LINKING is None:
        raise RuntimeError("_link_run runs in a worker forked by link_notes")
    return _link_span(*_LINKING, start, end)


def _link_span(
    notes: list[Note], linker: Linker, keep: Keep | None, start: int, end: int
) -> list[NoteLinks]:
    out = []
    for position in range(start, end):
        links = link_one(notes[position], linker)
        if keep is not None:
            keep(position, links)
        out.append(links)
    return out


def _runs(notes: list[Note], count: int) -> list[tuple[int, int]]:
    """About ``count`` runs of consecutive notes with about as much text each: linking
    time follows the text."""
    sizes = [sum(len(b.text) for s in note.sections for b in s.blocks) + 1 for note in notes]
    step = sum(sizes) / count
    bounds: list[tuple[int, int]] = []
    start, filled = 0, 0
    for end, size in enumerate(sizes, 1):
        filled += size
        if filled >= step * (len(bounds) + 1) or end == len(sizes):
            bounds.append((start, end))
            start = end
    return bounds


def _without_hierarchy_co_mentions(relations: list[Relation]) -> list[Relation]:
    """Pairs the notes put in a hierarchy are not also "mentioned together": SKOS keeps
    skos:related disjoint from skos:broader (integrity condition S27)."""
    parents: dict[str, set[str]] = {}
    for r in relations:
        if r.type == "broader":
            parents.setdefault(r.source, set()).add(r.target)

    def ancestors(concept: str) -> set[str]:
        found: set[str] = set()
        stack = list(parents.get(concept, ()))
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(parents.get(current, ()))
        return found

    memo: dict[str, set[str]] = {}

    def in_hierarchy(a: str, b: str) -> bool:
        for x, y in ((a, b), (b, a)):
            if x in parents:
                found = memo.get(x)
                if found is None:
                    found = memo[x] = ancestors(x)
                if y in found:
                    return True
        return False

    return [r for r in relations if r.type != "related" or not in_hierarchy(r.source, r.target)]


def _bound_evidence(
    relations: list[Relation], concepts: dict[str, Concept], limit: int
) -> list[Relation]:
    """Evidence longer than ``limit`` cut to the part around the names of the relation's
    two concepts (a definition: to its start), cuts marked with "…"."""
    bounded = []
    for relation in relations:
        evidence = relation.evidence
        if len(evidence.text) > limit:
            names = [c.label for c in map(concepts.get, (relation.source, relation.target)) if c]
            evidence = Evidence(
                clip_around(evidence.text, names, limit), evidence.path, evidence.line
            )
            relation = dataclasses.replace(relation, evidence=evidence)
        bounded.append(relation)
    for concept in concepts.values():
        definition = concept.definition
        if definition is not None and len(definition.text) > limit:
            concept.definition = Evidence(
                clip_around(definition.text, [], limit), definition.path, definition.line
            )
    return bounded


def clip_around(text: str, names: list[str], limit: int = MAX_EVIDENCE_CHARS) -> str:
    """At most ``limit`` characters of ``text`` (plus "…" marks where it was cut), around
    the first place that names all of ``names`` close together, else the first name,
    else from the start; cut at spaces where there are any."""
    if len(text) <= limit:
        return text
    folded = text.casefold()
    found = [
        (at, at + len(name)) for name in names if name and (at := folded.find(name.casefold())) >= 0
    ]
    if found:
        start, end = min(a for a, _ in found), max(b for _, b in found)
        if end - start > limit:
            start, end = found[0]
        start = max(0, min(start - (limit - (end - start)) // 2, len(text) - limit))
    else:
        start = 0
    end = min(len(text), start + limit)
    if start > 0:
        space = text.find(" ", start, start + 40)
        start = space + 1 if space >= 0 else start
    if end < len(text):
        space = text.rfind(" ", end - 40, end)
        end = space if space > start else end
    return f"{'…' if start > 0 else ''}{text[start:end].strip()}{'…' if end < len(text) else ''}"


def _place_mentions(
    notes: list[Note],
    mentions: list[tuple[str, str, str]],
    concepts: dict[str, Concept],
    placed: dict[str, set[tuple[str, str]]],
) -> None:
    """A concept a link names is mentioned where the link is written (``[[Pod|pods]]``
    names Pod even where the lexicon does not find it in "pods")."""
    sections = {(note.path, s.anchor): s for note in notes for s in note.sections}
    for path, anchor, concept_id in mentions:
        section, concept = sections.get((path, anchor)), concepts.get(concept_id)
        if section is None or concept is None:
            continue
        if concept_id not in section.concepts:
            section.concepts.append(concept_id)
        seen = placed.setdefault(concept_id, set(concept.sections))
        if (path, anchor) not in seen:
            seen.add((path, anchor))
            concept.sections.append((path, anchor))


def _place_endpoints(notes: list[Note], relations: list, concepts: dict) -> None:
    """A concept only named through a relation (a manifest's ``configMap:`` key names
    ConfigMap) comes from the section holding that relation's evidence."""
    by_path = {note.path: note for note in notes}
    for relation in relations:
        for concept_id in (relation.source, relation.target):
            concept = concepts.get(concept_id)
            if concept is None or concept.sections:
                continue
            note = by_path.get(relation.evidence.path)
            section = (
                next((s for s in reversed(note.sections) if s.line <= relation.evidence.line), None)
                if note
                else None
            )
            if note is not None and section is not None:
                concept.sections.append((note.path, section.anchor))
                section.concepts.append(concept_id)


def ingest_sources(
    sources: Sources,
    vocabulary: Vocabulary,
    *,
    workers: int | None = None,
    cache: Path | None = None,
    progress: Progress | None = None,
    limits: Limits = Limits(),
) -> Corpus:
    """Parse and link read sources; bad files are in ``errors``. With a cache folder,
    what an earlier run parsed or linked from the same inputs is reused, not redone."""
    parsed = FolderCache(cache / "parsed") if cache else None
    linked = FolderCache(cache / "links") if cache else None
    notes, candidates, errors = parse_sources(
        sources, workers=workers, cache=parsed, progress=progress, limits=limits
    )
    corpus = link(notes, candidates, vocabulary, workers=workers, cache=linked, limits=limits)
    if linked:
        linked.prune()
    corpus.errors = errors
    return corpus


def ingest_paths(
    paths: list[Path],
    vocabulary: Vocabulary,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    workers: int | None = None,
    progress: Progress | None = None,
    follow_links: bool = False,
    limits: Limits = Limits(),
) -> Corpus:
    """The whole ingest of files and folders, with no cache."""
    return ingest_sources(
        read_sources(paths, max_bytes, follow_links=follow_links),
        vocabulary,
        workers=workers,
        progress=progress,
        limits=limits,
    )
