"""Search behaviour, specified on a small hand-written corpus held in RAM."""

from __future__ import annotations

import re

import pytest

from ingest.model import Block, Concept, Evidence, Note, Section
from search import SearchIndex
from search.analysis import split_word
from search.spelling import allowed_typos


def _section(anchor, title, text, *, line, breadcrumb=(), concept=None, concepts=()):
    blocks = [Block("paragraph", t, line + 1 + i, line + 1 + i) for i, t in enumerate(text)]
    return Section(
        anchor=anchor, title=title, level=2, breadcrumb=tuple(breadcrumb), line=line,
        end_line=line + len(text), blocks=blocks, concept=concept, concepts=list(concepts),
    )


def _concept(cid, label, path, anchor, definition, line, alt=(), ko=None):
    return Concept(
        id=cid, label=label, alt_labels=set(alt),
        translations={"ko": ko} if ko else {},
        definition=Evidence(definition, path, line) if definition else None,
        sections=[(path, anchor)] if anchor else [],
    )


WORKLOADS = "k8s/workloads.md"
NETWORK = "k8s/network.md"
MISC = "misc/scratch.md"


def corpus() -> tuple[list[Note], dict[str, Concept]]:
    workloads = Note(
        path=WORKLOADS, title="Workloads", meta={"tags": ["k8s", "workloads"]},
        sections=[
            _section("pod", "1. Pod", [
                "A group of one or more Containers. The smallest unit of execution.",
                "Each Pod gets a unique Pod IP. Containers inside a Pod share the network.",
            ], line=1, concept="pod", concepts=["pod", "container"]),
            _section("specrestartpolicy", "spec.restartPolicy", [
                "Always: Always restart on termination (default)",
                "Never: Never restart",
                "OnFailure: Restart only on failure (no restart on normal termination)",
            ], line=10, breadcrumb=("1. Pod",), concepts=["pod", "onfailure"]),
            _section("replicaset", "2. ReplicaSet", [
                "Keeps a stable set of replica Pods running at any given time.",
                "A ReplicaSet uses a selector to find the Pods it manages.",
            ], line=20, concept="replicaset", concepts=["replicaset", "pod"]),
            _section("deployment", "3. Deployment", [
                "Manages ReplicaSets and provides declarative rolling updates for Pods.",
                "k rollout undo deployment/web rolls back to the previous revision.",
            ], line=30, concept="deployment", concepts=["deployment", "replicaset", "pod"]),
            _section("statefulset", "4. StatefulSet", [
                "Like a Deployment but Pods keep a sticky identity and stable storage.",
                "Each Pod of a StatefulSet claims a PersistentVolumeClaim from a template.",
            ], line=40, concept="statefulset", concepts=["statefulset", "pod", "pvc"]),
            _section("scheduling", "Scheduling", [
                "Use nodeSelector to pin Pods to nodes that carry matching labels.",
                "Rolling updates replace Pods a few at a time.",
            ], line=50, concepts=["pod"]),
        ],
    )
    network = Note(
        path=NETWORK, title="Network", meta={"tags": "network"},
        sections=[
            _section("service", "5. Service", [
                "A Service is a stable Endpoint in front of unstable Pods, like a reverse proxy.",
                "Run k get svc -n kube-system to see CoreDNS.",
            ], line=1, concept="service", concepts=["service", "pod"]),
            _section("node-selector", "Node selector", [
                "The node selector field constrains which nodes are eligible.",
            ], line=12),
            _section("dns", "Service DNS", [
                "myservice.default.svc.cluster.local resolves to the cluster IP.",
            ], line=20, breadcrumb=("5. Service",), concepts=["service"]),
        ],
    )
    misc = Note(
        path=MISC, title="Scratch", meta={},
        sections=[
            _section("html", "Raw HTML", [
                "Never paste <script>alert('x')</script> & friends into a page.",
            ], line=1),
            _section("korean", "쿠버네티스 메모", [
                "파드는 컨테이너의 그룹이다. 서비스는 안정적인 엔드포인트를 제공한다.",
            ], line=5),
        ],
    )
    concepts = {
        "pod": _concept("pod", "Pod", WORKLOADS, "pod", "A group of one or more Containers", 3,
                        ko="파드"),
        "replicaset": _concept("replicaset", "ReplicaSet", WORKLOADS, "replicaset",
                               "Keeps a stable set of replica Pods running", 21, alt=["rs"]),
        "deployment": _concept("deployment", "Deployment", WORKLOADS, "deployment",
                               "Manages ReplicaSets and provides declarative rolling updates", 31,
                               alt=["deploy"]),
        "statefulset": _concept("statefulset", "StatefulSet", WORKLOADS, "statefulset",
                                "Pods with a sticky identity and stable storage", 41, alt=["sts"]),
        "service": _concept("service", "Service", NETWORK, "service",
                            "A stable Endpoint in front of unstable Pods", 2, alt=["svc"]),
        "onfailure": _concept("onfailure", "OnFailure", WORKLOADS, "specrestartpolicy",
                              "Restart only on failure (no restart on normal termination)", 13),
        "kubectl": _concept("kubectl", "kubectl", NETWORK, "service", None, 0, alt=["k"]),
        "pvc": _concept("pvc", "PersistentVolumeClaim", WORKLOADS, "statefulset",
                        "A request for storage", 42, alt=["pvc", "persistent volume claim"]),
        "container": _concept("container", "Container", WORKLOADS, None, None, 0),
    }
    return [workloads, network, misc], concepts


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    notes, concepts = corpus()
    return SearchIndex.in_memory(notes, concepts)


def ids(response: dict) -> list[str]:
    return [r["id"] for r in response["results"]]


# -- analysis ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("ReplicaSet", {"replicaset", "replica", "set"}),
        ("spec.restartPolicy", {"spec.restartpolicy", "restartpolicy", "restart", "policy"}),
        ("nodeSelector", {"nodeselector", "node", "selector"}),
        ("k8s", {"k8s"}),
        ("파드는", {"파드"}),  # Korean analyzer: the particle is dropped (issue #8)
    ],
)
def test_words_split_into_parts(word, expected):
    assert expected <= {t for t, _ in split_word(word)}


@pytest.mark.parametrize(("word", "typos"), [("pod", 0), ("node", 0), ("label", 1),
                                             ("selector", 1), ("deployment", 2)])
def test_typo_budget_by_length(word, typos):
    assert allowed_typos(word) == typos


# -- plain-text safety -------------------------------------------------------------------

NASTY = [
    "", "   ", '"', '""', '"unclosed phrase', "AND", "OR NOT", "pod AND NOT service",
    "*", "pod*", "?", "title:pod", "kind:concept", "(", "((pod)", ")", "[x]", "{", "~2",
    "pod^5", "\\", "/", "-", "--", "+pod -svc", "'", "<script>", "%", "\x00", "😀",
    "pod 😀 service", "x" * 500, "pod " * 200, "ㅋㅋㅋ", "\u200b", "\n\t",
]


@pytest.mark.parametrize("q", NASTY)
def test_no_input_raises(index, q):
    response = index.search(q)
    assert set(response) == {"query", "total", "results", "facets", "didYouMean"}
    assert response["total"] >= len(response["results"])


def test_empty_query_matches_nothing(index):
    assert index.search("  ")["total"] == 0


def test_non_string_query_is_empty(index):
    assert index.search(None)["total"] == 0  # type: ignore[arg-type]


# -- matching ----------------------------------------------------------------------------


def test_all_words_required(index):
    both = index.search("stable storage")
    assert ids(both) and all(
        "stable" in (r["snippet"] + r["title"]).lower() for r in both["results"]
    )
    assert "k8s/workloads.md#statefulset" in ids(both)
    assert "k8s/network.md#service" not in ids(both)  # has "stable", not "storage"


def test_falls_back_to_any_word(index):
    response = index.search("storage xylophone")
    assert response["total"] > 0
    assert "k8s/workloads.md#statefulset" in ids(response)
    assert response["didYouMean"] is None


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("deploymnet", "deployment"),  # 10 letters: 2 edits allowed
        ("statefullset", "statefulset"),
        ("servce", "service"),  # 6 letters: 1 edit
    ],
)
def test_typos_within_budget_match(index, q, expected):
    found = ids(index.search(q))
    assert expected in found or f"k8s/workloads.md#{expected}" in found or any(
        i.endswith(f"#{expected}") for i in found
    )


def test_short_words_get_no_typos(index):
    # "pud" is 3 letters: no edit allowed, so it must not silently become "pod".
    response = index.search("pud")
    assert "k8s/workloads.md#pod" not in ids(response) or response["didYouMean"]


def test_exact_ranks_above_fuzzy(index):
    # A document with the exact word outranks one matched only by a typo variant.
    response = index.search("services")
    assert ids(response)[0] in {"k8s/network.md#service", "service"}
    fuzzy = index.search("servics")
    exact_score = response["results"][0]["score"]
    assert fuzzy["results"][0]["score"] < exact_score


def test_prefix_on_last_word(index):
    assert "k8s/workloads.md#replicaset" in ids(index.search("replic"))
    assert "statefulset" in ids(index.search("statef"))


def test_no_prefix_after_trailing_space(index):
    assert "statefulset" in ids(index.search("stat"))
    assert index.search("stat ")["total"] == 0


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("svc", "k8s/network.md#service"),
        ("k", "kubectl"),
        ("pvc", "k8s/workloads.md#statefulset"),  # mentions PersistentVolumeClaim
        ("persistent volume claim", "pvc"),  # a multi-word alias
        ("sts", "k8s/workloads.md#statefulset"),
    ],
)
def test_synonyms_from_concept_labels(index, q, expected):
    assert expected in ids(index.search(q))


def test_synonym_expansion_reaches_text_without_the_alias(index):
    # The DNS section says "Service" (and "svc" only inside a host name); "svc" finds it.
    found = ids(index.search("svc", kind="section"))
    assert "k8s/network.md#dns" in found


def test_plurals_are_stemmed(index):
    assert ids(index.search("pods"))[:2] == ids(index.search("pod"))[:2]
    assert "k8s/workloads.md#deployment" in ids(index.search("replicasets"))


@pytest.mark.parametrize(
    ("a", "b"), [("replica set", "ReplicaSet"), ("node selector", "nodeSelector"),
                 ("restart policy", "restartPolicy")],
)
def test_camel_case_matches_spaced_words(index, a, b):
    assert ids(index.search(a))[:1] == ids(index.search(b))[:1]
    assert index.search(a)["total"] > 0


def test_spaced_words_find_camel_case_in_text(index):
    assert "k8s/workloads.md#scheduling" in ids(index.search("node selector"))
    assert "k8s/network.md#node-selector" in ids(index.search("nodeSelector"))


def test_phrase_requires_adjacent_words(index):
    phrase = ids(index.search('"rolling updates"'))
    assert "k8s/workloads.md#scheduling" in phrase
    assert "k8s/workloads.md#deployment" in phrase
    assert ids(index.search('"updates rolling"')) == []


def test_phrase_and_words_combine(index):
    found = ids(index.search('"rolling updates" replace'))
    assert found == ["k8s/workloads.md#scheduling"]


def test_hangul_is_tokenised(index):
    assert "misc/scratch.md#korean" in ids(index.search("컨테이너의"))
    assert "misc/scratch.md#korean" in ids(index.search("쿠버네티스"))


def test_translation_label_finds_concept(index):
    assert "pod" in ids(index.search("파드"))


# -- did you mean ------------------------------------------------------------------------


def test_did_you_mean_when_nothing_matches(index):
    # "podd" has 4 letters, so no typo is tolerated while matching: nothing matches,
    # and the correction (from the unstemmed spelling field) is run instead.
    response = index.search("podd")
    assert response["didYouMean"] in {"pod", "pods"}
    assert response["total"] > 0
    assert ids(response)[0] in {"k8s/workloads.md#pod", "pod"}


def test_no_did_you_mean_when_results(index):
    assert index.search("deployment")["didYouMean"] is None


def test_nothing_at_all(index):
    response = index.search("zzzzqqqq")
    assert response == {
        "query": "zzzzqqqq", "total": 0, "results": [],
        "facets": {"kind": {}, "path": {}, "tag": {}, "concept": {}}, "didYouMean": None,
    }


# -- ranking -----------------------------------------------------------------------------


def test_body_text_query_ranks_section_above_concept(index):
    # The acceptance example: the section's body has the words; the OnFailure concept's
    # definition has them too, but a concept competes through its labels.
    results = index.search("restart only on failure")["results"]
    assert results[0]["id"] == "k8s/workloads.md#specrestartpolicy"
    assert results[0]["title"] == "spec.restartPolicy"
    kinds = [r["kind"] for r in results]
    assert "concept" in kinds[1:]


def test_defining_section_above_mentions(index):
    found = ids(index.search("replica set"))
    assert found.index("k8s/workloads.md#replicaset") < found.index("k8s/workloads.md#deployment")
    found = ids(index.search("statefulset", kind="section"))
    assert found[0] == "k8s/workloads.md#statefulset"


def test_concept_named_by_query_ranks_high(index):
    found = ids(index.search("OnFailure"))
    assert found[:2] == ["onfailure", "k8s/workloads.md#specrestartpolicy"] or found[:2] == [
        "k8s/workloads.md#specrestartpolicy", "onfailure"]


def test_title_above_body(index):
    assert ids(index.search("service"))[0] in {"k8s/network.md#service", "service"}
    assert ids(index.search("service dns"))[0] == "k8s/network.md#dns"


# -- filters and facets ------------------------------------------------------------------


def test_kind_filter(index):
    response = index.search("pod", kind="concept")
    assert response["results"] and {r["kind"] for r in response["results"]} == {"concept"}
    assert response["facets"]["kind"] == {"concept": response["total"]}


@pytest.mark.parametrize(
    ("filters", "check"),
    [
        ({"path": NETWORK}, lambda r: r["path"] == NETWORK),
        ({"tag": "workloads"}, lambda r: r["path"] == WORKLOADS),
        ({"tag": ["network", "nothing"]}, lambda r: r["path"] == NETWORK),
        ({"concept": "replicaset"}, lambda r: "replicaset" in r["concepts"]),
        ({"kind": "section", "tag": "k8s"}, lambda r: r["kind"] == "section"),
    ],
)
def test_filters_are_exact_and_combinable(index, filters, check):
    response = index.search("pod", filters=filters)
    assert response["results"]
    assert all(check(r) for r in response["results"])
    assert response["total"] < index.search("pod")["total"]


def test_filters_can_exclude_everything(index):
    assert index.search("pod", filters={"path": NETWORK, "tag": "workloads"})["total"] == 0


def test_unknown_filter_is_an_error(index):
    with pytest.raises(ValueError, match="colour"):
        index.search("pod", filters={"colour": "red"})


def test_facets_count_the_matched_set(index):
    response = index.search("pod", limit=1)
    facets = response["facets"]
    assert sum(facets["kind"].values()) == response["total"]
    assert facets["kind"]["concept"] >= 1 and facets["kind"]["section"] >= 1
    assert facets["path"][WORKLOADS] >= 5
    assert facets["tag"]["k8s"] >= 5
    assert facets["concept"]["pod"] >= 5
    assert len(response["results"]) == 1


# -- snippets ----------------------------------------------------------------------------


def test_snippet_marks_matches_and_escapes(index):
    [hit] = index.search("script")["results"]
    assert "<script>" not in hit["snippet"]
    assert "&lt;<mark>script</mark>&gt;" in hit["snippet"]
    assert "&amp; friends" in hit["snippet"]
    stripped = re.sub(r"</?mark>", "", hit["snippet"])
    assert "<" not in stripped and ">" not in stripped


def test_snippet_marks_camel_case_and_stemmed_forms(index):
    snip = index.search("restart policy failures")["results"][0]["snippet"]
    assert "<mark>failure</mark>" in snip
    assert "<mark>Restart</mark>" in snip


def test_snippet_is_cropped_around_matches():
    from search.snippets import hit_pattern, snippet

    text = ("filler words here " * 30) + "the ReplicaSet keeps pods running " + ("tail " * 60)
    terms = frozenset({"replicaset", "replica", "set"})
    out = snippet(text, terms, hit_pattern(terms))
    plain = re.sub(r"</?mark>", "", out)
    assert "<mark>ReplicaSet</mark>" in out
    assert plain.startswith("… ") and plain.endswith(" …")
    assert len(plain) <= 170


def test_snippet_without_match_is_the_start():
    from search.snippets import snippet

    assert snippet("a <b> c", frozenset({"zzz"}), None) == "a &lt;b&gt; c"


# -- paging and result shape -------------------------------------------------------------


def test_limit_offset_total(index):
    everything = index.search("pod", limit=100)
    total = everything["total"]
    assert total == len(everything["results"]) > 5
    pages = [index.search("pod", limit=3, offset=o)["results"] for o in range(0, total, 3)]
    assert [r["id"] for page in pages for r in page] == ids(everything)
    assert index.search("pod", limit=3, offset=total)["results"] == []
    assert index.search("pod", limit=0)["total"] == total


def test_result_shape(index):
    hit = index.search("spec.restartPolicy")["results"][0]
    assert hit == {
        "kind": "section", "id": "k8s/workloads.md#specrestartpolicy",
        "title": "spec.restartPolicy", "breadcrumb": ["1. Pod"], "snippet": hit["snippet"],
        "score": hit["score"], "path": WORKLOADS, "anchor": "specrestartpolicy", "line": 10,
        "concepts": ["pod", "onfailure"],
    }
    concept = index.search("OnFailure", kind="concept")["results"][0]
    assert concept["path"] == WORKLOADS and concept["anchor"] == "specrestartpolicy"
    assert concept["breadcrumb"] == ["1. Pod", "spec.restartPolicy"]
    assert concept["line"] == 13


# -- on disk -----------------------------------------------------------------------------


def test_build_and_open_directory(tmp_path):
    notes, concepts = corpus()
    built = SearchIndex.build(tmp_path / "ix", notes, concepts)
    assert ids(built.search("svc"))
    built.close()
    files = {p.name for p in (tmp_path / "ix").iterdir()}
    assert {"kg-synonyms.json", "kg-search.json"} <= files
    opened = SearchIndex.open(tmp_path / "ix")
    assert ids(opened.search("svc")) == ids(SearchIndex.in_memory(notes, concepts).search("svc"))
    opened.close()


def test_build_refuses_a_non_empty_directory(tmp_path):
    (tmp_path / "x").write_text("x")
    notes, concepts = corpus()
    with pytest.raises(FileExistsError):
        SearchIndex.build(tmp_path, notes, concepts)


def test_open_index_sees_a_newer_version(tmp_path, monkeypatch):
    from whoosh import index as windex

    from search import index as search_index
    from search.documents import documents

    notes, concepts = corpus()
    SearchIndex.build(tmp_path / "ix", notes, concepts).close()
    opened = SearchIndex.open(tmp_path / "ix")
    assert opened.search("zebra")["total"] == 0
    extra = Note(path="new.md", title="New", sections=[
        _section("zebra", "Zebra crossing", ["A zebra crossing is not a Kubernetes object."],
                 line=1)])
    writer = windex.open_dir(str(tmp_path / "ix")).writer()
    for doc in documents([extra], {}):
        writer.add_document(**doc)
    writer.commit()
    monkeypatch.setattr(search_index, "FRESHNESS_CHECK_SECONDS", 0.0)
    assert ids(opened.search("zebra")) == ["new.md#zebra"]
    assert ids(opened.search("svc"))  # the older documents are still there, once each
    assert len(ids(opened.search("pod", limit=100))) == len(set(ids(opened.search("pod", limit=100))))
    opened.close()


# -- acceptance on the repository's own notes ---------------------------------------------


@pytest.fixture(scope="module")
def real_index() -> SearchIndex:
    from pathlib import Path

    from ingest.pipeline import ingest_paths
    from ingest.vocabulary import load_vocabulary

    notes_dir = Path(__file__).resolve().parent.parent / "data" / "notes"
    if not notes_dir.is_dir():
        pytest.skip("data/notes is missing")
    corpus = ingest_paths([notes_dir], load_vocabulary(), workers=1)
    return SearchIndex.in_memory(corpus.notes, corpus.concepts)


def test_real_notes_restart_only_on_failure(real_index):
    results = real_index.search("restart only on failure")["results"]
    assert results[0]["title"] == "spec.restartPolicy"
    assert results[0]["kind"] == "section"
    assert "<mark>failure</mark>" in results[0]["snippet"]


@pytest.mark.parametrize(
    ("q", "title"),
    [("svc", "Service"), ("pvc", "PersistentVolumeClaim"), ("k", "kubectl"),
     ("node selector", "nodeSelector"), ("statefullset", "StatefulSet")],
)
def test_real_notes_names_find_their_concept(real_index, q, title):
    assert title in [r["title"] for r in real_index.search(q)["results"][:3]]
