"""``SearchIndex``: the one class the rest of kg talks to. Whoosh stays behind it."""

from __future__ import annotations

import heapq
import json
import math
import os
import pickle
import threading
import time
import traceback
import zlib
from array import array
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache, partial
from itertools import accumulate, chain, count, groupby, repeat
from operator import attrgetter, itemgetter
from typing import Any

from whoosh.columns import CompressedBytesColumn, VarBytesColumn
from whoosh.filedb.filestore import FileStorage, RamStorage, Storage
from whoosh.util.numeric import byte_to_length, length_to_byte

from ingest.memory import collector_paused
from ingest.model import Concept, Note
from search import korean
from search.analysis import WORD_RE, split_word, stem, word_stems
from search.analysis import reset as reset_analysis
from search.documents import documents, synonyms
from search.query import (
    All,
    Best,
    ParsedQuery,
    Phrase,
    Plan,
    Planner,
    Some,
    Term,
    corrected_words,
    parse,
)
from search.schema import FIELD_BOOSTS, LIST_SEP, SCHEMA_VERSION, TEXT_FIELDS, build_schema
from search.snippets import hit_pattern, snippet
from search.spelling import Vocabulary

SYNONYMS_FILE = "kg-synonyms.json"
META_FILE = "kg-search.json"
TABLES_FILE = "kg-tables.pickle"  # what a searcher needs, precomputed (see build_tables)
ANALYSIS_FILE = "kg-analysis.pickle"  # each document's analysis, for the next build
ANALYSIS_VERSION = 1  # change with anything that changes what analysis makes of a text

# Re-ranking of the top hits (Whoosh's BM25F order beyond this window is kept as is,
# so pages stay consistent: the window is always the first RERANK_WINDOW by BM25F).
RERANK_WINDOW = 100
# Multipliers on the BM25 score. The two concept ones scale with the share of the query
# the concept's words make up ("service" alone: full; "service dns": half).
HEADING_NAMES_QUERY_CONCEPT = 2.0  # section whose heading names a concept the query names
DEFINES_QUERY_CONCEPT = 1.6  # the defining section of such a concept
TITLE_COVERS_QUERY = 2.0  # the title contains every query word (a heading about exactly this)
CONCEPT_NAMED_BY_QUERY = 3.0  # the concept the query's words name (svc -> Service)
CONCEPT_LABEL_MISS = 0.3  # concept doc whose labels do not cover every query word
FACET_LIMIT = 20  # values returned per facet (the most frequent)
PLAN_CACHE_SIZE = 1024
POSTINGS_CACHE_SIZE = 20000  # per-term score maps (and phrase results) kept in memory
BM25_K1 = 1.2
BM25_B = 0.75
FRESHNESS_CHECK_SECONDS = 1.0
FILTER_FIELDS = {"kind": "kind", "path": "path", "tag": "tags", "tags": "tags",
                 "concept": "concepts", "concepts": "concepts"}


@dataclass(slots=True)
class _Doc:
    """What search needs of one indexed document, held in memory per searcher."""

    kind: str
    id: str
    title: str
    breadcrumb: list[str]
    body: str
    path: str
    anchor: str
    line: int
    concepts: list[str]
    tags: list[str]
    heads: str
    defines: frozenset[str]
    labels: str
    label_terms: frozenset[str]
    title_terms: frozenset[str]
    # The stored text of each of TEXT_FIELDS (phrases are checked on it).
    texts: tuple[str, ...]


def _doc_terms(doc: _Doc) -> tuple[frozenset[str], frozenset[str]]:
    """(label terms, title terms) of a document (computed when the tables are built)."""
    return doc.label_terms, doc.title_terms


def _split(value: str | None, sep: str = ",") -> list[str]:
    return [v for v in (value or "").split(sep) if v]


def _positions(text: str, wanted: frozenset[str]) -> dict[str, set[int]]:
    """Positions of the wanted (stemmed) terms in a text, exactly as ``text_analyzer``
    (RegexTokenizer | SplitFilter) numbers them."""
    out: dict[str, set[int]] = {}
    shift = 0
    for pos, w in enumerate(WORD_RE.findall(text)):
        terms = split_word(w)
        if not terms:
            continue
        base = pos + shift
        last = 0
        for term, rel in terms:
            t = stem(term)
            if t in wanted:
                out.setdefault(t, set()).add(base + rel)
            last = max(last, rel)
        shift += last
    return out


def _has_phrase(text: str, terms: tuple[str, ...]) -> bool:
    """Do the terms occur at consecutive positions (Whoosh's Phrase with slop 1)?"""
    if not text:
        return False
    pos = _positions(text, frozenset(terms))
    if len(pos) < len(set(terms)):
        return False
    first, rest = pos[terms[0]], [pos[t] for t in terms[1:]]
    return any(all(p + i in r for i, r in enumerate(rest, 1)) for p in first)


def _params() -> tuple[Any, ...]:
    """What the precomputed tables depend on besides the documents."""
    return (SCHEMA_VERSION, tuple(FIELD_BOOSTS.items()), BM25_K1, BM25_B, korean.mode())


def _make_doc(stored: Mapping[str, Any], texts: tuple[str, ...], label_terms: frozenset[str],
              title_terms: frozenset[str]) -> _Doc:
    labels = stored.get("labels") or ""
    return _Doc(
        kind=stored.get("kind", ""),
        id=stored.get("id", ""),
        title=stored.get("title") or "",
        breadcrumb=_split(stored.get("breadcrumb"), LIST_SEP),
        body=stored.get("body", "") or ", ".join(_split(labels, "\n")),
        path=stored.get("path", ""),
        anchor=stored.get("anchor", ""),
        line=int(stored.get("line") or 0),
        concepts=_split(stored.get("concepts")),
        tags=_split(stored.get("tags")),
        heads=stored.get("heads", ""),
        defines=frozenset(_split(stored.get("defines"))),
        labels=labels,
        label_terms=label_terms,
        title_terms=title_terms,
        texts=texts,
    )


class _Words(dict):
    """word -> its stemmed index terms (``unstemmed`` beside it), filled on first sight.

    Plain dicts, so looking up every word of a text (``map`` over its words) stays in
    C: twice as fast as calling the lru-cached ``word_stems`` for each.

    ``canon`` holds one object per distinct term (seeded with the strings of a previous
    build's analysis): the tables then pickle to the same bytes whether a text was
    analysed now or reused, since pickle shares equal strings only if they are one object.
    It starts with CPython's one-character strings, the ones unpickling always shares.
    """

    def __init__(self, canon: Iterable[str] = ()) -> None:
        super().__init__()
        self.unstemmed: dict[str, tuple[str, ...]] = {}
        self.canon = dict(zip(canon, canon))  # (first: their numbers in an Analysis stay)
        for char in _LATIN1:
            self.canon.setdefault(char, char)

    def __missing__(self, word: str) -> tuple[str, ...]:
        stems, unstemmed = word_stems(word)
        same = self.canon.setdefault
        stems = self[word] = tuple(map(same, stems, stems))
        self.unstemmed[word] = tuple(map(same, unstemmed, unstemmed))
        return stems


_LATIN1 = [chr(i) for i in range(256)]


@dataclass(slots=True)
class _Text:
    """One analysed text: its words, term frequencies (terms in token order), the length
    BM25 uses, and (made when asked) its set of terms."""

    words: list[str]
    tf: Counter[str]
    length: int
    terms: frozenset[str] | None = None


@cache
def _quantised(n: int) -> int:
    """A field length as Whoosh's one-byte length encoding rounds it (BM25 uses this)."""
    return byte_to_length(length_to_byte(n)) if n else 0


def _analyse(text: str, words: _Words) -> _Text:
    """Analyse one text without a Python statement per word (Counter over ``chain``)."""
    found = WORD_RE.findall(text)
    tf = Counter(chain.from_iterable(map(words.__getitem__, found)))
    return _Text(found, tf, _quantised(tf.total()))


def _reused(tf: dict[str, int]) -> _Text:
    """A text analysed by an earlier build (its words are not kept: only spelling
    needed them, and the record keeps what spelling took from them)."""
    return _Text([], tf, _quantised(sum(tf.values())))


def _terms(text: _Text) -> frozenset[str]:
    """The text's terms, one frozenset shared by every document with this text."""
    if text.terms is None:
        # From an iterator: a set made from an exact dict is sized (and so ordered)
        # otherwise than one made from a Counter, and pickles to other bytes.
        text.terms = frozenset(iter(text.tf))
    return text.terms


@dataclass(slots=True)
class _FieldPostings:
    """One field's postings, term by term: term -> (start, end) into docnums/scores,
    each term's documents in docnum order (as Whoosh's per-field postings were)."""

    spans: dict[str, tuple[int, int]]
    docnums: list[int]
    scores: list[float]


def _field_postings(tfs: list[Mapping[str, int]], lengths: list[int], boost: float) -> _FieldPostings:
    """Transpose one field's per-document term frequencies into per-term BM25 runs.

    The transposition is a stable sort by term (in first-occurrence order) of the flat
    posting lists, and the flat lists are built with chain/map: no Python statement
    runs per posting except the score expression itself.
    """
    n_docs = len(tfs)
    avg = (sum(lengths) / n_docs if n_docs else 1.0) or 1.0
    norm0, norm1 = BM25_K1 * (1.0 - BM25_B), BM25_K1 * BM25_B / avg
    terms = list(chain.from_iterable(tfs))
    dfs = Counter(terms)
    rank = dict(zip(dfs, count()))
    order = sorted(range(len(terms)), key=list(map(rank.__getitem__, terms)).__getitem__)
    docnums = list(chain.from_iterable(map(repeat, range(n_docs), map(len, tfs))))
    docnums = list(map(docnums.__getitem__, order))
    freqs = list(chain.from_iterable(map(dict.values, tfs)))
    weights = [boost * math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5)) * (BM25_K1 + 1.0)
               for df in dfs.values()]
    norms = [norm1 * n for n in lengths]
    scores = [w * tf / (tf + norm0 + norms[d]) for w, tf, d in zip(
        chain.from_iterable(map(repeat, weights, dfs.values())),
        map(freqs.__getitem__, order), docnums)]
    ends = list(accumulate(dfs.values()))
    return _FieldPostings(dict(zip(dfs, zip([0, *ends], ends))), docnums, scores)


def _term_scores(term: str, fields: list[_FieldPostings]) -> dict[int, float]:
    """docnum -> the term's BM25 summed over the fields, in field order; documents appear
    in the order the fields' postings first give them (ties rank as they always did)."""
    out: dict[int, float] | None = None
    for field in fields:
        span = field.spans.get(term)
        if span is None:
            continue
        start, end = span
        scores = dict(zip(field.docnums[start:end], field.scores[start:end]))
        if out is None:
            out = scores
        else:
            both = [(d, out[d] + scores[d]) for d in out.keys() & scores.keys()]
            out.update(scores)
            out.update(both)
    return out or {}


# What the analysis of one document keeps for the next build: its texts' term
# frequencies in TEXT_FIELDS order, then its unstemmed spelling words (first seen first).
Record = tuple[Any, ...]


@dataclass(slots=True)
class Analysis:
    """Each document's analysis, by its texts (TEXT_FIELDS order): written beside the
    tables so that the next build analyses only the texts that changed.

    Flat arrays of term numbers (into ``terms``), so that it saves and loads at C speed
    and a later build copies unchanged records as slices: record ``r``'s field ``j`` is
    ``tf_ids``/``tf_counts[tf_starts[k]:tf_starts[k + 1]]`` with ``k = 4r + j``, its
    spelling words ``spell_ids[spell_starts[r]:spell_starts[r + 1]]``.
    """

    terms: list[str]
    texts: list[tuple[str, ...]]
    tf_ids: array
    tf_counts: array
    tf_starts: array
    spell_ids: array
    spell_starts: array

    def tf(self, record: int, field: int) -> dict[str, int]:
        k = len(TEXT_FIELDS) * record + field
        start, end = self.tf_starts[k], self.tf_starts[k + 1]
        return dict(zip(map(self.terms.__getitem__, self.tf_ids[start:end]),
                        self.tf_counts[start:end]))

    def spell(self, record: int) -> tuple[str, ...]:
        start, end = self.spell_starts[record], self.spell_starts[record + 1]
        return tuple(map(self.terms.__getitem__, self.spell_ids[start:end]))


def _analysis(terms: list[str], entries: dict[tuple[str, ...], Record | int],
              previous: Analysis | None) -> Analysis:
    """This build's ``Analysis``: new records numbered, reused ones (``int``, a record of
    ``previous``, whose terms keep their numbers: ``terms`` extends its list) copied."""
    number = {t: i for i, t in enumerate(terms)}.__getitem__
    tf_ids, tf_counts, spell_ids = array("i"), array("i"), array("i")
    tf_starts, spell_starts = array("q", [0]), array("q", [0])
    n = len(TEXT_FIELDS)
    for is_reused, run in groupby(entries.values(), key=lambda e: isinstance(e, int)):
        if is_reused:
            assert previous is not None
            # Records that follow each other in ``previous`` too: one slice for them all.
            for _, block in groupby(enumerate(run), key=lambda e: e[1] - e[0]):
                numbers = [r for _, r in block]
                first, last = numbers[0], numbers[-1] + 1
                start, end = previous.tf_starts[n * first], previous.tf_starts[n * last]
                tf_ids.extend(previous.tf_ids[start:end])
                tf_counts.extend(previous.tf_counts[start:end])
                base = tf_starts[-1] - start
                tf_starts.extend([base + s for s in previous.tf_starts[n * first + 1:n * last + 1]])
                start, end = previous.spell_starts[first], previous.spell_starts[last]
                base = spell_starts[-1] - start
                spell_ids.extend(previous.spell_ids[start:end])
                spell_starts.extend([base + s for s in previous.spell_starts[first + 1:last + 1]])
        else:  # new records, all at once (no Python statement per record)
            records = list(run)
            tfs = list(chain.from_iterable(map(itemgetter(slice(0, n)), records)))
            spells = list(map(itemgetter(n), records))
            tf_ids.extend(map(number, chain.from_iterable(tfs)))
            tf_counts.extend(chain.from_iterable(map(dict.values, tfs)))
            tf_starts.extend(accumulate(map(len, tfs), initial=tf_starts.pop()))
            spell_ids.extend(map(number, chain.from_iterable(spells)))
            spell_starts.extend(accumulate(map(len, spells), initial=spell_starts.pop()))
    return Analysis(terms, list(entries), tf_ids, tf_counts, tf_starts, spell_ids, spell_starts)


def build_tables(stored_docs: Iterable[tuple[int, Mapping[str, Any]]], count: int,
                 previous: Analysis | None = None) -> tuple[dict[str, Any], Analysis]:
    """Everything a searcher needs, from the documents' stored fields: one pass analyses
    each document's texts (or takes them from ``previous``, a build's ``Analysis``),
    then each field's postings are scored (``_field_postings``) and the fields summed
    per term (``_term_scores``). Returns the tables and this build's ``Analysis``.

    ``postings``: term -> (docnums, scores), the term's BM25 summed over the text fields
    with the field boosts (documents in the order Whoosh's per-field postings gave them,
    so ties rank as they did); ``vocab``: unstemmed word -> document frequency (typos,
    prefixes, corrections); ``docs``: the per-document records.
    """
    docs: list[_Doc | None] = [None] * count
    empty: Counter[str] = Counter()
    tfs: dict[str, list[Mapping[str, int]]] = {f: [empty] * count for f in TEXT_FIELDS}
    lengths = {f: [0] * count for f in TEXT_FIELDS}
    old = {t: i for i, t in enumerate(previous.texts)} if previous is not None else {}
    words = _Words(previous.terms if previous is not None else ())
    unstemmed = words.unstemmed.__getitem__
    memo: dict[str, _Text] = {}  # short fields repeat (concept labels, breadcrumbs)
    entries: dict[tuple[str, ...], Record | int] = {}
    spelled: list[tuple[str, ...]] = []  # per document, the words of title, labels, body
    for docnum, stored in stored_docs:
        texts = tuple(stored.get(f) or "" for f in TEXT_FIELDS)
        reused = old.get(texts)
        analysed: dict[str, _Text] = {}
        for i, (f, text) in enumerate(zip(TEXT_FIELDS, texts)):
            if reused is not None:
                assert previous is not None
                if f == "body":
                    analysed[f] = _reused(previous.tf(reused, i))
                else:
                    analysed[f] = (memo.get(text)
                                   or memo.setdefault(text, _reused(previous.tf(reused, i))))
            elif f == "body":
                analysed[f] = _analyse(text, words)
            else:
                analysed[f] = memo.get(text) or memo.setdefault(text, _analyse(text, words))
            tfs[f][docnum], lengths[f][docnum] = analysed[f].tf, analysed[f].length
        title, labels = analysed["title"], analysed["labels"]
        docs[docnum] = _make_doc(stored, texts, _terms(labels), _terms(title))
        if reused is None:
            found = title.words + labels.words + analysed["body"].words
            spell = tuple(dict.fromkeys(chain.from_iterable(map(unstemmed, found))))
            entries[texts] = (*(analysed[f].tf for f in TEXT_FIELDS), spell)
        else:
            spell = previous.spell(reused)
            entries[texts] = reused
        spelled.append(spell)
    # The spelling vocabulary: unstemmed term -> documents having it in title, labels, body.
    vocab = Counter(chain.from_iterable(spelled))
    fields = [_field_postings(tfs[f], lengths[f], FIELD_BOOSTS[f]) for f in TEXT_FIELDS]
    # One flat array of docnums and one of scores, term i at [ends[i-1]:ends[i]].
    all_docs, all_scores, ends = array("i"), array("d"), array("q")
    terms = list(dict.fromkeys(chain.from_iterable(f.spans for f in fields)))
    for term in terms:
        found = [f for f in fields if term in f.spans]
        if len(found) == 1:  # most terms: the field's run as it is, no dict
            start, end = found[0].spans[term]
            all_docs.extend(found[0].docnums[start:end])
            all_scores.extend(found[0].scores[start:end])
        else:
            out = _term_scores(term, found)
            all_docs.extend(out.keys())
            all_scores.extend(out.values())
        ends.append(len(all_docs))
    tables = {"docs": docs, "terms": terms, "ends": ends, "docnums": all_docs,
              "scores": all_scores, "vocab": dict(vocab)}
    return tables, _analysis(list(words.canon), entries, previous)


def _store(ix: Any, docs: list[dict[str, Any]], compressed: Mapping[bytes, bytes]) -> None:
    """Write the documents into one new Whoosh segment (docnums are list order).

    This is ``writer.add_document(**doc)`` for each document, minus the per-field work
    our schema never needs (boosts, field lengths, vectors, columns, spelling words):
    the same segment for a quarter less time. The schema is stored fields plus an ID.
    ``compressed``: pickled stored fields -> their compressed bytes in an earlier segment
    (compressing them was half of writing the segment; zlib gives the same bytes again).
    """
    writer = ix.writer(limitmb=256)
    fields = sorted(writer.schema.items())  # add_document's order
    assert not any(f.scorable or f.vector or f.column_type or f.separate_spelling()
                   for _, f in fields), "schema needs SegmentWriter.add_document"
    per_doc, add_posting = writer.perdocwriter, writer.pool.add
    # The stored-fields column: what finish_doc gives the pickled fields to, unwrapped.
    column = per_doc._get_column("_stored")._child
    assert isinstance(column, CompressedBytesColumn.Writer), column
    add_stored, compress, level = partial(VarBytesColumn.Writer.add, column), column._compress, column._level
    for docnum, doc in enumerate(docs):
        per_doc.start_doc(docnum)
        stored = {}
        for name, field in fields:
            value = doc.get(name)
            if value is None:
                continue
            if field.indexed:
                for term, _, weight, encoded in field.index(value):
                    add_posting((name, term, docnum, weight, encoded))
            if field.stored:
                stored[name] = value
        if stored:
            raw = pickle.dumps(stored, 2)  # as whoosh.columns.PickleColumn pickles
            add_stored(docnum, compressed.get(raw) or compress(raw, level))
        per_doc.finish_doc()
    writer.docnum = len(docs)
    writer._added = bool(docs)  # what add_document sets; commit reads it
    writer.commit()


def _compressed_fields(directory: str) -> dict[bytes, bytes]:
    """pickled stored fields -> compressed bytes, for every document of the index in
    ``directory`` (empty if it cannot be read: the segment is then compressed anew)."""
    try:
        storage = FileStorage(directory, readonly=True)
        with storage.open_index().reader() as reader:
            if reader.is_atomic():
                per_doc = reader.codec().per_document_reader(reader.storage(), reader.segment())
                try:
                    raw = list(per_doc.column_reader("_stored", VarBytesColumn()))
                finally:
                    per_doc.close()
                return dict(zip(map(zlib.decompress, raw), raw))
    except Exception:  # noqa: BLE001 - any unreadable previous index means "no reuse"
        return {}
    return {}


def _load_analysis(directory: str) -> Analysis | None:
    """The ``Analysis`` an earlier build wrote in ``directory``, if it is there, whole
    and made with the same analysis settings."""
    try:
        with open(os.path.join(directory, ANALYSIS_FILE), "rb") as f:
            saved = pickle.load(f)
        if saved["key"] == _analysis_key():
            analysis = Analysis(**{k: saved[k] for k in Analysis.__slots__})
            if _consistent(analysis) and not _outgrown(analysis):
                return analysis
    except Exception:  # noqa: BLE001 - a missing or damaged cache means a full analysis
        return None
    return None


def _outgrown(a: Analysis) -> bool:
    """Terms keep their numbers from build to build, so the words of deleted or edited
    texts stay in the list; once it is twice what the texts use, start afresh."""
    used = set(a.tf_ids)
    used.update(a.spell_ids)
    return len(a.terms) > 2 * len(used) + 1000


def _consistent(a: Analysis) -> bool:
    """Do the arrays fit together (a damaged file must not pass for a smaller one)?"""
    n = len(TEXT_FIELDS)
    return (all(isinstance(x, array) for x in (a.tf_ids, a.tf_counts, a.tf_starts,
                                               a.spell_ids, a.spell_starts))
            and len(a.tf_starts) == n * len(a.texts) + 1
            and len(a.spell_starts) == len(a.texts) + 1
            and a.tf_starts[0] == a.spell_starts[0] == 0
            and a.tf_starts[-1] == len(a.tf_ids) == len(a.tf_counts)
            and a.spell_starts[-1] == len(a.spell_ids)
            and max(a.tf_ids, default=0) < len(a.terms) > max(a.spell_ids, default=0))


def _analysis_key() -> tuple[Any, ...]:
    """What a document's analysis depends on besides its texts."""
    return (ANALYSIS_VERSION, SCHEMA_VERSION, TEXT_FIELDS, korean.mode())


def _in_child(work: Callable[[], None]) -> int:
    """Run ``work`` in a forked child and return its pid. Forked, not spawned: the child
    sees the parent's data copy-on-write, nothing is pickled. (Not multiprocessing: an
    index is built in a daemon process, and those may not start Processes.)"""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            work()
            code = 0
        except BaseException:
            traceback.print_exc()
            raise  # (stopped by the _exit below: the child must not return)
        finally:
            os._exit(code)
    return pid


def _join(pid: int, what: str) -> None:
    """Wait for a child of :func:`_in_child`; its failure is ours."""
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{what} failed in process {pid} (status {status})")


def _tables_from_reader(reader: Any) -> dict[str, Any]:
    """The tables of an index without (current) precomputed ones: every stored document
    is analysed (an index written by another program, or one built by an older kg)."""
    return build_tables(reader.iter_docs(), reader.doc_count_all())[0]


class _View:
    """One index version: a searcher plus everything derived from it (caches included).

    Queries are evaluated here on per-term score maps (BM25 per field, field boosts
    applied) precomputed at build time and turned into dicts on first use (an LRU keeps
    them). Phrases are checked on the stored text of the documents having every term.
    """

    def __init__(self, ix: Any, synonym_table: dict[str, Any], tables: Any = None) -> None:
        with collector_paused():  # it was half of opening an index
            self._load(ix, synonym_table, tables)

    def _load(self, ix: Any, synonym_table: dict[str, Any], tables: Any) -> None:
        self.searcher = ix.searcher()
        reader = self.reader = self.searcher.reader()
        self.generation = reader.generation()
        self.count = reader.doc_count_all()
        found = tables(self.generation, self.count) if tables is not None else None
        if found is None:
            found = _tables_from_reader(reader)
        self.docs: list[_Doc | None] = found["docs"]
        self._terms: dict[str, int] = {t: i for i, t in enumerate(found["terms"])}
        self._ends: array = found["ends"]
        self._docnums: array = found["docnums"]
        self._scores: array = found["scores"]
        self.vocab = Vocabulary(found["vocab"].items())
        self.facet_keys: list[tuple[tuple[str, str], ...]] = [()] * self.count
        self.values: dict[str, dict[str, set[int]]] = {f: {} for f in set(FILTER_FIELDS.values())}
        values = self.values
        for docnum, doc in enumerate(self.docs):
            if doc is None:
                continue
            keys = [("kind", doc.kind)]
            if doc.path:
                keys.append(("path", doc.path))
            keys += [("tag", t) for t in doc.tags] + [("concept", c) for c in doc.concepts]
            self.facet_keys[docnum] = tuple(keys)
            for fieldname, vals in (("kind", (doc.kind,)), ("path", (doc.path,)),
                                    ("tags", doc.tags), ("concepts", doc.concepts)):
                bucket = values[fieldname]
                for v in vals:
                    found_set = bucket.get(v)
                    if found_set is None:
                        bucket[v] = {docnum}
                    else:
                        found_set.add(docnum)
        self._postings: OrderedDict[tuple[Any, float], dict[int, float]] = OrderedDict()
        self.planner = Planner(self.vocab, synonym_table, self.exists)
        self._plans: OrderedDict[str, tuple[Plan, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def exists(self, term: str) -> bool:
        return term in self._terms

    def plan(self, parsed: ParsedQuery) -> tuple[Plan, Any]:
        """Plan (and highlight regex) for a parsed query, LRU-cached per index version."""
        key = repr((parsed.words, parsed.phrases, parsed.typing))
        with self._lock:
            hit = self._plans.get(key)
            if hit is not None:
                self._plans.move_to_end(key)
                return hit
        plan = self.planner.plan(parsed)
        value = (plan, hit_pattern(plan.terms))
        with self._lock:
            self._plans[key] = value
            if len(self._plans) > PLAN_CACHE_SIZE:
                self._plans.popitem(last=False)
        return value

    # -- evaluation -------------------------------------------------------------------

    def _cached(self, key: tuple[Any, float], compute: Any) -> dict[int, float]:
        with self._lock:
            found = self._postings.get(key)
            if found is not None:
                self._postings.move_to_end(key)
                return found
        found = compute()
        with self._lock:
            self._postings[key] = found
            if len(self._postings) > POSTINGS_CACHE_SIZE:
                self._postings.popitem(last=False)
        return found

    def _term_scores(self, term: str) -> dict[int, float]:
        """BM25 of the term summed over the text fields, each times its field boost."""
        i = self._terms.get(term)
        if i is None:
            return {}
        start, end = self._ends[i - 1] if i else 0, self._ends[i]
        return dict(zip(self._docnums[start:end], self._scores[start:end]))

    def _phrase_scores(self, terms: tuple[str, ...]) -> dict[int, float]:
        """Documents with the terms consecutive in one text field; scores are the terms'
        own, so a phrase and plain words add up on one scale."""
        maps = [self.evaluate(Term(t)) for t in dict.fromkeys(terms)]
        if not all(maps):
            return {}
        maps_by_size = sorted(maps, key=len)
        keys: Any = maps_by_size[0].keys()
        for m in maps_by_size[1:]:
            keys = keys & m.keys()
        out: dict[int, float] = {}
        for d in sorted(keys):
            doc = self.docs[d]
            if doc is not None and any(_has_phrase(text, terms) for text in doc.texts):
                out[d] = sum(m.get(d, 0.0) for m in maps)
        return out

    def evaluate(self, node: Any) -> dict[int, float]:
        """Scores of the documents a query node matches (callers must not mutate them)."""
        if isinstance(node, Term):
            raw = self._cached((node.term, 1.0), lambda: self._term_scores(node.term))
            if node.boost == 1.0:
                return raw
            b = node.boost
            return self._cached((node.term, b), lambda: {d: s * b for d, s in raw.items()})
        if isinstance(node, Best):
            maps = [self.evaluate(c) for c in node.children]
            maps = [m for m in maps if m]
            if len(maps) <= 1:
                return maps[0] if maps else {}
            out: dict[int, float] = {}
            for m in reversed(maps):  # most preferred last, so it wins
                out.update(m)
            return out
        if isinstance(node, All):
            maps = sorted((self.evaluate(c) for c in node.children), key=len)
            if not maps or not maps[0]:
                return {}
            keys: Any = maps[0].keys()
            for m in maps[1:]:
                keys = keys & m.keys()
            b = node.boost
            return {d: sum(m[d] for m in maps) * b for d in keys}
        if isinstance(node, Some):
            maps = sorted((self.evaluate(c) for c in node.children), key=len, reverse=True)
            if not maps:
                return {}
            out = dict(maps[0])
            for m in maps[1:]:
                get = out.get
                for d, s in m.items():
                    out[d] = get(d, 0.0) + s
            return out
        if isinstance(node, Phrase):
            return self._cached((node, 1.0), lambda: self._phrase_scores(node.terms))
        raise TypeError(f"unknown query node {node!r}")

    def close(self) -> None:
        self.searcher.close()


class SearchIndex:
    """Full-text search over sections and concepts.

    Build with :meth:`build` (a directory) or :meth:`in_memory` (tests); serve with
    :meth:`open`. One long-lived searcher is shared by threads and replaced by a new one
    when the index on disk changes. Open after forking: searchers cannot be pickled.
    """

    def __init__(self, ix: Any, storage: Storage, built: dict[str, Any] | None = None) -> None:
        self._ix = ix
        self._storage = storage
        self._built = built  # the tables just written, so a build need not read them back
        self._synonyms = self._read_json(SYNONYMS_FILE) or {"keys": {}, "labels": {}}
        meta = self._read_json(META_FILE) or {}
        # Queries must analyse Korean the way the index was built.
        built_with = meta.get("korean_analyzer")
        if built_with and built_with != korean.mode():
            korean.set_mode(built_with)
            reset_analysis()
        # Kiwi loads on the first Korean word analysed (2-8 s here), not at open: a
        # background warm-up holds the GIL for seconds and would stall a starting server.
        # A fresh build makes its view on first use: an ingest closes it unused.
        self._view: _View | None = None
        if built is None:
            self._view = _View(ix, self._synonyms, self._read_tables)
        self._checked = time.monotonic()
        self._swap = threading.Lock()

    # -- building and opening ---------------------------------------------------------

    @classmethod
    def build(
        cls,
        directory: str | os.PathLike[str],
        notes: Iterable[Note],
        concepts: Mapping[str, Concept] | Iterable[Concept],
        procs: int = 1,
        previous: str | os.PathLike[str] | None = None,
    ) -> SearchIndex:
        """Write a new index into an empty (or missing) directory and open it.

        ``procs=2`` writes Whoosh's segment in a forked process while this one computes
        the score tables (a quarter less time to wait, when a core is free).
        ``previous``: the directory of an earlier build's index; what it analysed and
        compressed is reused (the result is the same as without it, only faster).
        """
        directory = os.fspath(directory)
        os.makedirs(directory, exist_ok=True)
        if os.listdir(directory):
            raise FileExistsError(f"index directory is not empty: {directory}")
        with collector_paused():
            _, tables = cls._write(FileStorage(directory), list(notes), concepts, procs,
                                   None if previous is None else os.fspath(previous))
            storage = FileStorage(directory, readonly=True)
            return cls(storage.open_index(), storage, tables)

    @classmethod
    def in_memory(
        cls, notes: Iterable[Note], concepts: Mapping[str, Concept] | Iterable[Concept]
    ) -> SearchIndex:
        """An index in RAM (RamStorage), for tests and small throwaway corpora."""
        storage = RamStorage()
        with collector_paused():
            ix, tables = cls._write(storage, list(notes), concepts, 1, None)
            return cls(ix, storage, tables)

    @classmethod
    def open(cls, directory: str | os.PathLike[str]) -> SearchIndex:
        """Open an existing index read-only."""
        storage = FileStorage(os.fspath(directory), readonly=True)
        return cls(storage.open_index(), storage)

    @staticmethod
    def _write(
        storage: Storage,
        notes: list[Note],
        concepts: Mapping[str, Concept] | Iterable[Concept],
        procs: int,
        previous: str | None,
    ) -> tuple[Any, dict[str, Any]]:
        """Write the index files; returns the Whoosh index and the tables written."""
        concept_list = list(concepts.values()) if isinstance(concepts, Mapping) else list(concepts)
        ix = storage.create_index(build_schema())
        docs = list(documents(notes, concept_list))
        compressed = _compressed_fields(previous) if previous is not None else {}
        analysis = _load_analysis(previous) if previous is not None else None
        if procs > 1 and isinstance(storage, FileStorage):
            # Whoosh's segment on another core
            writer = _in_child(lambda: _store(ix, docs, compressed))
            tables, analysis = build_tables(enumerate(docs), len(docs), analysis)
            _join(writer, "writing the Whoosh segment")
        else:
            _store(ix, docs, compressed)
            tables, analysis = build_tables(enumerate(docs), len(docs), analysis)
        if isinstance(storage, FileStorage):
            f = storage.create_file(ANALYSIS_FILE)
            pickle.dump({"key": _analysis_key(), **{k: getattr(analysis, k) for k in
                                                    Analysis.__slots__}},
                        f, protocol=pickle.HIGHEST_PROTOCOL)
            f.close()
        tables["key"] = (_params(), ix.latest_generation(), len(docs))
        hangul = any(korean.has_hangul(block.text) for note in notes
                     for section in note.sections for block in section.blocks)
        f = storage.create_file(TABLES_FILE)
        row = attrgetter(*_Doc.__slots__)
        rows = [None if d is None else row(d) for d in tables["docs"]]
        f.write(pickle.dumps({**tables, "docs": rows}, protocol=pickle.HIGHEST_PROTOCOL))
        f.close()
        for name, payload in (
            (SYNONYMS_FILE, synonyms(concept_list)),
            (META_FILE, {"schema_version": SCHEMA_VERSION, "documents": len(docs),
                         "korean_analyzer": korean.mode(), "hangul": hangul,
                         "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}),
        ):
            f = storage.create_file(name)
            f.write(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8"))
            f.close()
        return ix, tables

    def _read_tables(self, generation: int, count: int) -> dict[str, Any] | None:
        """The precomputed tables, if they were made for this index version and settings."""
        built, self._built = self._built, None  # later views read the file
        if built is not None and built["key"] == (_params(), generation, count):
            return built
        if not self._storage.file_exists(TABLES_FILE):
            return None
        f = self._storage.open_file(TABLES_FILE)
        try:
            tables = pickle.loads(bytes(f.read()))
        except (pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            return None
        finally:
            f.close()
        if tables.get("key") != (_params(), generation, count):
            return None
        tables["docs"] = [None if row is None else _Doc(*row) for row in tables["docs"]]
        return tables

    def _read_json(self, name: str) -> dict[str, Any] | None:
        if not self._storage.file_exists(name):
            return None
        f = self._storage.open_file(name)
        try:
            return json.loads(bytes(f.read()).decode("utf-8"))
        finally:
            f.close()

    def _current(self) -> _View:
        """The live view; replaced (new searcher, fresh caches) if the index changed."""
        now = time.monotonic()
        view = self._view
        if view is not None and now - self._checked < FRESHNESS_CHECK_SECONDS:
            return view
        with self._swap:
            self._checked = now
            view = self._view
            if view is None:
                view = self._view = _View(self._ix, self._synonyms, self._read_tables)
            elif not view.searcher.up_to_date():
                self._synonyms = self._read_json(SYNONYMS_FILE) or self._synonyms
                self._view = _View(self._ix, self._synonyms, self._read_tables)
                view.close()
            return self._view

    def close(self) -> None:
        """Release the searcher (and its open files)."""
        if self._view is not None:
            self._view.close()

    @property
    def doc_count(self) -> int:
        return self._current().searcher.doc_count()

    # -- searching ----------------------------------------------------------------------

    def search(
        self,
        q: str,
        limit: int = 10,
        offset: int = 0,
        kind: str | None = None,
        filters: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Plain-text search with typo tolerance, synonyms, facets and HTML snippets.

        Every word is required (in any field); if that finds nothing, any word; if that
        finds nothing, a spelling-corrected query is run and reported in ``didYouMean``.
        ``filters`` keys: kind, path, tag, concept (values a string or a list, exact).
        """
        view = self._current()
        limit = max(0, int(limit))
        offset = max(0, int(offset))
        parsed = parse(q if isinstance(q, str) else "")
        flt = self._filter(view, kind, filters)
        response: dict[str, Any] = {
            "query": parsed.text, "total": 0, "results": [],
            "facets": {"kind": {}, "path": {}, "tag": {}, "concept": {}}, "didYouMean": None,
        }
        if not parsed.words and not parsed.phrases:
            return response
        plan, pattern = view.plan(parsed)
        found = self._run(view, plan, flt, limit, offset)
        if found is None:
            fixed = corrected_words(parsed.words, view.vocab)
            if fixed is not None:
                fixed_parsed = ParsedQuery(
                    text=" ".join([*fixed, *(f'"{" ".join(p)}"' for p in parsed.phrases)]),
                    words=fixed, phrases=parsed.phrases, typing=False,
                )
                plan, pattern = view.plan(fixed_parsed)
                found = self._run(view, plan, flt, limit, offset)
                if found is not None:
                    response["didYouMean"] = fixed_parsed.text
        if found is None:
            return response
        total, ranked, docset = found
        response["total"] = total
        response["facets"] = self._facets(view, docset)
        results = []
        for docnum, score in ranked:
            doc = view.docs[docnum]
            assert doc is not None
            results.append({
                "kind": doc.kind,
                "id": doc.id,
                "title": doc.title,
                "breadcrumb": list(doc.breadcrumb),
                "snippet": snippet(doc.body, plan.terms, pattern),
                "score": round(score, 4),
                "path": doc.path,
                "anchor": doc.anchor,
                "line": doc.line,
                "concepts": list(doc.concepts),
            })
        response["results"] = results
        return response

    @staticmethod
    def _filter(view: _View, kind: str | None, filters: dict[str, Any] | None) -> set[int] | None:
        """Documents allowed by the filters (None = no filter). Values are exact."""
        allowed: set[int] | None = None
        items: list[tuple[str, Any]] = [("kind", kind)] if kind else []
        items += list((filters or {}).items())
        for key, value in items:
            if value is None or value == "" or value == []:
                continue
            fieldname = FILTER_FIELDS.get(key)
            if fieldname is None:
                raise ValueError(
                    f"unknown filter {key!r}; expected one of kind, path, tag, concept"
                )
            values = [value] if isinstance(value, str) else list(value)
            docs: set[int] = set()
            for v in values:
                docs |= view.values[fieldname].get(str(v), set())
            allowed = docs if allowed is None else allowed & docs
        return allowed

    def _run(
        self, view: _View, plan: Plan, allowed: set[int] | None, limit: int, offset: int
    ) -> tuple[int, list[tuple[int, float]], Any] | None:
        """AND, then OR; None when neither matches."""
        queries = [plan.and_query]
        if len(plan.scoring_groups) > 1:
            queries.append(plan.or_query)  # OR of one group is the AND already run
        for q in queries:
            if q is None:
                continue
            scores = view.evaluate(q)
            if allowed is not None:
                if len(allowed) < len(scores):
                    scores = {d: scores[d] for d in allowed if d in scores}
                else:
                    scores = {d: s for d, s in scores.items() if d in allowed}
            if not scores:
                continue
            window = max(RERANK_WINDOW, offset + limit)
            top = heapq.nlargest(window, scores.items(), key=itemgetter(1))
            ranked = self._rerank(view, plan, top[:RERANK_WINDOW]) + top[RERANK_WINDOW:]
            return len(scores), ranked[offset : offset + limit], scores.keys()
        return None

    @staticmethod
    def _rerank(view: _View, plan: Plan, hits: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """Structure over text statistics: defining sections up, label-less concepts down."""
        groups = [g.terms for g in plan.scoring_groups]
        share = 1.0 / max(1, len(groups))
        out = []
        for rank, (docnum, score) in enumerate(hits):
            doc = view.docs[docnum]
            assert doc is not None
            label_terms, title_terms = _doc_terms(doc)
            if doc.kind == "concept":
                if not all(label_terms & g for g in groups):
                    score *= CONCEPT_LABEL_MISS
                elif doc.id in plan.concepts:
                    score *= 1.0 + (CONCEPT_NAMED_BY_QUERY - 1.0) * share
            else:
                if all(title_terms & g for g in groups):
                    score *= TITLE_COVERS_QUERY
                if plan.concepts:
                    if doc.heads and doc.heads in plan.concepts:
                        score *= 1.0 + (HEADING_NAMES_QUERY_CONCEPT - 1.0) * share
                    elif doc.defines & plan.concepts:
                        score *= 1.0 + (DEFINES_QUERY_CONCEPT - 1.0) * share
            out.append((-score, rank, docnum, score))
        out.sort()
        return [(docnum, score) for _, _, docnum, score in out]

    @staticmethod
    def _facets(view: _View, docset: Iterable[int]) -> dict[str, dict[str, int]]:
        """Counts per facet value over every matched document, the FACET_LIMIT largest."""
        counts = Counter(chain.from_iterable(map(view.facet_keys.__getitem__, docset)))
        facets: dict[str, dict[str, int]] = {"kind": {}, "path": {}, "tag": {}, "concept": {}}
        for (facet, value), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            bucket = facets[facet]
            if len(bucket) < FACET_LIMIT:
                bucket[value] = n
        return facets
