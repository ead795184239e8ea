"""A build given the previous build's index (``previous=``) equals a build from scratch."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

import search.index
from ingest.model import Note
from search import SearchIndex
from search.index import ANALYSIS_FILE, TABLES_FILE
from tests.test_search import NETWORK, _section, corpus

QUERIES = ["pod", "restart policy", "svc", "rs", "rolling updates", "파드", "replcaset",
           "node selector", '"stable storage"', "dns cluster", "script", "deploy"]


def _snapshot(folder) -> tuple[bytes, list, list]:
    """The tables file, every stored document (docnum order) and each query's answer."""
    index = SearchIndex.open(folder)
    try:
        stored = list(index._current().reader.iter_docs())
        answers = [index.search(q, limit=10) for q in QUERIES]
    finally:
        index.close()
    return (folder / TABLES_FILE).read_bytes(), stored, answers


def _same_as_fresh(tmp_path, notes, concepts, previous) -> None:
    SearchIndex.build(tmp_path / "fresh", notes, concepts).close()
    SearchIndex.build(tmp_path / "reused", notes, concepts, previous=previous).close()
    fresh, reused = _snapshot(tmp_path / "fresh"), _snapshot(tmp_path / "reused")
    assert reused[0] == fresh[0]  # the tables, to the byte
    assert reused[1] == fresh[1]
    assert reused[2] == fresh[2]
    assert (tmp_path / "reused" / ANALYSIS_FILE).read_bytes() != b""


@pytest.fixture
def first(tmp_path):
    notes, concepts = corpus()
    SearchIndex.build(tmp_path / "first", notes, concepts).close()
    return tmp_path / "first"


def _edited(notes: list[Note]) -> list[Note]:
    notes = copy.deepcopy(notes)
    section = notes[1].sections[0]
    block = section.blocks[0]
    section.blocks[0] = dataclasses.replace(block, text=block.text + " Pods restart quickly.")
    return notes


def test_an_edited_note(tmp_path, first, monkeypatch):
    notes, concepts = corpus()
    edited = _edited(notes)
    analysed = []
    real = search.index._analyse
    monkeypatch.setattr(search.index, "_analyse",
                        lambda text, words: analysed.append(text) or real(text, words))
    SearchIndex.build(tmp_path / "counted", edited, concepts, previous=first).close()
    # Only the changed document is analysed again (its fields not seen elsewhere).
    assert analysed[-1] == edited[1].sections[0].text
    assert set(analysed) <= {"Service\nsvc\nkubectl\nk", "5. Service", analysed[-1]}
    monkeypatch.undo()
    _same_as_fresh(tmp_path, edited, concepts, first)


def test_a_deleted_note(tmp_path, first):
    notes, concepts = corpus()
    _same_as_fresh(tmp_path, [n for n in notes if n.path != NETWORK], concepts, first)


def test_a_new_note(tmp_path, first):
    notes, concepts = corpus()
    new = Note(path="misc/new.md", title="New", meta={"tags": ["fresh"]}, sections=[
        _section("quota", "Resource quota", ["A ResourceQuota caps what a namespace uses.",
                                             "Pods over the quota are rejected."], line=1),
    ])
    _same_as_fresh(tmp_path, [*notes[:2], new, *notes[2:]], concepts, first)


def test_a_changed_concept(tmp_path, first):
    notes, concepts = corpus()
    concepts = dict(concepts)
    concepts["service"] = dataclasses.replace(concepts["service"],
                                              alt_labels={"svc", "cluster service"})
    _same_as_fresh(tmp_path, notes, concepts, first)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "missing", "no segment"])
def test_a_damaged_previous_index_means_a_full_build(tmp_path, first, damage):
    cache = first / ANALYSIS_FILE
    if damage == "garbage":
        cache.write_bytes(b"not a pickle")
    elif damage == "truncated":
        cache.write_bytes(cache.read_bytes()[:1000])
    elif damage == "missing":
        cache.unlink()
    else:
        for segment in first.glob("*.seg"):
            segment.unlink()
    notes, concepts = corpus()
    _same_as_fresh(tmp_path, _edited(notes), concepts, first)


def test_a_missing_previous_folder(tmp_path):
    notes, concepts = corpus()
    _same_as_fresh(tmp_path, notes, concepts, tmp_path / "nowhere")


def test_the_previous_index_stays_usable(tmp_path, first):
    notes, concepts = corpus()
    before = _snapshot(first)
    notes[2].sections.append(_section("extra", "Extra", ["Something else."], line=9))
    SearchIndex.build(tmp_path / "next", notes, concepts, previous=first).close()
    assert _snapshot(first) == before


def test_a_chain_of_reused_builds(tmp_path, first):
    notes, concepts = corpus()
    edited = _edited(notes)
    SearchIndex.build(tmp_path / "second", edited, concepts, previous=first).close()
    _same_as_fresh(tmp_path, [edited[1], edited[0], *edited[2:]], concepts, tmp_path / "second")


def test_a_term_list_grown_by_many_edits_is_started_afresh(tmp_path, first):
    """Words of edited-away texts keep their numbers; past twice what is used, the
    cache is dropped (a full analysis renumbers from scratch)."""
    path = first / ANALYSIS_FILE
    assert search.index._load_analysis(str(first)) is not None
    saved = pickle.loads(path.read_bytes())
    saved["terms"] = saved["terms"] + [f"gone{i}" for i in range(2 * len(saved["terms"]) + 1000)]
    path.write_bytes(pickle.dumps(saved))
    assert search.index._load_analysis(str(first)) is None
    notes, concepts = corpus()
    _same_as_fresh(tmp_path, _edited(notes), concepts, first)
