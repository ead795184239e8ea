"""Incremental ingest: only changed notes are parsed again, deleted notes leave nothing
behind, and the result is the same graph and index as a full rebuild."""

from __future__ import annotations

import json
import shutil

from rdflib.compare import isomorphic

from graph.rdf import load_dataset
from common.chunk_file import SPANS_SUFFIX
from kg.settings import load_settings
from kg.store import Store, current_build

from .conftest import FIXTURES


def ingest(folder, store, **kwargs):
    from kg.cli import run_ingest

    return run_ingest([folder], store, load_settings(), **kwargs)


def index_documents(store):
    with Store.open(store).index._current().searcher as searcher:
        return sorted(tuple(sorted((k, str(v)) for k, v in doc.items()))
                       for doc in searcher.all_stored_fields())


def assert_same_build(a, b):
    build_a, build_b = current_build(a), current_build(b)
    dataset_a, dataset_b = load_dataset(build_a / "graph.nq"), load_dataset(build_b / "graph.nq")
    assert {str(g.identifier) for g in dataset_a.graphs()} == \
        {str(g.identifier) for g in dataset_b.graphs()}
    for graph in dataset_a.graphs():
        assert isomorphic(graph, dataset_b.graph(graph.identifier)), graph.identifier
    assert json.loads((build_a / "graph.json").read_text()) == \
        json.loads((build_b / "graph.json").read_text())
    assert index_documents(a) == index_documents(b)
    assert (build_a / "notes.jsonl").read_text() == (build_b / "notes.jsonl").read_text()


def fixture_notes(tmp_path):
    """The markdown fixtures that parse, in a folder of their own."""
    notes = tmp_path / "notes"
    shutil.copytree(FIXTURES / "markdown", notes)
    (notes / "bad-front-matter.md").unlink()
    return notes


def test_edits_additions_and_deletions_match_a_full_rebuild(tmp_path, monkeypatch):
    notes = fixture_notes(tmp_path)
    (notes / "extra.md").write_text("# Packfile\n\nA Packfile bundles Objects.\n")
    incremental = tmp_path / "incremental"
    assert ingest(notes, incremental) is not None

    parsed = []
    from ingest import pipeline

    real = pipeline.parse_text
    monkeypatch.setattr(pipeline, "parse_text", lambda text, file, *rest: parsed.append(
        file.path) or real(text, file, *rest))
    (notes / "git-notes.md").write_text((notes / "git-notes.md").read_text()
                                        + "\n- A Tag points to a Commit\n")
    (notes / "extra.md").unlink()
    (notes / "new.md").write_text("# Blob\n\nA Blob is a file's content.\n")
    ingest(notes, incremental)
    assert sorted(parsed) == ["git-notes.md", "new.md"]  # the others came from the cache
    cache = incremental / "cache" / "parsed"
    assert len(list(cache.iterdir())) == 3  # extra.md's entry is gone

    monkeypatch.setattr(pipeline, "parse_text", real)
    full = tmp_path / "full"
    ingest(notes, full)
    assert_same_build(incremental, full)
    assert not any("extra.md" in line for line in
                   (current_build(incremental) / "graph.nq").read_text().splitlines())


def test_nothing_changed_leaves_the_store_alone(tmp_path):
    store = tmp_path / "store"
    ingest(FIXTURES / "outline", store)
    before = current_build(store)
    assert ingest(FIXTURES / "outline", store) is None
    assert current_build(store) == before
    assert ingest(FIXTURES / "outline", store, force=True) is not None
    assert current_build(store) != before


def test_a_changed_vocabulary_rebuilds(tmp_path):
    store = tmp_path / "store"
    ingest(FIXTURES / "outline", store)
    mine = tmp_path / "mine.yaml"
    mine.write_text("concepts:\n  - id: blob\n    label: Blob\n    aliases: [binary object]\n")
    assert ingest(FIXTURES / "outline", store, vocabulary=[str(mine)]) is not None
    assert "binary object" in Store.open(store).graph.concept("blob")["altLabels"]


def graph_keys(store):
    """The keys of the note graphs in the current build (what each was written from)."""
    spans = current_build(store) / ("graph.nq" + SPANS_SUFFIX)
    return set(json.loads(spans.read_text())["spans"])


def test_an_edit_naming_no_new_concept_redoes_only_that_note(tmp_path, monkeypatch):
    notes = fixture_notes(tmp_path)
    (notes / "more.md").write_text("# More\n\n- A Branch names a Commit\n- Blobs and Trees\n")
    incremental = tmp_path / "incremental"
    ingest(notes, incremental)
    before = graph_keys(incremental)

    from ingest import pipeline

    linked = []
    real = pipeline.link_one
    monkeypatch.setattr(pipeline, "link_one", lambda note, linker: linked.append(note.path)
                        or real(note, linker))
    (notes / "more.md").write_text("# More\n\n- A Branch names a Commit\n- Blobs and Trees\n"
                                   "- Each Commit points to a Tree\n")
    ingest(notes, incremental)
    assert linked == ["more.md"]  # the other notes' links came from the cache
    after = graph_keys(incremental)
    assert len(before - after) == 1 and len(after - before) == 1  # one note graph rewritten

    # An edit can change what other notes' graphs hold: here a hierarchy, which takes
    # "mentioned together" away from that pair everywhere (git-notes.md line 19).
    linked.clear()
    (notes / "more.md").write_text("# More\n\n- A Branch names a Commit\n- Blobs and Trees\n"
                                   "- A Blob is a kind of Commit\n")
    ingest(notes, incremental)
    assert linked == ["more.md"]
    monkeypatch.setattr(pipeline, "link_one", real)
    full = tmp_path / "full"
    ingest(notes, full)
    assert_same_build(incremental, full)
