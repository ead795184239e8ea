"""The explorer page: served with a strict CSP, everything from /static (works offline),
and, in headless Chromium over the user's seed notes, click-to-refocus with history."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from .conftest import running_server

STATIC = Path(__file__).resolve().parent.parent / "api" / "static"


def test_root_redirects_to_explore(client):
    response = client.get("/")
    assert response.status_code in (301, 302, 303, 307, 308)
    assert response.headers["Location"].endswith("/explore")


@pytest.mark.parametrize("url", ["/explore", "/explore/Deployment", "/explore/deployment"])
def test_page_served_with_csp(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = response.get_data(as_text=True)
    # no inline script: every <script> has a src under /static
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all('src="/static/' in tag for tag in scripts)
    assert re.search(r"<script\b[^>]*>\s*[^<\s]", html) is None
    assert " on" not in " ".join(re.findall(r"<[^>]+>", html)).replace(" one", ""), "no inline handlers"
    for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not ref.startswith(("http:", "https:", "//")), ref


def test_page_names_the_focus(client):
    html = client.get("/explore/deploy").get_data(as_text=True)
    assert 'data-focus="deployment"' in html
    assert "<title>Deployment · kg explorer</title>" in html


def test_unknown_concept_page_is_404_with_hints_and_escaped(client):
    response = client.get("/explore/Deploymnet")
    assert response.status_code == 404
    assert response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    assert 'href="/explore/deployment"' in html
    evil = client.get("/explore/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert evil.status_code == 404
    assert "<script>alert(1)" not in evil.get_data(as_text=True)


def test_search_form_without_javascript(client):
    response = client.get("/explore", query_string={"q": "Pods"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/explore/pod")
    # anything that is not a concept's name goes to the results page
    other = client.get("/explore", query_string={"q": "pod restart"})
    assert other.status_code == 302 and other.headers["Location"].endswith("/search?q=pod+restart")


@pytest.mark.parametrize("name", ["js/explore.js", "js/graph.js", "js/details.js",
                                  "js/pathfinder.js", "js/site.js", "js/dom.js", "site.css"])
def test_static_assets_served_and_self_contained(client, name):
    response = client.get(f"/static/{name}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    response.close()
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text), "no third-party URL"
    if name.endswith(".js"):
        assert not re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write", text)
        assert "eval(" not in text


# -- in a real browser ------------------------------------------------------------------
@pytest.fixture(scope="module")
def seed_server(seed_build):
    _corpus, store = seed_build
    with running_server(store.root) as url:
        yield url


def open_page(browser, width, height):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(30_000)
    expect.set_options(timeout=30_000)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    return page, problems


def wait_until(condition, timeout: float = 10.0) -> None:
    """Poll from Python: the page's CSP (rightly) forbids wait_for_function's eval."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def node(page, cid):
    return page.locator(f'#graph .node[data-id="{cid}"]')


@pytest.mark.browser
def test_explore_in_browser(browser, seed_server, tmp_path):
    from playwright.sync_api import expect
    page, problems = open_page(browser, 1280, 800)
    page.goto(seed_server + "/explore/Deployment")
    page.wait_for_selector('#graph .node[data-id="replicaset"]')
    assert page.locator("#concept-head h1").inner_text() == "Deployment"
    assert node(page, "deployment").get_attribute("class").split().count("centre") == 1
    # details: definition with its source line, relations grouped with evidence
    assert "k8s-notes.txt:" in page.locator(".definition").inner_text()
    assert page.locator(".rel-group h3", has_text="is a kind of").count() == 1
    assert page.locator(".rel-group .evidence q").count() > 0
    # a legend / filter per relation type
    assert page.locator("#relation-filters input[type=checkbox]").count() >= 10
    page.screenshot(path=str(tmp_path / "explore-deployment-1280x800.png"))

    node(page, "replicaset").click()
    page.wait_for_url(re.compile(r"/explore/replicaset$"))
    expect(page.locator("#concept-head h1")).to_have_text("ReplicaSet")
    page.wait_for_selector('#graph .node.centre[data-id="replicaset"]')
    assert node(page, "pod").count() == 1

    page.go_back()
    page.wait_for_url(re.compile(r"/explore/(Deployment|deployment)$"))
    expect(page.locator("#concept-head h1")).to_have_text("Deployment")
    page.wait_for_selector('#graph .node.centre[data-id="deployment"]')
    page.go_forward()
    page.wait_for_url(re.compile(r"/explore/replicaset$"))
    expect(page.locator("#concept-head h1")).to_have_text("ReplicaSet")

    # keyboard: nodes are focusable, Enter refocuses
    node(page, "pod").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/explore/pod$"))
    expect(page.locator("#concept-head h1")).to_have_text("Pod")

    # depth 2 and the relation filter change the drawing
    one = page.locator("#graph .node").count()
    page.get_by_label("2 hops").check()
    wait_until(lambda: page.locator("#graph .node").count() > one)
    # co-mention ("mentioned with") is hidden by default; switching a type off says so
    expect(page.locator("#graph .edge.rel-related")).to_have_count(0)
    page.locator('#relation-filters input[value="manages"]').uncheck()
    expect(page.locator("#graph .edge.rel-manages")).to_have_count(0)
    assert "hide=manages%2Crelated" in page.url or "hide=manages,related" in page.url

    # path finder: highlighted in the graph and listed with evidence
    page.fill("#path-from", "Deployment")
    page.fill("#path-to", "Node")
    page.click("#path-form button[type=submit]")
    page.wait_for_selector("#path-result .path-item")
    # attached, not "visible": a straight vertical edge has a zero-width box
    page.wait_for_selector("#graph .edge.on-path", state="attached")
    assert page.locator("#path-result .evidence li").count() >= 1
    page.screenshot(path=str(tmp_path / "explore-path-1280x800.png"))

    # the suggestion box
    page.fill("#search-input", "serv")
    page.wait_for_selector("#search-list [role=option]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/explore/(?!pod)[^/?]+(\?.*)?$"))
    assert problems == []
    page.close()


@pytest.mark.browser
def test_explore_narrow_screen(browser, seed_server, tmp_path):
    page, problems = open_page(browser, 390, 844)
    page.goto(seed_server + "/explore/Deployment")
    page.wait_for_selector('#graph .node[data-id="replicaset"]')
    head_box = page.locator("#concept-head").bounding_box()
    graph_box = page.locator("#graph").bounding_box()
    details_box = page.locator("#details").bounding_box()
    assert head_box["y"] + head_box["height"] <= graph_box["y"], "title and definition first"
    assert graph_box["y"] + graph_box["height"] <= details_box["y"], "graph above details"
    assert graph_box["width"] <= 390
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no horizontal scrolling"
    page.screenshot(path=str(tmp_path / "explore-deployment-390x844.png"))
    page.screenshot(path=str(tmp_path / "explore-deployment-390x844-full.png"), full_page=True)
    assert problems == []
    page.close()


@pytest.mark.browser
def test_note_page_in_browser(browser, seed_server, tmp_path):
    page, problems = open_page(browser, 1280, 800)
    page.goto(seed_server + "/explore/Deployment")
    page.wait_for_selector(".sources a")
    # sources are grouped by note; a note's sections unfold under it
    page.locator(".sources summary").first.click()
    page.locator(".sources .sections a").first.click()
    page.wait_for_url(re.compile(r"/notes/k8s-notes\.txt#deployment$"))
    assert page.locator("section#deployment").is_visible()
    page.screenshot(path=str(tmp_path / "note-1280x800.png"))
    assert problems == []
    page.close()


# -- language (issue 14) -----------------------------------------------------------------
KO_SERVICE = "# 서비스\n\n서비스는 파드 집합에 대한 안정적인 네트워크 엔드포인트를 제공하는 오브젝트이다.\n"
EN_SERVICE = "# Service\n\nA Service is an object that gives a set of Pods one stable endpoint.\n"


@pytest.mark.parametrize("first", ["ko", "en"])
def test_definition_in_the_readers_language(tmp_path, vocabulary, first):
    from .conftest import build, make_client

    notes = tmp_path / "notes"
    notes.mkdir()
    # whichever note the graph takes its one definition from, each reader gets theirs
    order = {"ko": ("a.md", "b.md"), "en": ("b.md", "a.md")}[first]
    (notes / order[0]).write_text(KO_SERVICE, encoding="utf-8")
    (notes / order[1]).write_text(EN_SERVICE, encoding="utf-8")
    _corpus, store = build([notes], tmp_path / "store", vocabulary)
    client = make_client(store)
    english = client.get("/api/explore/Service", query_string={"lang": "en"}).get_json()
    assert english["concept"]["definition"]["text"].startswith("A Service is")
    korean = client.get("/api/explore/Service",
                        headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"}).get_json()
    assert korean["concept"]["definition"]["text"].startswith("서비스는")
