"""Security: every input bounded with a clear 400, unknown parameters ignored the same way
everywhere, no path traversal through any route that reads files, security headers on
HTML pages, and user text escaped in HTML and snippets. (The note page's own escaping and
traversal cases are in test_notes_page; SPARQL read-only in test_sparql.)"""

from __future__ import annotations

import json

import pytest

from .conftest import build, make_client

XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]
EVIL = f"""# Pod

A Pod is the smallest deployable unit {XSS[0]} that runs containers.

## Probes {XSS[1]}

- A Deployment manages ReplicaSets {XSS[0]}
- A Service routes traffic to Pods {XSS[1]}
"""


@pytest.fixture(scope="module")
def evil(tmp_path_factory, vocabulary):
    notes = tmp_path_factory.mktemp("xss-notes")
    (notes / "evil.md").write_text(EVIL, encoding="utf-8")
    _corpus, store = build([notes], tmp_path_factory.mktemp("xss-store"), vocabulary)
    return make_client(store)


LONG = "x" * 501
BOUNDS = [
    ("/api/search?q=" + LONG, "parameter_too_long"),
    ("/api/search?q=pod&limit=0", "out_of_range"),
    ("/api/search?q=pod&limit=101", "out_of_range"),
    ("/api/search?q=pod&limit=1e3", "invalid_parameter"),
    ("/api/search?q=pod&offset=-1", "out_of_range"),
    ("/api/search?q=pod&offset=10001", "out_of_range"),
    ("/api/search?q=pod&kind=evil", "invalid_parameter"),
    ("/api/search?q=pod&path=" + LONG, "parameter_too_long"),
    ("/api/search?q=pod&tag=" + LONG, "parameter_too_long"),
    ("/api/search?q=pod&concept=" + LONG, "parameter_too_long"),
    ("/api/search?q=pod%00", "invalid_parameter"),
    ("/api/search?q=pod&lang=%3Cscript%3E", "invalid_parameter"),
    ("/api/suggest?q=" + "x" * 101, "parameter_too_long"),
    ("/api/suggest?q=po&limit=51", "out_of_range"),
    ("/api/concepts?limit=1001", "out_of_range"),
    ("/api/concepts?offset=1000001", "out_of_range"),
    ("/api/concepts/" + LONG, "invalid_parameter"),
    ("/api/concepts/pod/related?depth=4", "out_of_range"),
    ("/api/concepts/pod/related?depth=0", "out_of_range"),
    ("/api/concepts/pod/related?limit=201", "out_of_range"),
    ("/api/concepts/pod/related?relation=" + ",".join(["uses"] * 21), "out_of_range"),
    ("/api/concepts/pod/related?relation=evil", "invalid_parameter"),
    ("/api/path?from=pod&to=node&k=6", "out_of_range"),
    ("/api/path?from=pod&to=node&maxLength=9", "out_of_range"),
    ("/api/path?from=pod&to=node&relation=" + ",".join(["uses"] * 21), "out_of_range"),
    ("/api/path?from=" + LONG + "&to=node", "parameter_too_long"),
    ("/api/graph?depth=4", "out_of_range"),
    ("/api/graph?limit=201", "out_of_range"),
    ("/api/graph?minWeight=-1", "out_of_range"),
    ("/api/graph?minWeight=nan", "out_of_range"),
    ("/api/graph?minWeight=inf", "out_of_range"),
    ("/api/graph?relation=" + ",".join(["uses"] * 21), "out_of_range"),
    ("/api/graph?focus=" + LONG, "parameter_too_long"),
    ("/api/export?format=evil", "invalid_parameter"),
    ("/api/explore/" + LONG, "invalid_parameter"),
    ("/api/search?q=pod&limit=" + "9" * 5000, "invalid_parameter"),
]


@pytest.mark.parametrize(("url", "code"), BOUNDS, ids=[u[:60] for u, _ in BOUNDS])
def test_every_input_is_bounded_with_a_clear_400(client, url, code):
    response = client.get(url)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"] and len(error["message"]) < 400  # says which, not echoes it


UNKNOWN = "&zzz=1&__proto__=x&limit2=%3Cscript%3E&callback=alert"


@pytest.mark.parametrize("url", [
    "/api/search?q=pod", "/api/suggest?q=po", "/api/concepts?limit=5",
    "/api/concepts/pod/related?depth=2", "/api/path?from=deployment&to=pod",
    "/api/graph?focus=pod", "/api/relations?x=1", "/healthz?x=1", "/api/explore/pod?x=1",
])
def test_unknown_query_parameters_are_ignored(client, url):
    plain = client.get(url)
    extra = client.get(url + UNKNOWN)
    assert plain.status_code == extra.status_code == 200
    assert plain.get_json() == extra.get_json()
    assert plain.mimetype == extra.mimetype == "application/json"  # no JSONP


@pytest.mark.parametrize("url", [
    "/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py",
    "/static/%2e%2e%2f%2e%2e%2fpyproject.toml", "/static//etc/passwd", "/static/%00",
    "/static/explore.js%00.css", "/static/../../kg/settings.py",
    "/notes/%2e%2e%2f%2e%2e%2fpyproject.toml", "/notes/..%2f..%2fkg%2fsettings.py",
    "/notes/%00", "/notes/cluster/namespaces.md%00", "/notes//work/main/pyproject.toml",
    "/concept/..%2f..%2fetc%2fpasswd", "/concept/%2e%2e/%2e%2e/etc/passwd",
    "/concept/%00", "/explore/..%2f..%2fetc%2fpasswd", "/api/concepts/..%2f..%2fetc%2fpasswd",
    "/api/explore/%2e%2e%2fapi%2fapp.py", "/widget.js/../app.py", "/openapi.json/../../x",
])
def test_no_path_traversal(client, url):
    response = client.get(url, follow_redirects=True)
    assert response.status_code in (400, 404, 406), (url, response.status_code)
    body = response.get_data(as_text=True)
    for secret in ("root:", "[project]", "import ", "def ", "Setting("):
        assert secret not in body, (url, secret)


@pytest.mark.parametrize("url", ["/explore", "/explore/pod", "/explore/nope-zzz",
                                 "/explore?q=%3Cscript%3E", "/notes/cluster/namespaces.md",
                                 "/notes/nope.md", "/demo", "/search?q=%3Cscript%3E",
                                 "/concepts", "/notes/"])
def test_html_pages_send_csp_and_nosniff(client, url):
    response = client.get(url, follow_redirects=True, headers={"Accept": "text/html"})
    assert response.mimetype == "text/html"
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"


def test_user_text_is_escaped_in_snippets_pages_and_json(evil):
    for query in ("smallest deployable", "script alert", "onerror", "routes traffic"):
        body = evil.get(f"/api/search?q={query}&limit=50").get_json()
        for result in body["results"]:
            snippet = result["snippet"]
            for tag in XSS:
                assert tag not in snippet, (query, snippet)
            assert "<" not in snippet.replace("<mark>", "").replace("</mark>", ""), snippet
    # JSON carries user text as data, served as JSON (never sniffed as HTML)
    for url in ("/api/concepts/pod", "/api/explore/pod", "/api/search?q=pod"):
        response = evil.get(url)
        assert response.mimetype == "application/json"
        json.loads(response.get_data(as_text=True))
    pod = evil.get("/api/concepts/pod").get_json()
    assert pod["definition"] is None or "Pod" in pod["definition"]["text"]
    # pages: the note and the explorer never contain the raw tags
    for url in ("/notes/evil.md", "/explore/pod", "/explore/deployment"):
        response = evil.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        for tag in XSS:
            assert tag not in html, (url, tag)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in evil.get("/notes/evil.md").get_data(
        as_text=True)


def test_a_query_with_markup_is_escaped(client):
    query = "%3Cscript%3Ealert(1)%3C%2Fscript%3E%20pod"
    response = client.get(f"/explore?q={query}")
    html = response.get_data(as_text=True)
    assert "<script>alert(1)" not in html
    body = client.get(f"/api/search?q={query}").get_json()
    for result in body["results"]:
        assert "<script>" not in result["snippet"]
    suggest = client.get(f"/api/suggest?q={query}")
    assert suggest.mimetype == "application/json"
    missing = client.get("/api/concepts/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert missing.status_code == 404 and missing.mimetype == "application/json"


# -- YAML from notes and vocabularies: no alias bombs, bounded depth and size ----------------
LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}' if prev else 'lol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True))
UNUSABLE_YAML = {
    "aliases": (LAUGHS, "alias"),
    "one alias": ("base: &b {x: 1}\ncopy: *b\n", "alias"),
    "deep flow": ("a: " + "[" * 200 + "]" * 200 + "\n", "deeper than"),
    "deep block": "".join(f"{' ' * i}k{i}:\n" for i in range(100)) + f"{' ' * 100}v: 1\n",
    "long": ("title: x\n" + "# padding\n" * 8000, "longer than"),
}


@pytest.mark.parametrize("name", UNUSABLE_YAML)
def test_unusable_front_matter_is_ignored_with_a_warning_and_the_note_kept(name):
    from ingest.notes import parse_note

    front = UNUSABLE_YAML[name]
    front, reason = front if isinstance(front, tuple) else (front, "deeper than")
    problems: list[str] = []
    note = parse_note(f"---\n{front}---\n# Laughs\n\nA Pod runs containers.\n", "x.md",
                      problems)
    assert note.meta == {}
    assert note.title == "Laughs" and "runs containers" in note.sections[0].blocks[0].text
    assert len(problems) == 1 and reason in problems[0] and "ignored" in problems[0]


# What ``kg ingest`` of one small note may use (address space, so machine speed does
# not matter); the billion-laughs note grew it to 15.7 GB before aliases were refused.
INGEST_MEMORY_CAP = 1 << 30


def test_a_billion_laughs_note_ingests_in_bounded_memory(tmp_path):
    """The 485-byte attack grew ``kg ingest`` to 15.7 GB; now it is one warning, and the
    note's body is kept."""
    import resource
    import subprocess

    from kg.store import Store
    from tests.serving import kg_command

    from .test_robustness import reported

    def cap_memory() -> None:  # in the child, before kg starts (its workers inherit it)
        resource.setrlimit(resource.RLIMIT_AS, (INGEST_MEMORY_CAP, INGEST_MEMORY_CAP))

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "laughs.md").write_text(f"---\n{LAUGHS}---\n# Laughs\n\nA Pod runs containers.\n")
    result = subprocess.run([*kg_command(), "ingest", str(notes), "--store",
                             str(tmp_path / "store"), "-q"], capture_output=True, text=True,
                            timeout=600, preexec_fn=cap_memory)
    assert result.returncode == 3, result.stderr
    assert "alias" in reported(result.stderr)["laughs.md"]
    assert "1 file," in result.stdout
    note = Store.open(tmp_path / "store").note("laughs.md")
    assert note is not None and note["meta"] == {}
    assert "A Pod runs containers." in note["sections"][0]["blocks"][0]["text"]


def test_a_vocabulary_with_aliases_is_refused(tmp_path):
    from ingest.vocabulary import VocabularyError, read_vocabulary

    bomb = tmp_path / "vocab.yaml"
    bomb.write_text(LAUGHS + "concepts:\n  - label: Pod\n    aliases: *i\n")
    with pytest.raises(VocabularyError, match="alias"):
        read_vocabulary(bomb)


def test_the_suggest_memo_is_bounded(notes_build):
    """Any client could grow it: short prefixes are memoised, keyed by the raw text."""
    from graph.concept_graph import SUGGEST_MEMO_SIZE, ConceptGraph

    graph = ConceptGraph.load(notes_build[1].build / "graph.json")
    first = graph.suggest("po")
    for number in range(SUGGEST_MEMO_SIZE + 500):
        graph.suggest("p" + "-" * (number % 50) + "_" * (number // 50))  # all keyed "p"
    assert graph._suggest_memo.cache_info().currsize == SUGGEST_MEMO_SIZE
    assert graph.suggest("po") == first  # still right after eviction
    graph.suggest("po")[0]["label"] = "changed"  # callers get copies
    assert graph.suggest("po") == first
