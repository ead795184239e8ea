"""GET /notes/<path>: a stored note as HTML (sections with anchors, line numbers, code in
<pre>, concepts linked to /explore), escaped, looked up only among stored notes."""

from __future__ import annotations

import re

import pytest

from .conftest import build, make_client

EVIL = """# Pods & <script>alert("title")</script>

A Pod is the smallest deployable unit. It runs on a Node.

## Probes <img src=x onerror=alert(1)>

- A Deployment manages ReplicaSets <script>alert("item")</script>
- `kubectl get pods` lists pods

```bash
echo "<script>alert('code')</script>" && kubectl get pods
```
"""


@pytest.fixture(scope="module")
def evil_client(tmp_path_factory, vocabulary):
    notes = tmp_path_factory.mktemp("evil-notes")
    (notes / "sub").mkdir()
    (notes / "sub" / "evil.md").write_text(EVIL, encoding="utf-8")
    _corpus, store = build([notes], tmp_path_factory.mktemp("evil-store"), vocabulary)
    return make_client(store), store


def test_note_page_renders_sections_with_anchors(client, notes_build):
    corpus, store = notes_build
    note = next(n for n in corpus.notes if n.path == "workloads/controllers.md")
    response = client.get("/notes/workloads/controllers.md")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert f"<h1>{note.title}</h1>" in html
    for section in note.sections:
        assert f'id="{section.anchor}"' in html
    # each block carries its line, so #L<line> links (definitions, evidence) land
    first = next(b for s in note.sections for b in s.blocks)
    assert f'id="L{first.line}"' in html
    # concepts link back to the explorer
    assert 'href="/explore/deployment"' in html
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_search_result_urls_land_on_note_pages(client):
    hits = client.get("/api/search", query_string={"q": "rolling update"}).get_json()["results"]
    hit = next(h for h in hits if h["url"])
    path, anchor = hit["url"].split("#", 1)
    page = client.get(path)
    assert page.status_code == 200
    assert f'id="{anchor}"' in page.get_data(as_text=True)


def test_code_blocks_in_pre_and_line_numbers(evil_client):
    client, store = evil_client
    html = client.get("/notes/sub/evil.md").get_data(as_text=True)
    assert re.search(r"<pre><code[^>]*>echo &#34;&lt;script&gt;", html), html
    note = store.note("sub/evil.md")
    for section in note["sections"]:
        for block in section["blocks"]:
            assert f'<span class="ln">{block["line"]}</span>' in html


def test_note_text_is_escaped(evil_client):
    client, _store = evil_client
    response = client.get("/notes/sub/evil.md")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "&lt;script&gt;" in html
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    # the only scripts on the page are our own static files (the search box)
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert all('src="/static/js/' in tag for tag in scripts)


@pytest.mark.parametrize("path", [
    "/notes/nope.md",
    "/notes/workloads/nope.md",
    "/notes/../pyproject.toml",
    "/notes/..%2F..%2Fpyproject.toml",
    "/notes/%2E%2E/%2E%2E/etc/passwd",
    "/notes//etc/passwd",
    "/notes/workloads/../workloads/controllers.md",
    "/notes/" + "a/" * 600,
])
def test_unknown_and_traversal_paths_are_404(client, path):
    response = client.get(path, follow_redirects=True)  # '//' is merged by a redirect
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "root:" not in html and "[project]" not in html


def test_unknown_note_page_escapes_the_path(client):
    response = client.get("/notes/%3Cscript%3Ealert(1)%3C%2Fscript%3E.md")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<script>alert(1)" not in html


# -- markdown rendering (issue 14) --------------------------------------------------------
LINKED = """# Pods {#pods}

A **Pod** runs *one or more* containers; see [the Service note](service.md#ports),
[a Deployment](/docs/concepts/deployment/), [evil](javascript:alert(1)),
[data](data:text/html,x), [away](https://kubernetes.io/) and [nowhere](missing.md).

Raw <b onclick="x()">HTML</b> stays text. ![a diagram](diagram.png)

## Storage {#pod-storage}

`kubectl get pods`
"""

SERVICE = """# Service

A Service routes traffic to Pods.

## Ports

Port 80.
"""


@pytest.fixture(scope="module")
def linked_client(tmp_path_factory, vocabulary):
    from ingest.pipeline import ingest_paths
    from kg.store import Store, build_store

    from .conftest import BASE_URI

    notes = tmp_path_factory.mktemp("linked-notes")
    (notes / "pods.md").write_text(LINKED, encoding="utf-8")
    (notes / "service.md").write_text(SERVICE, encoding="utf-8")
    (notes / "concepts").mkdir()
    (notes / "concepts" / "deployment.md").write_text("# Deployment\n\nManages Pods.\n")
    root = tmp_path_factory.mktemp("linked-store")
    corpus = ingest_paths([notes], vocabulary, workers=1)
    build_store(root, corpus, base_uri=BASE_URI, extra={"sources": [str(notes)]})
    return make_client(Store.open(root)), notes


def test_markdown_notes_render_with_links_rewritten(linked_client):
    client, _notes = linked_client
    html = client.get("/notes/pods.md").get_data(as_text=True)
    article = html[html.index('<article class="markdown">'):]
    assert "<strong>Pod</strong>" in article and "<em>one or more</em>" in article
    assert "<code>kubectl get pods</code>" in article
    assert 'href="/notes/service.md#ports"' in article
    assert 'href="/notes/concepts/deployment.md"' in article  # a docs-site path
    assert 'href="https://kubernetes.io/"' in article
    # unsafe schemes and dead targets are no links (their text stays)
    assert not re.search(r'href="(javascript|data):', article)
    assert "evil" in article and "nowhere" in article
    assert 'href="missing.md"' not in article
    assert "&lt;b onclick" in article and "<b onclick" not in article
    assert "<img" not in article and "a diagram" in article
    # headings carry their section's anchor, blocks their line; Hugo ids are not shown
    sections = {s["title"]: s["anchor"] for s in client.application.extensions["kg"]["store"]
                .note("pods.md")["sections"]}
    for anchor in sections.values():
        assert f'id="{anchor}"' in article
    assert "{#" not in article and ">Storage</h2>" in article
    assert re.search(r'<p id="L3">', article)


def test_a_changed_source_falls_back_to_the_stored_text(linked_client, tmp_path):
    client, notes = linked_client
    original = (notes / "service.md").read_text()
    try:
        (notes / "service.md").write_text(original + "\nAn edit after the build.\n")
        html = client.get("/notes/service.md").get_data(as_text=True)
        assert '<article class="markdown">' not in html
        assert 'id="ports"' in html and "An edit after the build" not in html
    finally:
        (notes / "service.md").write_text(original)
