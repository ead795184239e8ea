"""A build given the previous build's index (``previous=``) searches exactly as a build
from scratch, and leaves the previous index as it was."""

from __future__ import annotations

import copy
import dataclasses
import json
import os

import pytest
from whoosh.index import open_dir

from ingest.model import Note
from search import SearchIndex
from search.scoring import TermScores
from search.spelling import VOCABULARY_FILE
from tests.test_search import NETWORK, _section, corpus

QUERIES = ["pod", "restart policy", "svc", "rs", "rolling updates", "파드", "replcaset",
           "node selector", '"stable storage"', "dns cluster", "script", "deploy", "pods qu",
           "quota", "fresh", "quickly"]
FILTERS = [{}, {"kind": "section"}, {"filters": {"tag": "k8s"}}]


def _snapshot(folder) -> tuple[list, list]:
    """Every live stored document (by id) and each query's answer, facets included.
    On the way, the index's score table is checked against Whoosh's postings."""
    index = SearchIndex.open(folder)
    try:
        answers = [index.search(q, limit=10, **f) for q in QUERIES for f in FILTERS]
        view = index._current()
        table, whoosh = view.term_scores.table, TermScores(view.stats)
        assert table is not None
        assert all(table.get(t) == whoosh(t) for t in table.terms)
    finally:
        index.close()
    with open_dir(str(folder)).searcher() as searcher:
        stored = sorted(searcher.documents(), key=lambda d: d["id"])
    return stored, answers


def _same_as_fresh(tmp_path, notes, concepts, previous) -> None:
    SearchIndex.build(tmp_path / "fresh", notes, concepts).close()
    SearchIndex.build(tmp_path / "reused", notes, concepts, previous=previous).close()
    fresh, reused = _snapshot(tmp_path / "fresh"), _snapshot(tmp_path / "reused")
    assert reused[0] == fresh[0]
    assert reused[1] == fresh[1]
    vocabulary = [json.loads((tmp_path / f / VOCABULARY_FILE).read_text())["counts"]
                  for f in ("fresh", "reused")]
    assert vocabulary[0] == vocabulary[1]


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


def _segments(folder) -> dict[str, int]:
    """Whoosh's segment files and our postings file of each -> their inode."""
    return {p.name: p.stat().st_ino for p in folder.iterdir()
            if p.suffix == ".seg" or p.name.startswith("kg-postings-")}


def test_an_edited_note_adds_a_segment_beside_the_linked_ones(tmp_path, first):
    notes, concepts = corpus()
    SearchIndex.build(tmp_path / "next", _edited(notes), concepts, previous=first).close()
    before, after = _segments(first), _segments(tmp_path / "next")
    # The previous segment is the same file (a hard link), the edit a new small segment
    # (each with its postings file: .json and .bin).
    assert before.items() <= after.items()
    assert len(after) == len(before) + 3
    with open_dir(str(tmp_path / "next")).reader() as reader:
        assert reader.has_deletions()  # the edited section's old version
        assert reader.doc_count() == reader.doc_count_all() - 1


def test_an_edited_note(tmp_path, first):
    notes, concepts = corpus()
    _same_as_fresh(tmp_path, _edited(notes), concepts, first)


def test_nothing_changed_keeps_the_index_as_it_was(tmp_path, first):
    notes, concepts = corpus()
    SearchIndex.build(tmp_path / "same", notes, concepts, previous=first).close()
    assert _segments(tmp_path / "same") == _segments(first)
    _same_as_fresh(tmp_path, notes, concepts, first)


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


@pytest.mark.parametrize("damage", ["garbage toc", "no segment", "no metadata",
                                    "garbage vocabulary", "truncated postings"])
def test_a_damaged_previous_index_means_a_full_build(tmp_path, first, damage):
    if damage == "garbage toc":
        for toc in first.glob("*.toc"):
            toc.write_bytes(b"not a table of contents")
    elif damage == "no segment":
        for segment in first.glob("*.seg"):
            segment.unlink()
    elif damage == "no metadata":
        (first / "kg-search.json").unlink()
    elif damage == "garbage vocabulary":
        (first / VOCABULARY_FILE).write_text("{not json")
    else:
        postings = next(first.glob("kg-postings-*.bin"))
        postings.write_bytes(postings.read_bytes()[:-4])
    damaged = {p.name: p.read_bytes() for p in first.iterdir()}
    notes, concepts = corpus()
    _same_as_fresh(tmp_path, _edited(notes), concepts, first)
    assert {p.name: p.read_bytes() for p in first.iterdir()} == damaged  # left as it was


def test_a_missing_previous_folder(tmp_path):
    notes, concepts = corpus()
    _same_as_fresh(tmp_path, notes, concepts, tmp_path / "nowhere")


def test_the_previous_index_stays_usable(tmp_path, first):
    notes, concepts = corpus()
    before = _snapshot(first)
    files = {p.name: p.read_bytes() for p in first.iterdir()}
    notes[2].sections.append(_section("extra", "Extra", ["Something else."], line=9))
    SearchIndex.build(tmp_path / "next", notes, concepts, previous=first).close()
    assert {p.name: p.read_bytes() for p in first.iterdir()} == files
    assert _snapshot(first) == before


def test_a_chain_of_reused_builds(tmp_path, first):
    notes, concepts = corpus()
    edited = _edited(notes)
    SearchIndex.build(tmp_path / "second", edited, concepts, previous=first).close()
    again = copy.deepcopy(edited)
    again[0].sections[0].blocks.append(dataclasses.replace(
        again[0].sections[0].blocks[0], text="Pods are scheduled onto nodes."))
    _same_as_fresh(tmp_path, [again[1], again[0], *again[2:]], concepts, tmp_path / "second")


def test_many_edits_are_merged_not_piled_up(tmp_path, first):
    notes, concepts = corpus()
    previous = first
    for i in range(12):
        notes = copy.deepcopy(notes)
        block = notes[0].sections[0].blocks[0]
        notes[0].sections[0].blocks[0] = dataclasses.replace(block, text=f"{block.text} v{i}")
        folder = tmp_path / f"build{i}"
        SearchIndex.build(folder, notes, concepts, previous=previous).close()
        previous = folder
    assert len([name for name in _segments(previous) if name.endswith(".seg")]) < 6
    assert len(_segments(previous)) == 3 * len([n for n in _segments(previous)
                                                if n.endswith(".seg")])
    assert os.listdir(first)  # every build kept its own folder
    _same_as_fresh(tmp_path, notes, concepts, previous)
