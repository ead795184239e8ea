"""Korean notes (issue #8): particles, concept resolution, relations, localized labels."""

from __future__ import annotations

import pytest

from ingest.concepts import heading_labels
from ingest.patterns import korean_relation
from search import korean
from search.analysis import main_term, split_word

from .conftest import K8S_DOCS_KO, build, needs_shared


@pytest.mark.parametrize("word", ["파드를", "파드는", "파드의", "파드"])
def test_particles_are_split_from_nouns(word):
    assert "파드" in {t for t, _ in split_word(word)}


def test_particle_glued_to_english_word_is_dropped():
    assert split_word("Deployment는") == (("deployment", 0),)
    assert main_term("Deployments를") == main_term("Deployments")


@pytest.mark.parametrize("query", ["파드를", "파드는", "파드의"])
def test_search_with_particles_finds_the_pod_section(client, query):
    ids = [r["id"] for r in client.get("/api/search", query_string={"q": query}).json["results"]]
    assert "ko/pods-and-controllers.md#파드" in ids[:5]


def test_korean_query_finds_deployment_concept_and_sections(client):
    body = client.get("/api/search", query_string={"q": "디플로이먼트"}).json
    ids = [r["id"] for r in body["results"]]
    assert "deployment" in ids[:3]
    assert {"ko/pods-and-controllers.md#디플로이먼트", "workloads/controllers.md#deployment"} \
        & set(ids[:5])


def test_concept_resolves_from_korean(client):
    body = client.get("/api/concepts/파드").json
    assert body["id"] == "pod"


def test_suggest_korean_prefix(client):
    ids = [s["id"] for s in client.get("/api/suggest", query_string={"q": "레플"}).json[
        "suggestions"]]
    assert "replicaset" in ids


def test_labels_in_the_language_asked_for(client):
    en = client.get("/api/concepts/pod").json
    assert en["label"] == "Pod" and "labels" not in en
    ko = client.get("/api/concepts/pod", query_string={"lang": "ko"}).json
    assert ko["label"] == "파드" and ko["labels"]["en"] == "Pod"
    header = client.get("/api/concepts/pod", headers={"Accept-Language": "ko-KR,ko;q=0.9"}).json
    assert header["label"] == "파드"
    hits = client.get("/api/search", query_string={"q": "pod", "lang": "ko",
                                                    "kind": "concept"}).json["results"]
    assert hits[0]["title"] == "파드"
    sug = client.get("/api/suggest", query_string={"q": "rep", "lang": "ko"}).json
    assert any(s["label"] == "레플리카셋" for s in sug["suggestions"])
    related = client.get("/api/concepts/deployment/related", query_string={"lang": "ko"}).json
    assert related["concept"]["label"] == "디플로이먼트"
    assert client.get("/api/concepts", query_string={"lang": "x!"}).status_code == 400


def test_bilingual_preflabel(client):
    turtle = client.get("/api/export", query_string={"format": "ntriples"}).get_data(as_text=True)
    pod = [line for line in turtle.splitlines()
           if line.split(" ", 1)[0].endswith('/pod>') and "prefLabel" in line]
    assert any('"Pod"@en' in line for line in pod) and any('"파드"@ko' in line for line in pod)


@pytest.mark.parametrize(("subject_tail", "object_tail", "relation"), [
    ("는 ", "을 관리한다.", "manages"),
    ("는 ", "를 사용한다.", "uses"),
    ("는 ", "에서 실행된다.", "runsOn"),
    ("은 ", "의 한 종류이다.", "broader"),
    ("는 ", "의 묶음이다.", "contains"),
    ("는 ", "가 실행되는 머신이다.", None),
])
def test_korean_relation_patterns(subject_tail, object_tail, relation):
    assert korean_relation(subject_tail, object_tail) == relation


def test_relations_from_korean_notes(notes_corpus):
    found = {(r.source, r.type, r.target) for r in notes_corpus.relations}
    assert {("deployment", "manages", "replicaset"), ("pod", "contains", "container"),
            ("pod", "runsOn", "node"), ("replicaset", "manages", "pod"),
            ("service", "uses", "coredns"), ("statefulset", "broader", "controller"),
            ("cronjob", "manages", "job")} <= found


def test_korean_headings():
    assert heading_labels("파드(Pod)") == ["파드", "Pod"]
    assert heading_labels("잡과 크론잡") == ["잡", "크론잡"]
    assert heading_labels("파드와 컨트롤러 정리") == []


def test_bigram_fallback():
    previous = korean.mode()
    try:
        korean.set_mode("bigram")
        assert korean.analyze("레플리카셋") == ("레플", "플리", "리카", "카셋")
    finally:
        korean.set_mode(previous)


@pytest.mark.corpus
def test_korean_docs_ingest_and_search(tmp_path, vocabulary):
    """The Korean Kubernetes docs build a store; Korean queries find the right pages."""
    corpus, store = build([needs_shared(K8S_DOCS_KO)], tmp_path / "store", vocabulary)
    assert len(corpus.notes) > 200
    for query, page in [("파드를", "pods/_index.md"), ("디플로이먼트", "deployment.md"),
                        ("스테이트풀셋", "statefulset"), ("컨피그맵", "configmap")]:
        ids = [r["id"] for r in store.index.search(query, limit=5)["results"]]
        assert any(page in i for i in ids), (query, ids)
    assert store.graph.resolve("파드") == "pod"
