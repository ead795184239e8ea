"""Writing the index: a full build, or the previous build's segments plus what changed.

Everything goes through Whoosh's public writer API (``add_document``,
``update_document``, ``delete_by_term``, ``commit``). A build given the previous build's
index folder starts from hard links to its files: Whoosh never rewrites a segment file
(a commit writes new segments and a new table of contents; deletions are recorded in the
table of contents), so both folders stay valid and the store's atomic ``current`` swap
still publishes a whole index. Documents whose stored fields changed are replaced, those
gone are deleted, and Whoosh's default merge policy merges small segments when they pile
up. Beside Whoosh's files, JSON and ``array`` bytes only: the synonym table, the build's
metadata, the spelling vocabulary (:mod:`search.spelling`) and the score table derived
from Whoosh's postings (:mod:`search.score_table`).
"""

from __future__ import annotations

import json
import os
import shutil
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from whoosh.filedb.filestore import FileStorage, Storage

from ingest.model import Concept, Note
from search import korean
from search.documents import documents, synonyms
from search.schema import SCHEMA_VERSION, build_schema
from search.score_table import (
    build_table,
    drop_unused_segment_files,
    is_segment_file,
    save_table,
)
from search.scoring import FieldStats
from search.spelling import (
    VOCABULARY_VERSION,
    load_vocabulary,
    save_vocabulary,
    vocabulary_counts,
)

SYNONYMS_FILE = "kg-synonyms.json"
META_FILE = "kg-search.json"
OUR_FILES = ("kg-",)  # our JSON files start so; everything else in the folder is Whoosh's
WRITER_MB = 256  # Whoosh's indexing buffer


def analysis_key() -> list[Any]:
    """What the index's terms depend on besides the texts (JSON-comparable)."""
    return [SCHEMA_VERSION, VOCABULARY_VERSION, korean.mode()]


def write_index(
    storage: Storage, notes: list[Note], concepts: Iterable[Concept], previous: str | None = None
) -> Any:
    """Write the documents of ``notes`` and ``concepts`` into ``storage`` (empty) and
    return the Whoosh index. ``previous``: an earlier build's index folder to start
    from (any problem with it means a full build)."""
    concept_list = list(concepts)
    docs = list(documents(notes, concept_list))
    ix = counts = None
    if previous is not None and isinstance(storage, FileStorage):
        ix, counts = _update_from(storage, previous, docs) or (None, None)
    if ix is None:
        ix = storage.create_index(build_schema())
        writer = ix.writer(limitmb=WRITER_MB)
        for doc in docs:
            writer.add_document(**doc)
        writer.commit()
    if counts is None:
        counts = vocabulary_counts(docs)
    save_vocabulary(storage, counts, ix.latest_generation(), analysis_key())
    with ix.reader() as reader:
        save_table(
            storage, build_table(FieldStats(reader), storage), reader.generation(), analysis_key()
        )
        drop_unused_segment_files(storage, reader)
    hangul = any(
        korean.has_hangul(block.text)
        for note in notes
        for section in note.sections
        for block in section.blocks
    )
    _write_json(storage, SYNONYMS_FILE, synonyms(concept_list))
    _write_json(
        storage,
        META_FILE,
        {
            "schema_version": SCHEMA_VERSION,
            "key": analysis_key(),
            "documents": len(docs),
            "korean_analyzer": korean.mode(),
            "hangul": hangul,
            "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
    )
    return ix


def read_json(storage: Storage, name: str) -> dict[str, Any] | None:
    """One of our JSON files, or None if it is missing or not a JSON object."""
    if not storage.file_exists(name):
        return None
    f = storage.open_file(name)
    try:
        found = json.loads(bytes(f.read()).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    finally:
        f.close()
    return found if isinstance(found, dict) else None


def _write_json(storage: Storage, name: str, payload: Mapping[str, Any]) -> None:
    f = storage.create_file(name)
    f.write(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    f.close()


def _update_from(
    storage: FileStorage, previous: str, docs: list[dict[str, Any]]
) -> tuple[Any, Counter[str] | None] | None:
    """The previous index (hard-linked) with the changed documents replaced, and its
    vocabulary updated likewise (None if it had none); None when the previous index
    cannot be used (missing, other schema or analysis, unreadable): the folder is then
    emptied again for a full build."""
    before = FileStorage(previous, readonly=True) if os.path.isdir(previous) else None
    meta = read_json(before, META_FILE) if before is not None else None
    if before is None or meta is None or meta.get("key") != analysis_key():
        return None
    # Whoosh leaves the file of a table of contents it cannot read open, until the
    # failure is forgotten (the end of the except clause): no warning for that one.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        return _update_or_clear(storage, before, previous, docs)


def _update_or_clear(
    storage: FileStorage, before: FileStorage, previous: str, docs: list[dict[str, Any]]
) -> tuple[Any, Counter[str] | None] | None:
    folder = storage.folder
    try:
        _link_whoosh_files(previous, folder)
        ix = storage.open_index()
        with ix.reader() as reader:
            if reader.schema.names() != build_schema().names():
                raise ValueError("another schema")
            old = {stored.get("id"): stored for _, stored in reader.iter_docs()}
            counts = load_vocabulary(before, reader.generation(), analysis_key())
        writer = ix.writer(limitmb=WRITER_MB)
        added: list[dict[str, Any]] = []
        removed: list[dict[str, Any]] = []
        wanted = set()
        for doc in docs:
            wanted.add(doc["id"])
            old_doc = old.get(doc["id"])
            if old_doc != doc:
                writer.update_document(**doc)
                added.append(doc)
                if old_doc is not None:
                    removed.append(old_doc)
        for gone in old.keys() - wanted:
            writer.delete_by_term("id", gone)
            removed.append(old[gone])
        if added or removed:
            writer.commit()  # Whoosh's default policy: merge small segments
        else:
            writer.cancel()
        if counts is not None:
            counts = Counter(counts)
            counts.subtract(vocabulary_counts(removed))
            counts.update(vocabulary_counts(added))
            counts = +counts  # words no document has any more go
        return ix, counts
    except Exception:  # noqa: BLE001 - any unusable previous index means a full build
        for name in os.listdir(folder):
            os.unlink(os.path.join(folder, name))
        return None


def _link_whoosh_files(source: str, target: str) -> None:
    """Hard links in ``target`` to Whoosh's files in ``source`` (copies across file
    systems), and to our postings file of each segment (as immutable as the segment).
    The write lock is not Whoosh's data and is left behind."""
    for name in os.listdir(source):
        if (name.startswith(OUR_FILES) and not is_segment_file(name)) or "LOCK" in name:
            continue
        src, dst = os.path.join(source, name), os.path.join(target, name)
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)
