"""Whoosh is the index of record: its postings answer the fast path, its own searcher
ranks the same, its query syntax is offered, and we use only its public API."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from whoosh.index import open_dir

from search import SearchIndex
from search.index import QuerySyntaxError
from search.query import parse
from search.scoring import TermScores
from search.whoosh_query import to_whoosh
from tests.conftest import FIXTURES, kg_command, needs_shared
from tests.test_search import NETWORK, corpus, ids

REPO = Path(__file__).resolve().parent.parent
K8S_DOCS = REPO.parent / "shared" / "corpora" / "k8s-docs"
QUERIES = ["pod", "replica set", "replicaset", "svc", "rs", "deploymnet", "statefullset",
           "restart only on failure", '"rolling update"', "node selector", "nodeSelector",
           "pods", "파드", "스토리지 pod", "dns cluster", "replic", "k", "stable storage pods",
           '"stable storage" pod', "the", "kubectl rollout", "selector labels nodes"]


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    notes, concepts = corpus()
    return SearchIndex.in_memory(notes, concepts)


# -- the public API only, no pickle of ours -----------------------------------------------

PRODUCT = ["api", "bench", "eval", "graph", "ingest", "kg", "search"]
# Whoosh's internals the old store writer reached into, by name.
INTERNALS = re.compile(r"perdocwriter|\bpool\.add|\.docnum\s*=|_get_column|_compress\b|"
                       r"per_document_reader|\.codec\(\)|whoosh\.(codec|filedb\.filewriting|"
                       r"columns|matching\.mcore)|from whoosh[\w.]* import _")


def _product_files() -> list[Path]:
    return [p for package in PRODUCT for p in sorted((REPO / package).rglob("*.py"))]


def test_no_whoosh_internals_in_the_product_code():
    found = []
    for path in _product_files():
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(REPO)}: {m.group(0)}" for m in INTERNALS.finditer(text)]
        if "whoosh" in text:  # a private attribute of anything but our own objects
            found += [f"{path.relative_to(REPO)}: {m.group(0)}"
                      for m in re.finditer(r"\b(?!self\b|cls\b|os\b)\w+\._\w+", text)]
    assert found == []


def test_no_pickle_in_the_search_code():
    assert [p for p in (REPO / "search").rglob("*.py") if "pickle" in p.read_text()] == []


def test_the_index_folder_holds_whooshs_files_and_our_json(tmp_path):
    notes, concepts = corpus()
    SearchIndex.build(tmp_path / "ix", notes, concepts).close()
    ours = [p for p in (tmp_path / "ix").iterdir() if p.name.startswith("kg-")]
    segments = [p.stem for p in (tmp_path / "ix").glob("*.seg")]
    assert len(segments) == 1
    assert {p.name for p in ours} == {
        "kg-search.json", "kg-synonyms.json", "kg-vocabulary.json",
        "kg-scores.json", "kg-scores.bin",  # the score table, and the segment's postings:
        f"kg-postings-{segments[0]}.json", f"kg-postings-{segments[0]}.bin"}
    for p in ours:
        if p.suffix == ".json":
            assert isinstance(json.loads(p.read_text(encoding="utf-8")), dict)
    # The score table's bytes are two arrays whose sizes its JSON header gives.
    header = json.loads((tmp_path / "ix" / "kg-scores.json").read_text())
    assert (tmp_path / "ix" / "kg-scores.bin").stat().st_size == header["postings"] * (4 + 8)
    whooshs = {p.suffix or p.name for p in (tmp_path / "ix").iterdir() if p not in ours}
    assert whooshs <= {".seg", ".toc", "MAIN_WRITELOCK"}  # segments, table of contents


def test_the_text_fields_are_whoosh_postings_with_positions(tmp_path):
    notes, concepts = corpus()
    SearchIndex.build(tmp_path / "ix", notes, concepts).close()
    with open_dir(str(tmp_path / "ix")).searcher() as searcher:
        reader = searcher.reader()
        assert reader.doc_frequency("body", "pod") > 3  # stemmed: "Pods" counts
        assert reader.doc_frequency("title", "replicaset") == 2  # section and concept
        assert reader.doc_frequency("labels", "svc") >= 1
        assert reader.doc_frequency("tag", "network") == 5  # 3 sections, Service, kubectl
        from whoosh.query import Phrase
        found = {searcher.stored_fields(d)["id"] for d in
                 searcher.docs_for_query(Phrase("body", ["restart", "on", "failur"]))}
        assert "k8s/workloads.md#specrestartpolicy" in found


def test_a_stale_vocabulary_file_is_counted_again(tmp_path):
    notes, concepts = corpus()
    SearchIndex.build(tmp_path / "ix", notes, concepts).close()
    (tmp_path / "ix" / "kg-vocabulary.json").write_text('{"version": 99, "counts": []}')
    reopened = SearchIndex.open(tmp_path / "ix")
    assert reopened.search("deploymnet")["results"][0]["title"] == "3. Deployment"
    reopened.close()


# -- the score table is derived from Whoosh's postings ------------------------------------


def test_the_score_table_equals_scores_read_from_whooshs_postings(tmp_path):
    notes, concepts = corpus()
    SearchIndex.build(tmp_path / "ix", notes, concepts).close()
    index = SearchIndex.open(tmp_path / "ix")
    view = index._current()
    table = view.term_scores.table
    assert table is not None and len(table.terms) > 100
    fallback = TermScores(view.stats)  # no table: Whoosh's matchers, term by term
    for term in [*table.terms, "nosuchterm"]:
        assert table.get(term) == fallback(term)
    index.close()


@pytest.mark.parametrize("damage", ["stale", "truncated", "garbage"])
def test_a_score_table_that_does_not_fit_is_not_used(tmp_path, damage):
    notes, concepts = corpus()
    SearchIndex.build(tmp_path / "ix", notes, concepts).close()
    header, data = tmp_path / "ix" / "kg-scores.json", tmp_path / "ix" / "kg-scores.bin"
    if damage == "stale":
        header.write_text(header.read_text().replace('"generation":1', '"generation":0'))
    elif damage == "truncated":
        data.write_bytes(data.read_bytes()[:-8])
    else:
        header.write_text("{not json")
    index = SearchIndex.open(tmp_path / "ix")
    assert index._current().term_scores.table is None
    assert ids(index.search("svc")) == ids(SearchIndex.in_memory(notes, concepts).search("svc"))
    index.close()


# -- the fast path ranks as Whoosh's searcher does ----------------------------------------


def _same_ranking(view, text: str) -> None:
    """Each query a plan runs (all words, any word) scores every document alike through
    the fast path and through Whoosh's searcher.search() with the same model."""
    plan, _ = view.plan(parse(text))
    for node in (plan.and_query, plan.or_query):
        if node is None:
            continue
        fast = view.evaluate(node)
        slow = view.whoosh_search(to_whoosh(node), None)
        assert fast.keys() == slow.keys(), text
        for d, score in slow.items():
            assert fast[d] == pytest.approx(score, rel=1e-9), text


@pytest.mark.parametrize("q", QUERIES)
def test_fast_path_equals_whooshs_searcher(index, q):
    _same_ranking(index._current(), q)


def test_fast_path_equals_whooshs_searcher_on_the_bench_queries(tmp_path):
    """The top 10 of every bench query (328, k8s-docs) by Whoosh's own searcher, for the
    queries a search runs: all words, and any word when all words find nothing."""
    needs_shared(K8S_DOCS)
    from ingest.pipeline import ingest_paths
    from ingest.vocabulary import load_vocabulary

    queries = json.loads((REPO / "bench" / "queries-k8s-docs.json").read_text())["queries"]
    built = ingest_paths([K8S_DOCS], load_vocabulary(), workers=1)
    index = SearchIndex.build(tmp_path / "ix", built.notes, built.concepts)
    view = index._current()
    compared = 0
    for item in queries:
        plan, _ = view.plan(parse(item["q"]))
        for node in (plan.and_query, plan.or_query):
            if node is None:
                continue
            fast = view.evaluate(node)
            top = sorted(fast.items(), key=lambda kv: -kv[1])[:10]
            hits = view.searcher.search(to_whoosh(node), limit=10)
            slow = [(hit.docnum, hit.score) for hit in hits]
            # Same scores rank by rank; a document Whoosh ranks has the same score here
            # (ties aside: equal scores may come in another order).
            assert [s for _, s in slow] == pytest.approx([s for _, s in top], rel=1e-9)
            assert all(fast[d] == pytest.approx(s, rel=1e-9) for d, s in slow), item["q"]
            compared += 1
            if fast:
                break  # all words found something: a search does not run any word
    index.close()
    assert compared >= len(queries)


# -- Whoosh's query syntax ------------------------------------------------------------------


def test_syntax_whoosh_fields_and_operators(index):
    found = index.search("title:service", syntax="whoosh")
    assert ids(found) and all("service" in r["title"].lower() for r in found["results"])
    sections = index.search("kind:section AND pod NOT body:stable", syntax="whoosh")
    assert sections["total"] > 0
    assert all(r["kind"] == "section" for r in sections["results"])
    assert all("stable" not in r["snippet"].lower() for r in sections["results"])
    assert ids(index.search("tag:network AND kind:section", syntax="whoosh", limit=100)) \
        == ids(index.search("kind:section", syntax="whoosh", limit=100,
                            filters={"tag": "network"}))
    assert {r["path"] for r in index.search(f"path:{NETWORK}", syntax="whoosh",
                                            limit=100)["results"]} == {NETWORK}
    assert "statefulset" in ids(index.search("concept:pvc AND kind:concept OR "
                                             "concept:statefulset", syntax="whoosh"))


def test_syntax_whoosh_phrases_and_highlights(index):
    found = index.search('body:"restart only on failure"', syntax="whoosh")
    # The section, and the concept whose definition quotes it.
    assert set(ids(found)) == {"k8s/workloads.md#specrestartpolicy", "onfailure"}
    assert all("<mark>failure</mark>" in r["snippet"] for r in found["results"])
    assert index.search('body:"failure only restart"', syntax="whoosh")["total"] == 0


def test_plain_text_is_the_default(index):
    assert index.search("title:service")["query"] == "title:service"
    assert ids(index.search("svc")) == ids(index.search("svc", syntax="plain"))


@pytest.mark.parametrize("q", ["title:(probe", 'body:"liveness', "nofield:x", "a OR b)"])
def test_syntax_errors_are_reported(index, q):
    with pytest.raises(QuerySyntaxError):
        index.search(q, syntax="whoosh")


def test_api_syntax_whoosh(client):
    ok = client.get("/api/search", query_string={"q": "title:pod AND kind:section",
                                                 "syntax": "whoosh"})
    assert ok.status_code == 200
    body = ok.get_json()
    assert body["total"] > 0 and all(r["kind"] == "section" for r in body["results"])
    bad = client.get("/api/search", query_string={"q": "title:(pod", "syntax": "whoosh"})
    assert bad.status_code == 400
    assert bad.get_json()["error"]["code"] == "invalid_query"
    assert "parenthes" in bad.get_json()["error"]["message"]
    unknown = client.get("/api/search", query_string={"q": "pod", "syntax": "lucene"})
    assert unknown.status_code == 400


def test_cli_syntax_whoosh(tmp_path):
    store = tmp_path / "store"

    def kg(*args):
        return subprocess.run([*kg_command(), *map(str, args)], capture_output=True,
                              text=True, timeout=300, check=False)

    assert kg("ingest", FIXTURES / "outline", "--store", store).returncode == 0
    found = kg("search", "kind:concept", "--syntax", "whoosh", "--store", store, "--json")
    assert found.returncode == 0
    results = json.loads(found.stdout)["results"]
    assert results and all(r["kind"] == "concept" for r in results)
    bad = kg("search", "title:(pod", "--syntax", "whoosh", "--store", store)
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "parenthes" in bad.stderr
