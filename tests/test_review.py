"""The review file: every decision kind, what it does to the graph, stale decisions,
invalid files (with the line and what is wrong), incremental re-builds after a review
change (equal to a full rebuild, only the touched notes redone), and ``kg review``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from graph import rdf
from ingest.review import (REVIEW_FILE, ReviewError, apply_review, decision_entry,
                           parse_review)
from kg.settings import load_settings
from kg.store import Store, current_build

from .test_incremental import assert_same_build, fixture_notes


def ingest(folder, store, **kwargs):
    from kg.cli import run_ingest

    return run_ingest([folder], store, load_settings(), **kwargs)


def edges(store):
    """Every edge of the built graph, co-mentions too, by labels, with its confidence."""
    graph = Store.open(store).graph
    return {
        (graph.label_in(e.source, "en"), e.relation, graph.label_in(e.target, "en")): e.confidence
        for e in graph.edges()
    }


@pytest.fixture
def notes(tmp_path):
    return fixture_notes(tmp_path)


# -- reading the file -----------------------------------------------------------------
def test_every_decision_kind_reads_with_its_line():
    review = parse_review(
        "# my decisions\n"
        "- confirm: Commit uses Tree\n"
        "- reject: HEAD uses Branch\n"
        "  path: git-notes.md\n"
        "  evidence: refers to a Branch\n"
        "- retype: Tree contains Blob\n"
        "  to: USES\n"
        "- reverse: {source: Commit, type: broader, target: Object}\n"
        "- not-a-concept: true\n"
        "- merge: Logging\n"
        "  into: Packfiles\n"
        "- relabel: git log --oneline\n"
        "  to: git log\n"
        "- define: SHA-1\n"
        "  text: A 160-bit   hash.\n"
        "  lang: ko\n", "kg-review.yaml")
    got = [(d.action, d.subject, d.type, d.target, d.value, d.line) for d in review.decisions]
    assert got == [
        ("confirm", "Commit", "uses", "Tree", "", 2),
        ("reject", "HEAD", "uses", "Branch", "", 3),
        ("retype", "Tree", "contains", "Blob", "uses", 6),
        ("reverse", "Commit", "broader", "Object", "", 8),
        ("not-a-concept", "true", "", "", "", 9),
        ("merge", "Logging", "", "", "Packfiles", 10),
        ("relabel", "git log --oneline", "", "", "git log", 12),
        ("define", "SHA-1", "", "", "A 160-bit hash.", 14),
    ]
    assert review.decisions[1].path == "git-notes.md"
    assert review.decisions[1].evidence == "refers to a Branch"
    assert review.decisions[-1].lang == "ko"


@pytest.mark.parametrize(("text", "line", "says"), [
    ("- reject: Pod uses Volume\n- reject: [unclosed\n", 3, "not valid YAML"),
    ("reject: Pod uses Volume\n", 1, "must be a list of decisions"),
    ("- dismiss: Pod uses Volume\n", 1, "exactly one action"),
    ("- reject: Pod uses Volume\n  confirm: Pod uses Volume\n", 1, "both 'reject' and 'confirm'"),
    ("- retype: Pod uses Volume\n", 1, "'retype' needs 'to'"),
    ("- retype: Pod uses Volume\n  to: eats\n", 2, "'eats' is not a relation type"),
    ("- reject: Pod near Volume\n", 1, "no relation type"),
    ("- reject: Pod uses Volume\n  into: Node\n", 2, "'into' is not read by 'reject'"),
    ("- not-a-concept: ''\n", 1, "non-empty text"),
    ("- merge: Pods\n  into: pod\n", 1, "cannot be merged into itself"),
    ("- &a {reject: Pod uses Volume}\n- *a\n", 0, "alias"),
])
def test_a_bad_file_is_refused_with_its_line_and_what_is_wrong(text, line, says):
    with pytest.raises(ReviewError) as caught:
        parse_review(text, "notes/kg-review.yaml")
    assert caught.value.line == line
    assert says in caught.value.reason
    assert str(caught.value).startswith(f"notes/kg-review.yaml:{line}: " if line
                                        else "notes/kg-review.yaml: ")


def test_an_empty_or_comment_only_file_has_no_decisions():
    assert parse_review("", "r").decisions == ()
    assert parse_review("# nothing decided yet\n", "r").decisions == ()


def test_entries_written_by_kg_read_back_as_the_same_decision():
    for entry, expected in [
        (decision_entry("reject", "Pod", type="uses", target="Volume"),
         ("reject", "Pod", "Volume")),
        (decision_entry("retype", "Uses Thing", type="uses", target='A "b"', value="contains"),
         ("retype", "Uses Thing", 'A "b"')),
        (decision_entry("not-a-concept", "Files: old"), ("not-a-concept", "Files: old", "")),
    ]:
        (decision,) = parse_review(entry, "r").decisions
        assert (decision.action, decision.subject, decision.target) == expected
        assert entry.count("\n") == 1


# -- applying it ----------------------------------------------------------------------
def test_each_decision_changes_the_graph_as_it_says(notes, tmp_path):
    store = tmp_path / "store"
    ingest(notes, store)
    before = edges(store)
    assert ("HEAD", "uses", "Branch") in before and before[("Commit", "uses", "Tree")] < 1
    (notes / REVIEW_FILE).write_text(
        "- confirm: Commit uses Tree\n"
        "- reject: HEAD uses Branch\n"
        "- retype: Tree contains Blob\n  to: uses\n"
        "- not-a-concept: true\n"
        "- merge: Logging\n  into: Packfiles\n"
        "- relabel: git log --oneline\n  to: git log\n"
        "- define: SHA-1\n  text: A 160-bit hash.\n")
    corpus = ingest(notes, store)
    after = edges(store)
    assert after[("Commit", "uses", "Tree")] == 1.0
    assert ("HEAD", "uses", "Branch") not in after
    assert ("Tree", "uses", "Blob") in after and ("Tree", "contains", "Blob") not in after
    graph = Store.open(store).graph
    assert graph.resolve("true") is None  # never a node; the note's text is unchanged
    assert "true" in (notes / "git-notes.md").read_text()
    packfiles = graph.concept(graph.resolve("Packfiles"))
    assert "Logging" in packfiles["altLabels"] and graph.resolve("Logging") == packfiles["id"]
    relabelled = graph.concept(graph.resolve("git log --oneline"))
    assert relabelled["label"] == "git log" and "git log --oneline" in relabelled["altLabels"]
    assert graph.concept(graph.resolve("SHA-1"))["definition"]["text"] == "A 160-bit hash."
    nquads = (current_build(store) / "graph.nq").read_text()
    assert "A 160-bit hash." in nquads and "HEAD" in nquads
    assert '"true"@en' not in nquads
    search = Store.open(store).index.search("160-bit", limit=5)
    assert search["total"] >= 1
    # the rejected relation is still written in the note: reported there, for the author
    (stated,) = [f for f in corpus.findings if f.kind == "rejected-still-stated"]
    assert (stated.path, stated.line, stated.severity) == ("git-notes.md", 19, "warning")
    assert not [f for f in corpus.findings if f.kind == "stale-decision"]


def test_a_decision_whose_target_is_gone_is_reported_not_dropped(notes, tmp_path):
    (notes / REVIEW_FILE).write_text(
        "# kept\n- reject: Pod uses Volume\n- confirm: Commit uses Tree\n  path: other.md\n"
        "- not-a-concept: Kubelet\n")
    corpus = ingest(notes, tmp_path / "store")
    stale = [(f.kind, f.severity, f.line, f.path) for f in corpus.findings
             if f.kind == "stale-decision"]
    review = str(notes / REVIEW_FILE)
    assert stale == [("stale-decision", "warning", line, review) for line in (5, 2, 3)]
    assert all(f.hint for f in corpus.findings)


def test_a_reading_can_be_pinned_by_its_evidence(notes_corpus):
    import copy

    corpus = copy.deepcopy(notes_corpus)
    relation = next(r for r in corpus.relations if r.type not in ("related",))
    labels = {cid: c.label for cid, c in corpus.concepts.items()}
    same = [r for r in corpus.relations if (r.source, r.type, r.target) ==
            (relation.source, relation.type, relation.target)]
    review = parse_review(decision_entry(
        "reject", labels[relation.source], type=relation.type, target=labels[relation.target],
        path=relation.evidence.path, evidence=relation.evidence.text[:30]), "r")
    apply_review(corpus, review)
    left = [r for r in corpus.relations if (r.source, r.type, r.target) ==
            (relation.source, relation.type, relation.target)]
    gone = [r for r in same if r.evidence.path == relation.evidence.path
            and relation.evidence.text[:30] in r.evidence.text]
    assert len(left) == len(same) - len(gone) and gone
    assert set(corpus.reviewed) == {relation.evidence.path}


def test_a_bad_review_file_stops_the_ingest_and_keeps_the_store(notes, tmp_path):
    from kg.cli import main

    store = tmp_path / "store"
    assert main(["ingest", str(notes), "--store", str(store), "-q"]) == 0
    build = current_build(store)
    (notes / REVIEW_FILE).write_text("- reject: Pod uses Volume\n- retype: Pod uses Volume\n")
    result = subprocess.run([sys.executable, "-m", "kg.cli", "ingest", str(notes), "--store",
                             str(store), "-q"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip() == f"kg: {notes / REVIEW_FILE}:2: 'retype' needs 'to' " \
        "(a relation type: " + ", ".join(__import__("ingest.relation_types").relation_types.RELATION_TYPES) + ")"
    assert current_build(store) == build


def test_review_flag_and_env_name_a_file_elsewhere(notes, tmp_path, monkeypatch):
    elsewhere = tmp_path / "decisions.yaml"
    elsewhere.write_text("- reject: HEAD uses Branch\n")
    ingest(notes, tmp_path / "a", review=elsewhere)
    assert ("HEAD", "uses", "Branch") not in edges(tmp_path / "a")
    monkeypatch.setenv("KG_REVIEW", str(elsewhere))
    ingest(notes, tmp_path / "b")
    assert ("HEAD", "uses", "Branch") not in edges(tmp_path / "b")


# -- incremental --------------------------------------------------------------------------
def test_a_review_change_rebuilds_only_the_notes_it_touches(notes, tmp_path, monkeypatch):
    (notes / "extra.md").write_text("# Packfile\n\nA Packfile bundles Objects.\n")
    incremental = tmp_path / "incremental"
    ingest(notes, incremental)
    (notes / REVIEW_FILE).write_text("# what I decided\n- reject: HEAD uses Branch\n"
                                     "- confirm: Commit uses Tree\n")
    corpus = ingest(notes, incremental)
    assert set(corpus.reviewed) == {"git-notes.md"}
    # writing the N-Quads again from the build before: only git-notes.md's graph is made
    written = []
    real = rdf._GraphWriter.note
    monkeypatch.setattr(rdf._GraphWriter, "note",
                        lambda self, note: written.append(note.path) or real(self, note))
    previous = tmp_path / "previous.nq"
    (notes / REVIEW_FILE).rename(tmp_path / "aside.yaml")  # the corpus the build before had
    plain = ingest(notes, tmp_path / "plain")
    rdf.write_corpus_nquads(plain, "http://127.0.0.1:8000/", previous)
    written.clear()
    rdf.write_corpus_nquads(corpus, "http://127.0.0.1:8000/", tmp_path / "again.nq", previous)
    assert written == ["git-notes.md"]
    (tmp_path / "aside.yaml").rename(notes / REVIEW_FILE)

    monkeypatch.undo()
    full = tmp_path / "full"
    ingest(notes, full)
    assert_same_build(incremental, full)
    # and back: the decision removed, the incremental build equals a full one again
    (notes / REVIEW_FILE).write_text("# what I decided\n- confirm: Commit uses Tree\n")
    ingest(notes, incremental)
    full_again = tmp_path / "full-again"
    ingest(notes, full_again)
    assert_same_build(incremental, full_again)
    assert ("HEAD", "uses", "Branch") in edges(incremental)
    # concept decisions too
    (notes / REVIEW_FILE).write_text("- not-a-concept: true\n- merge: Logging\n  into: Packfiles\n"
                                     "- define: SHA-1\n  text: A 160-bit hash.\n"
                                     "- relabel: git log --oneline\n  to: git log\n")
    ingest(notes, incremental)
    full_concepts = tmp_path / "full-concepts"
    ingest(notes, full_concepts)
    assert_same_build(incremental, full_concepts)


def test_the_review_file_is_part_of_the_inputs(notes, tmp_path):
    store = tmp_path / "store"
    ingest(notes, store)
    assert ingest(notes, store) is None  # nothing changed
    (notes / REVIEW_FILE).write_text("- reject: HEAD uses Branch\n")
    assert ingest(notes, store) is not None
    assert ingest(notes, store) is None


# -- kg review ---------------------------------------------------------------------------
def kg(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=180)


def test_review_list_prints_the_queue_least_confident_first(notes, tmp_path):
    store = tmp_path / "store"
    ingest(notes, store)
    result = kg("review", "--list", "--json", "--limit", "50", "--store", str(store))
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    queue = body["queue"]
    assert body["review"] == str(notes.absolute() / REVIEW_FILE)
    assert 0 < len(queue) <= 50
    for kind in ("relation", "concept"):  # each kind least confident first, in turns
        confidences = [item["confidence"] for item in queue if item["kind"] == kind]
        assert confidences == sorted(confidences) and confidences
    assert [i["kind"] for i in queue[:4]] == ["relation", "concept"] * 2
    relation = next(i for i in queue if i["kind"] == "relation")
    assert set(relation) >= {"source", "type", "target", "confidence", "evidence"}
    assert relation["evidence"]["path"] == "git-notes.md"
    assert any(i["kind"] == "concept" for i in queue)
    text = kg("review", "--list", "--limit", "3", "--store", str(store))
    assert len([line for line in text.stdout.splitlines() if line[:4].strip().endswith(".")]) == 3


def test_review_walks_the_queue_with_one_key_each(notes, tmp_path):
    store = tmp_path / "store"
    ingest(notes, store)
    review = notes / REVIEW_FILE
    review.write_text("# my decisions: kept as I wrote them\n- confirm: Commit uses Tree  # sure\n")
    queue = json.loads(kg("review", "--list", "--json", "--store", str(store)).stdout)["queue"]
    # the queue takes relations and concepts in turns: reject, not a concept, retype, skip
    assert [item["kind"] for item in queue[:4]] == ["relation", "concept"] * 2
    retyped = "runsOn" if queue[2]["type"] != "runsOn" else "contains"
    keys = ["r", "r", "t", retyped.lower(), "x", "q"]
    result = kg("review", "--store", str(store), stdin="\n".join(keys) + "\n")
    assert result.returncode == 0, result.stderr
    text = review.read_text()
    assert text.startswith("# my decisions: kept as I wrote them\n"
                           "- confirm: Commit uses Tree  # sure\n")
    decisions = parse_review(text, "r").decisions
    assert [d.action for d in decisions] == ["confirm", "reject", "not-a-concept", "retype"]
    assert (decisions[1].subject, decisions[1].type, decisions[1].target) == (
        queue[0]["source"], queue[0]["type"], queue[0]["target"])
    assert decisions[2].subject == queue[1]["label"]
    assert (decisions[3].subject, decisions[3].value) == (queue[2]["source"], retyped)
    assert "'x' decides nothing here" in result.stdout
    first = queue[0]
    assert "built" in result.stdout
    # the decisions are in the new build: the first item is gone from the queue
    after = json.loads(kg("review", "--list", "--json", "--store", str(store)).stdout)["queue"]
    assert first not in after


def test_review_quits_on_q_and_on_end_of_input_writing_nothing(notes, tmp_path):
    store = tmp_path / "store"
    ingest(notes, store)
    for stdin in ("q\n", ""):
        result = kg("review", "--store", str(store), stdin=stdin)
        assert result.returncode == 0
        assert "no decisions written" in result.stdout
    assert not (notes / REVIEW_FILE).exists()
