"""An ingest run: files → notes (in parallel) → concepts and relations → ``Corpus``."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .concepts import Candidate, collect
from .extract import build_lexicon, definition_sentences, link_note
from .files import DEFAULT_MAX_BYTES, NoteFile, discover, read_text
from .markdown import FrontMatterError
from .model import Corpus, FileError, Note, Relation
from .notes import parse_note
from .vocabulary import Vocabulary

Progress = Callable[[int, int, str], None]
_PARALLEL_FROM = 48  # below this many files, process start-up costs more than it saves


def parse_file(file: NoteFile, max_bytes: int = DEFAULT_MAX_BYTES
               ) -> tuple[Note | None, list[Candidate], list[FileError]]:
    """Read and parse one file; never raises for a bad file."""
    text, problem = read_text(file.absolute, max_bytes)
    errors = [problem] if problem else []
    if text is None:
        return None, [], errors
    try:
        note = parse_note(text, file.path)
    except FrontMatterError as exc:
        return None, [], [*errors, FileError(str(file.absolute), str(exc))]
    except RecursionError:
        return None, [], [*errors, FileError(str(file.absolute), "nesting too deep to parse")]
    except Exception as exc:  # noqa: BLE001 - one bad note must not stop the run
        return None, [], [*errors, FileError(str(file.absolute),
                                             f"could not parse: {type(exc).__name__}: {exc}")]
    return note, collect(note), errors


def _parse_many(args: tuple[list[NoteFile], int]) -> list[tuple[Note | None, list[Candidate],
                                                                list[FileError]]]:
    files, max_bytes = args
    return [parse_file(file, max_bytes) for file in files]


def parse_files(files: list[NoteFile], *, max_bytes: int = DEFAULT_MAX_BYTES,
                workers: int | None = None, progress: Progress | None = None
                ) -> tuple[list[Note], list[Candidate], list[FileError]]:
    """Parse files, in worker processes when there are many; results keep file order."""
    workers = workers or os.cpu_count() or 1
    results = []
    if workers > 1 and len(files) >= _PARALLEL_FROM:
        chunk = max(8, len(files) // (workers * 8))
        batches = [files[i:i + chunk] for i in range(0, len(files), chunk)]
        done = 0
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for batch, batch_results in zip(batches, pool.map(_parse_many, [(b, max_bytes) for b in batches]), strict=True):
                results.extend(batch_results)
                done += len(batch)
                if progress:
                    progress(done, len(files), batch[-1].path)
    else:
        for number, file in enumerate(files, 1):
            results.append(parse_file(file, max_bytes))
            if progress:
                progress(number, len(files), file.path)
    notes = [note for note, _, _ in results if note is not None]
    candidates = [c for _, found, _ in results for c in found]
    errors = [e for _, _, found in results for e in found]
    return notes, candidates, errors


def link(notes: list[Note], candidates: list[Candidate], vocabulary: Vocabulary) -> Corpus:
    """Concepts and relations of parsed notes; concepts nobody mentions are left out."""
    linker = build_lexicon(vocabulary, candidates)
    for note in notes:
        definition_sentences(note, linker)
    relations = [relation for note in notes for relation in link_note(note, linker)]
    relations = _without_hierarchy_co_mentions(relations)
    _place_endpoints(notes, relations, linker.concepts)
    concepts = {key: c for key, c in linker.concepts.items() if c.sections}
    return Corpus(notes=notes, concepts=concepts, relations=relations)


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
            if x in parents and y in memo.setdefault(x, ancestors(x)):
                return True
        return False

    return [r for r in relations if r.type != "related" or not in_hierarchy(r.source, r.target)]


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
            section = next((s for s in reversed(note.sections)
                            if s.line <= relation.evidence.line), None) if note else None
            if section is not None:
                concept.sections.append((note.path, section.anchor))
                section.concepts.append(concept_id)


def ingest_paths(paths: list[Path], vocabulary: Vocabulary, *,
                 max_bytes: int = DEFAULT_MAX_BYTES, workers: int | None = None,
                 progress: Progress | None = None) -> Corpus:
    """The whole ingest of files and folders; bad files are reported in ``errors``."""
    files, errors = discover(paths)
    notes, candidates, parse_errors = parse_files(files, max_bytes=max_bytes, workers=workers,
                                                  progress=progress)
    corpus = link(notes, candidates, vocabulary)
    corpus.errors = errors + parse_errors
    return corpus
