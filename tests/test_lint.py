"""``kg lint`` and ``GET /api/lint``: what the notes are missing, each finding with its
note, line and fix. Our fixture notes (tests/fixtures/lint) hold one of each kind lint
reads off a store; a hand-built corpus carries the kinds ingest records."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from service.lint import store_findings
from graph.concept_graph import ConceptGraph
from graph.lint import FINDINGS_FILE, KINDS, SEVERITIES, lint
from ingest.model import Block, Concept, Corpus, Finding, Note, Section
from ingest.pipeline import ingest_paths
from kg.settings import REPO_ROOT
from kg.store import Store, build_store, note_record

from .conftest import BASE_URI, FIXTURES, K8S_DOCS, build, kg_command, make_client, needs_shared
from .test_openapi import validate_response

LINT_NOTES = FIXTURES / "lint"


def kg(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*kg_command(), *map(str, args)], capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def lint_store(tmp_path_factory, vocabulary) -> Store:
    return build([LINT_NOTES], tmp_path_factory.mktemp("lint") / "store", vocabulary)[1]


@pytest.fixture(scope="module")
def warnings_only_store(tmp_path_factory, vocabulary) -> Store:
    """The fixture notes without brewing.md, which holds the one error (the cycle)."""
    notes = tmp_path_factory.mktemp("lint-notes")
    for name in ("bottling.md", "scratch.md", "gardening.txt"):
        shutil.copy(LINT_NOTES / name, notes / name)
    return build([notes], tmp_path_factory.mktemp("lint-warnings") / "store", vocabulary)[1]


def _summary(findings) -> list[tuple[str, str, str, str, int]]:
    return [(f.kind, f.severity, f.subject, f.path, f.line) for f in findings]


# -- what lint finds ---------------------------------------------------------------------
def test_the_fixture_notes_give_one_finding_of_each_kind_where_the_author_wrote_it(lint_store):
    assert _summary(store_findings(lint_store)) == [
        # Vessel → Fermenter is the edge the graph leaves out: lint points at it
        ("broader-cycle", "error", "Vessel", "brewing.md", 20),
        # WABL is written beside “Write-Ahead Brewing Log” (line 26) and never tied to it
        ("duplicate-concept", "warning", "WABL", "brewing.md", 26),
        ("empty-note", "warning", "scratch.md", "scratch.md", 1),
        # its concepts, Trellis and Twine, appear in no other note (an outline note)
        ("orphan-note", "warning", "gardening.txt", "gardening.txt", 1),
        # HopSpider is named (line 22), never said what it is
        ("undefined-concept", "info", "HopSpider", "brewing.md", 22),
        # defined, each by its term item or lead sentence, and only co-mentioned since
        ("unlinked-concept", "info", "Capper", "bottling.md", 9),
        ("unlinked-concept", "info", "Write-Ahead Brewing Log", "brewing.md", 26),
        ("unlinked-concept", "info", "WABL", "brewing.md", 30),
    ]


def test_a_broader_cycle_is_reported_once_with_every_evidence_line(lint_store):
    cycles = [f for f in store_findings(lint_store) if f.kind == "broader-cycle"]
    assert len(cycles) == 1
    assert "Vessel → Fermenter → Vessel" in cycles[0].message
    assert "brewing.md:20" in cycles[0].message and "brewing.md:18" in cycles[0].message
    assert "Vessel is a kind of Fermenter" in cycles[0].hint


def test_every_finding_says_how_to_fix_it(lint_store):
    findings = store_findings(lint_store)
    assert all(f.hint and f.message and f.line >= 1 for f in findings)
    assert {f.kind for f in findings} == set(KINDS) - {
        "dangling-link", "stale-decision", "rejected-still-stated"}  # ingest's own kinds


def _corpus(findings: list[Finding], concepts: list[Concept]) -> Corpus:
    """One note naming ``concepts`` in one section, with ``findings`` as ingest left them."""
    section = Section("tools", "Tools", 1, ("Tools",), 1, 3,
                      [Block("paragraph", "Tools, HPA and WAL.", 2, 2)],
                      concept=concepts[0].id, concepts=[c.id for c in concepts])
    note = Note("tools.md", "Tools", [section], digest="d", lines=3)
    for concept in concepts:
        concept.sections.append(("tools.md", "tools"))
    return Corpus(notes=[note], concepts={c.id: c for c in concepts}, findings=findings)


INGEST_FINDINGS = [
    Finding("dangling-link", "error", "Nowhere", "tools.md", 2, "[[Nowhere]] names nothing",
            "define Nowhere or fix the link"),
    Finding("stale-decision", "warning", "Gone", "kg-review.yaml", 7,
            "the decision on Gone has no target", "remove it"),
    # ingest may rate one finding lower than its kind: its rating stands
    Finding("dangling-link", "warning", "Team A", "tools.md", 3, "owner:: Team A names "
            "nothing", "define Team A"),
    Finding("rejected-still-stated", "warning", "Pod", "tools.md", 2,
            "Pod uses Node was rejected but is still stated", "reword the sentence"),
]


def test_ingest_findings_are_kept_in_the_build_and_reported(tmp_path):
    corpus = _corpus(list(INGEST_FINDINGS), [Concept("tools", "Tools")])
    build_store(tmp_path / "store", corpus, base_uri=BASE_URI)
    store = Store.open(tmp_path / "store")
    assert store.findings() == INGEST_FINDINGS
    reported = [f for f in store_findings(store) if f.kind in {
        "dangling-link", "stale-decision", "rejected-still-stated"}]
    assert _summary(reported) == [
        ("dangling-link", "error", "Nowhere", "tools.md", 2),
        ("dangling-link", "warning", "Team A", "tools.md", 3),
        ("rejected-still-stated", "warning", "Pod", "tools.md", 2),
        ("stale-decision", "warning", "Gone", "kg-review.yaml", 7),
    ]
    result = kg("lint", "--store", tmp_path / "store")
    assert result.returncode == 1
    assert "tools.md:2: dangling-link: [[Nowhere]] names nothing (define Nowhere or fix the " \
           "link)" in result.stdout.splitlines()


def test_two_concepts_sharing_a_name_are_one_concept_under_two_labels():
    """A label that is another concept's alias, or the abbreviation in parentheses of
    another's label: the concept whose label is only that name is the alias candidate."""
    corpus = _corpus([], [Concept("hpa", "HPA"),
                          Concept("horizontalpodautoscaler", "Horizontal Pod Autoscaler",
                                  alt_labels={"HPA"}),
                          Concept("wal", "WAL"), Concept("wal-log", "Write-Ahead Log (WAL)")])
    graph = ConceptGraph.from_corpus(corpus, BASE_URI)
    duplicates = [f for f in lint(graph, map(note_record, corpus.notes), [])
                  if f.kind == "duplicate-concept"]
    assert [(f.subject, f.message, f.hint) for f in duplicates] == [
        ("HPA", "HPA and Horizontal Pod Autoscaler look like one concept: both are named “hpa”",
         "merge them in the review file, making “HPA” an alias of “Horizontal Pod "
         "Autoscaler”, or rename one if they differ"),
        ("WAL", "WAL and Write-Ahead Log (WAL) look like one concept: both are named “wal”",
         "merge them in the review file, making “WAL” an alias of “Write-Ahead Log (WAL)”, or "
         "rename one if they differ"),
    ]
    assert duplicates[0].line == 2  # the line that writes “HPA”, under the heading on 1


# -- the build keeps them ----------------------------------------------------------------
def test_a_damaged_findings_file_is_a_one_line_error_and_exit_2(tmp_path, vocabulary):
    store = build([LINT_NOTES / "scratch.md"], tmp_path / "store", vocabulary)[1]
    (store.build / FINDINGS_FILE).write_text('{"version": 1, "findings": [{"kind": 3}]}')
    result = kg("lint", "--store", store.root)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("kg: the findings of store build ")
    assert len(result.stderr.splitlines()) == 1
    answer = make_client(Store.open(store.root)).get("/api/lint")
    assert answer.status_code == 503 and answer.get_json()["error"]["code"] == "store_unreadable"


def test_a_build_made_before_lint_says_to_ingest_again(tmp_path, vocabulary):
    store = build([LINT_NOTES / "scratch.md"], tmp_path / "store", vocabulary)[1]
    (store.build / FINDINGS_FILE).unlink()
    result = kg("lint", "--store", store.root)
    assert result.returncode == 2 and "run kg ingest again" in result.stderr


def test_lint_never_lints_an_older_build_in_place_of_a_damaged_current_one(tmp_path,
                                                                          vocabulary):
    build([LINT_NOTES / "scratch.md"], tmp_path / "store", vocabulary)
    current = build([LINT_NOTES / "bottling.md"], tmp_path / "store", vocabulary)[1].build
    (current / "graph.json").write_text("{")
    result = kg("lint", "--store", tmp_path / "store")
    assert result.returncode == 2 and result.stdout == ""
    # (the older build is only tried when its name sorts first, as Store.open does)
    assert f"{current.name} is unreadable: " in result.stderr
    assert len(result.stderr.splitlines()) == 1


# -- kg lint -------------------------------------------------------------------------------
def test_kg_lint_prints_findings_grouped_by_kind_and_fails_on_errors(lint_store):
    result = kg("lint", "--store", lint_store.root)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    headings = [line for line in lines if line.endswith("):")]
    assert headings == ["broader-cycle (error, 1):", "duplicate-concept (warning, 1):",
                        "empty-note (warning, 1):", "orphan-note (warning, 1):",
                        "undefined-concept (info, 1):", "unlinked-concept (info, 3):"]
    assert "scratch.md:1: empty-note: no concept was read from this note (name what it is " \
           "about: a heading per concept, “Term: definition” items or “A … is a …” " \
           "sentences)" in lines
    assert lines[-1] == "8 findings: 1 error, 3 warnings, 4 info; 1 at --fail-on error or worse"


@pytest.mark.parametrize("fail_on, code", [("error", 0), ("warning", 1)])
def test_fail_on_chooses_the_severity_that_fails(warnings_only_store, fail_on, code):
    result = kg("lint", "--store", warnings_only_store.root, "--fail-on", fail_on)
    assert result.returncode == code, result.stdout + result.stderr


def test_severity_shows_only_the_more_severe_but_fails_on_all(lint_store):
    result = kg("lint", "--store", lint_store.root, "--severity", "error",
                "--fail-on", "error")
    assert result.returncode == 1
    assert [line.split(": ")[1] for line in result.stdout.splitlines() if ".md:" in line] == \
        ["broader-cycle"]
    assert "(7 not shown)" in result.stdout


def test_kg_lint_json_is_the_api_answer_with_every_finding(lint_store):
    result = kg("lint", "--store", lint_store.root, "--json")
    assert result.returncode == 1
    printed = json.loads(result.stdout)
    served = make_client(lint_store).get("/api/lint?limit=1000").get_json()
    assert printed["findings"] == served["findings"] and printed["total"] == 8
    assert printed["counts"] == served["counts"] == {
        "broader-cycle": 1, "duplicate-concept": 1, "empty-note": 1, "orphan-note": 1,
        "undefined-concept": 1, "unlinked-concept": 3}


@pytest.mark.parametrize("args", [["--fail-on", "info"], ["--fail-on"], ["--severity", "x"]])
def test_bad_usage_exits_2(lint_store, args):
    assert kg("lint", "--store", lint_store.root, *args).returncode == 2


def test_no_store_is_a_one_line_reason_and_exit_2(tmp_path):
    result = kg("lint", "--store", tmp_path / "none")
    assert result.returncode == 2
    assert result.stderr == (f"kg: no store at {tmp_path / 'none'}: build it with "
                             f"`kg ingest NOTES --store {tmp_path / 'none'}`\n")


# -- GET /api/lint -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def lint_client(lint_store):
    return make_client(lint_store)


def test_api_lint_answers_findings_with_counts(lint_client):
    body = lint_client.get("/api/lint").get_json()
    assert body["total"] == 8 and body["offset"] == 0 and body["limit"] == 100
    assert body["severities"] == {"error": 1, "warning": 3, "info": 4}
    assert body["findings"][0] == {
        "kind": "broader-cycle", "severity": "error", "subject": "Vessel", "path": "brewing.md",
        "line": 20, "message": body["findings"][0]["message"],
        "hint": body["findings"][0]["hint"]}


def test_api_lint_filters_by_kind_and_minimum_severity(lint_client):
    kinds = lint_client.get("/api/lint?kind=orphan-note,empty-note").get_json()
    assert [f["kind"] for f in kinds["findings"]] == ["empty-note", "orphan-note"]
    assert kinds["total"] == 2 and kinds["counts"]["unlinked-concept"] == 3  # counts: all
    warnings = lint_client.get("/api/lint?severity=warning").get_json()
    assert {f["severity"] for f in warnings["findings"]} == {"error", "warning"}
    assert warnings["total"] == 4


def test_api_lint_pages(lint_client):
    every = lint_client.get("/api/lint").get_json()["findings"]
    pages = [lint_client.get(f"/api/lint?limit=3&offset={offset}").get_json()["findings"]
             for offset in (0, 3, 6)]
    assert [len(page) for page in pages] == [3, 3, 2]
    assert sum(pages, []) == every


@pytest.mark.parametrize("query", ["kind=nonsense", "severity=fatal", "limit=0", "limit=x",
                                   "offset=-1", "limit=1001"])
def test_api_lint_refuses_bad_parameters_with_400(lint_client, query):
    answer = lint_client.get(f"/api/lint?{query}")
    assert answer.status_code == 400
    assert set(answer.get_json()["error"]) == {"code", "message"}


def test_api_lint_is_computed_once_per_build(lint_store, monkeypatch):
    import service.lint

    calls = []
    monkeypatch.setattr(service.lint, "lint", lambda *args: calls.append(args) or [])
    client = make_client(Store.open(lint_store.root))  # a build opened afresh
    for _ in range(3):
        assert client.get("/api/lint").status_code == 200
    assert len(calls) == 1


def test_api_lint_answers_as_documented(lint_client):
    doc = lint_client.get("/openapi.json").get_json()
    for query, status in (("", 200), ("?kind=orphan-note&severity=warning", 200),
                          ("?severity=x", 400)):
        validate_response(doc, "/api/lint", lint_client.get(f"/api/lint{query}"))
        assert lint_client.get(f"/api/lint{query}").status_code == status


# -- the README ----------------------------------------------------------------------------
def test_the_readme_lists_every_kind_with_its_severity():
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("### kg lint", 1)[1].split("\n## ", 1)[0]
    rows = {cells[1].strip("` "): cells[2].strip() for cells in
            (line.split("|") for line in section.splitlines() if line.startswith("| `"))}
    assert rows == {kind: spec.severity for kind, spec in KINDS.items()}
    assert set(SEVERITIES) == {spec.severity for spec in KINDS.values()}


# -- the Kubernetes docs -------------------------------------------------------------------
@pytest.mark.corpus
def test_lint_on_the_kubernetes_docs(k8s_docs_store):
    findings = store_findings(k8s_docs_store)
    kinds = {f.kind for f in findings}
    assert {"undefined-concept", "unlinked-concept", "empty-note", "orphan-note"} <= kinds
    # The glossary entry “Reviewer” is read nowhere else; section pages hold only front matter.
    assert ("orphan-note", "reference/glossary/reviewer.md") in {
        (f.kind, f.subject) for f in findings}
    assert ("empty-note", "concepts/configuration/_index.md") in {
        (f.kind, f.subject) for f in findings}
    # Today's extraction reads no skos:broader cycle in the docs (the gateway-api ⇄
    # resource-model one went with the precision work of issue 12): nothing fails CI.
    assert [f for f in findings if f.severity == "error"] == []


@pytest.mark.corpus
def test_a_note_contradicting_the_kubernetes_docs_closes_a_broader_cycle(tmp_path, vocabulary):
    """The docs say “Gateway API is an add-on” (services-networking/_index.md:58); a note
    of ours says add-ons are a kind of Gateway API: one cycle, both lines as evidence."""
    docs = needs_shared(K8S_DOCS) / "concepts" / "services-networking"
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "add-ons.md").write_text("# Add-ons\n\nAdd-ons are a kind of Gateway API.\n")
    build_store(tmp_path / "store", ingest_paths([docs, notes], vocabulary), base_uri=BASE_URI)
    cycles = [f for f in store_findings(Store.open(tmp_path / "store"))
              if f.kind == "broader-cycle"]
    assert len(cycles) == 1
    assert "Gateway API → Add-ons → Gateway API" in cycles[0].message
    assert "_index.md:58" in cycles[0].message and "add-ons.md:3" in cycles[0].message


def test_a_note_another_note_links_to_is_no_orphan(tmp_path, vocabulary):
    """gardening.txt shares no concept with the other notes, but once a note links to it
    (a markdown link to its path, or a wikilink to its name) it is part of the notes."""
    for link in ("[the allotment](gardening.txt)", "[[gardening]]"):
        notes = tmp_path / link.strip("[]()").replace(" ", "-").replace(".", "-")
        notes.mkdir()
        shutil.copy(LINT_NOTES / "gardening.txt", notes / "gardening.txt")
        shutil.copy(LINT_NOTES / "bottling.md", notes / "bottling.md")
        (notes / "bottling.md").write_text((LINT_NOTES / "bottling.md").read_text()
                                           + f"\nSee also {link}.\n")
        store = build([notes], tmp_path / f"{notes.name}-store", vocabulary)[1]
        found = {(f.kind, f.path) for f in lint(store.graph, store.notes(), store.findings())}
        assert ("orphan-note", "gardening.txt") not in found, link
