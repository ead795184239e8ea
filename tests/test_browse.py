"""The explorer, the browsing pages, note pages and the widget on a real corpus: the
Kubernetes docs (../shared/corpora/k8s-docs, 501 pages), in Chromium at a desktop and a
phone size. Set KG_SCREENSHOTS=docs/screenshots to refresh the README's screenshots."""

from __future__ import annotations

import os
import re
import threading
import time
import urllib.request
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .conftest import make_client, running_server

SIZES = [(1280, 800), (390, 844)]
pytestmark = [pytest.mark.corpus]


@pytest.fixture(scope="module")
def k8s_client(k8s_docs_store):
    return make_client(k8s_docs_store)


@pytest.fixture(scope="module")
def k8s_server(k8s_docs_store):
    with running_server(k8s_docs_store.root, KG_CORS_ORIGINS="*") as url:
        yield url


def shoot(page, name: str, width: int, height: int, tmp_path: Path) -> None:
    """A screenshot in tmp_path, and in $KG_SCREENSHOTS when set (the README's)."""
    out = Path(os.environ.get("KG_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / f"{name}-{width}x{height}.png"))


def open_page(browser, width: int, height: int):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(30_000)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    return page, problems


def wait_until(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


# Contrast (WCAG 2 relative luminance) of every visible text against the first opaque
# background behind it, and a few role checks: every form field and button has a name,
# ids are unique, at most one element per page is aria-live.
AUDIT = """() => {
  const lum = (c) => { const m = c.match(/[\\d.]+/g).map(Number);
    const [r, g, b] = m.slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const alpha = (c) => { const m = c.match(/[\\d.]+/g); return m.length > 3 ? Number(m[3]) : 1; };
  const bg = (el) => { for (; el; el = el.parentElement) { const c = getComputedStyle(el).backgroundColor;
    if (alpha(c) > 0.5) return c; } return 'rgb(255,255,255)'; };
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || el.closest('svg')) continue;
    const r = el.getBoundingClientRect(); const st = getComputedStyle(el);
    if (!r.width || !r.height || st.visibility === 'hidden' || el.closest('[hidden], .visually-hidden')) continue;
    const a = lum(st.color), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) bad.push(n.textContent.trim().slice(0, 30) + ' ' + ratio.toFixed(2));
  }
  const unnamed = [...document.querySelectorAll('input:not([type=hidden]), select, button')].filter((el) =>
    !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim() &&
    !el.getAttribute('aria-labelledby')).map((el) => el.outerHTML.slice(0, 60));
  const ids = [...document.querySelectorAll('[id]')].map((el) => el.id);
  const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
  const live = document.querySelectorAll('[aria-live]').length;
  return { bad, unnamed, dupes, live };
}"""


def audit(page) -> None:
    found = page.evaluate(AUDIT)
    assert found["bad"] == [], f"text under 4.5:1 contrast: {found['bad'][:10]}"
    assert found["unnamed"] == [], found["unnamed"]
    assert found["dupes"] == [], found["dupes"]
    assert found["live"] <= 1


def test_pod_details_are_bounded(k8s_client):
    for name in ("Pod", "Service", "Deployment", "Node", "Container", "Namespace"):
        response = k8s_client.get(f"/api/explore/{name}")
        assert response.status_code == 200
        assert len(response.data) <= 100_000, (name, len(response.data))
    body = k8s_client.get("/api/explore/Pod").get_json()
    group = next(g for g in body["groups"] if g["total"] > len(g["items"]))
    page = k8s_client.get("/api/explore/Pod", query_string={
        "part": "group", "relation": group["relation"], "direction": group["direction"],
        "offset": len(group["items"]), "limit": 200}).get_json()
    assert page["total"] == group["total"]
    assert len(page["items"]) == min(200, group["total"] - len(group["items"]))
    sources = k8s_client.get("/api/explore/Pod", query_string={"part": "sources"}).get_json()
    assert sources["total"] == body["sources"]["total"] > len(body["sources"]["notes"])


def test_suggest_forgives_typos(k8s_client):
    found = k8s_client.get("/api/suggest", query_string={"q": "deploymnet"}).get_json()
    assert found["suggestions"][0]["label"] == "Deployment"


@pytest.mark.browser
@pytest.mark.parametrize("width,height", SIZES)
def test_explore_pod_on_a_real_corpus(browser, k8s_server, width, height, tmp_path):
    page, problems = open_page(browser, width, height)
    page.goto(k8s_server + "/explore/Pod")
    page.wait_for_selector("#graph .node.centre[data-id=pod]")
    page.wait_for_selector("#concept .rel-group")
    edges = page.locator("#graph .edge").count()
    assert 0 < edges <= 60
    shoot(page, "explore-pod", width, height, tmp_path)
    sizes = page.evaluate("""() => [...document.querySelectorAll('#graph .node text')]
      .filter((t) => getComputedStyle(t).display !== 'none')
      .map((t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)""")
    assert sizes and min(sizes) >= 11
    # the legend counts what is drawn
    counts = page.evaluate("""() => [...document.querySelectorAll('#relation-filters .count')]
      .reduce((sum, c) => sum + Number(c.textContent || 0), 0)""")
    assert counts == edges
    # one tab stop in the graph; arrows move between nodes
    assert page.locator("#graph .node[tabindex='0']").count() == 1
    page.locator("#graph .node[tabindex='0']").focus()
    first = page.evaluate("document.activeElement.getAttribute('data-id')")
    page.keyboard.press("ArrowRight")
    second = page.evaluate("document.activeElement.getAttribute('data-id')")
    assert second != first and page.locator("#graph .node[tabindex='0']").count() == 1
    title = page.locator("#concept-head h1").bounding_box()
    assert title["y"] + title["height"] <= height, "the title is visible without scrolling"
    definition = page.locator("#concept-intro .definition")
    assert definition.is_visible() and "Pod" in definition.inner_text()
    if width < 500:
        assert page.evaluate("document.documentElement.scrollHeight") <= 6000
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    # co-mention is off by default, and on when asked for (what the docs link is drawn)
    assert page.locator("#graph .edge.rel-related:not(.explicit)").count() == 0
    audit(page)
    assert problems == []
    page.close()


@pytest.mark.browser
def test_explorer_controls(browser, k8s_server):
    page, problems = open_page(browser, 1280, 800)
    page.goto(k8s_server + "/explore/Pod")
    page.wait_for_selector("#graph .node.centre[data-id=pod]")
    before = page.locator("#graph .node").count()
    page.click("#show-more")
    wait_until(lambda: page.locator("#graph .node").count() > before)
    page.check("#all-edges")
    wait_until(lambda: "edges=all" in page.url)
    page.locator('#relation-filters input[value="related"]').check()
    # co-mentions arrive with the reload; links the author wrote (also rel-related) were
    # drawn before it, so waiting for those would race the redraw
    wait_until(lambda: page.locator("#graph .edge.rel-related:not(.explicit)").count() > 0)
    # zoom keeps labels at their size and moves nodes apart
    node = page.locator("#graph .node:not(.centre)").first
    x0 = node.bounding_box()["x"]
    page.click("#zoom-in")
    assert node.bounding_box()["x"] != x0
    # "show all" pages in a relation group
    gid = page.locator("#concept .rel-group", has=page.locator("button.more")).first \
        .get_attribute("id")
    group = page.locator(f"#{gid}")
    shown = group.locator(".rel-item").count()
    group.locator("button.more").click()
    wait_until(lambda: group.locator(".rel-item").count() > shown)
    assert problems == []
    page.close()


@pytest.mark.browser
@pytest.mark.parametrize("width,height", SIZES)
def test_a_phrase_in_the_box_lands_on_results(browser, k8s_server, width, height, tmp_path):
    page, problems = open_page(browser, width, height)
    page.goto(k8s_server + "/explore/Pod")
    page.wait_for_selector("#graph .node.centre[data-id=pod]")
    page.fill("#search-input", "pod restart")
    page.press("#search-input", "Enter")
    page.wait_for_url(re.compile(r"/search\?q=pod\+restart"))
    assert page.locator(".hit").count() >= 5
    assert page.locator(".facets").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shoot(page, "search", width, height, tmp_path)
    audit(page)
    # the suggestions: concepts first, typo-tolerant
    page.fill("#search-input", "deploymnet")
    page.wait_for_selector("#search-list [role=option]")
    assert page.locator("#search-list [role=option]").first.inner_text().startswith("Deployment")
    page.keyboard.press("Control+k")
    assert page.evaluate("document.activeElement.id") == "search-input"
    assert problems == []
    page.close()


@pytest.mark.browser
@pytest.mark.parametrize("width,height", SIZES)
def test_concepts_and_notes_browse_everything(browser, k8s_server, k8s_docs_store, width, height,
                                              tmp_path):
    page, problems = open_page(browser, width, height)
    total, _ = k8s_docs_store.graph.concepts(0)
    seen = 0
    url = k8s_server + "/concepts"
    while url:
        page.goto(url)
        seen += page.locator(".index-list li").count()
        nxt = page.locator(".pager [aria-current] + a")
        url = nxt.get_attribute("href") if nxt.count() else None
        url = k8s_server + url if url else None
    assert seen == total
    page.goto(k8s_server + "/concepts?relation=manages&letter=P")
    assert 0 < page.locator(".index-list li").count() < total
    shoot(page, "concepts", width, height, tmp_path)
    audit(page)
    page.goto(k8s_server + "/notes/")
    links = page.locator(".note-list a")
    assert links.count() == len(k8s_docs_store.manifest["notes"])
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shoot(page, "notes", width, height, tmp_path)
    audit(page)
    page.goto(k8s_server + "/no/such/page")
    assert page.locator("main form[role=search] input").count() == 1
    assert problems == [] or all("404" in p for p in problems)
    page.close()


@pytest.mark.browser
@pytest.mark.parametrize("width,height", SIZES)
def test_note_page_renders_markdown_links_that_work(browser, k8s_server, width, height,
                                                    tmp_path):
    page, problems = open_page(browser, width, height)
    page.goto(k8s_server + "/notes/concepts/workloads/pods/_index.md#pod-networking")
    article = page.locator("article.markdown")
    assert article.locator("code").count() > 0 and article.locator("strong, em").count() > 0
    assert page.evaluate("location.hash") == "#pod-networking"
    assert page.locator(":target").is_visible()
    hrefs = [a.get_attribute("href") for a in article.locator("a").all()]
    assert not any(h.startswith("javascript:") for h in hrefs)
    ours = [h for h in hrefs if h.startswith("/notes/")][:8]
    assert len(ours) >= 3
    for href in ours:
        with urllib.request.urlopen(k8s_server + href.split("#")[0]) as response:
            assert response.status == 200
    assert "{#" not in page.locator(".toc").inner_text()
    shoot(page, "note", width, height, tmp_path)
    audit(page)
    assert problems == []
    page.close()


WIDGET_PAGE = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<style>
  body { margin: 0; font: 16px Georgia, serif; }
  .bar { height: 56px; overflow: hidden; display: flex; align-items: center; gap: 12px;
         padding: 0 16px; background: #eee; }
  .site-search { width: 280px; border: 2px solid rgb(200, 0, 0); border-radius: 0;
                 padding: 4px; font: 14px monospace; }
</style>
<script src="{api}/widget.js" data-kg-api="{api}" defer></script>
</head><body>
<div class="bar"><strong>Docs</strong>
  <input class="site-search" data-kg-search aria-label="Search the docs"></div>
<p>Page text.</p></body></html>"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def serve_page(folder: Path, html: str) -> tuple[ThreadingHTTPServer, str]:
    """A docs page on its own origin (another port), embedding the widget."""
    (folder / "docs.html").write_text(html, encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def docs_page(tmp_path) -> Iterator:
    servers = []

    def make(api: str) -> str:
        folder = tmp_path / f"site{len(servers)}"
        folder.mkdir()
        server, origin = serve_page(folder, WIDGET_PAGE.replace("{api}", api))
        servers.append(server)
        return origin

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.browser
@pytest.mark.parametrize("width,height", SIZES)
def test_widget_keeps_the_host_input_and_is_not_clipped(browser, k8s_server, width, height,
                                                        tmp_path, docs_page):
    page, problems = open_page(browser, width, height)
    page.goto(docs_page(k8s_server) + "/docs.html")
    box = page.locator("input.site-search")
    box.wait_for()
    wait_until(lambda: box.get_attribute("role") == "combobox")
    look = box.evaluate("""(el) => { const s = getComputedStyle(el);
      return [s.width, s.borderTopWidth, s.borderTopStyle, s.borderTopColor, s.fontFamily]; }""")
    assert look == ["280px", "2px", "solid", "rgb(200, 0, 0)", "monospace"]
    box.click()
    box.press_sequentially("deployment", delay=20)
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    listbox.locator("[role=option]").first.wait_for(state="visible")
    panel = listbox.locator("xpath=..")
    rect = panel.bounding_box()
    assert rect["height"] > 100 and rect["y"] + rect["height"] <= height
    # nothing clips it: the point in the middle of the dropdown is the dropdown
    inside = page.evaluate("""([x, y]) => !!document.elementFromPoint(x, y)
      .closest('.kg-search-panel')""", [rect["x"] + rect["width"] / 2,
                                          rect["y"] + rect["height"] / 2])
    assert inside
    concept = listbox.locator("[role=option]", has=page.locator(".kg-search-kind")).first
    assert "/explore/" in concept.get_attribute("data-url")
    last = listbox.locator("[role=option]").last
    assert last.inner_text().startswith("See all") and "/search?q=deployment" in \
        last.get_attribute("data-url")
    shoot(page, "widget", width, height, tmp_path)
    assert problems == []
    page.close()


@pytest.mark.browser
def test_widget_names_a_cors_refusal(browser, k8s_docs_store, docs_page):
    with running_server(k8s_docs_store.root) as api:  # no KG_CORS_ORIGINS: nobody allowed
        page, problems = open_page(browser, 1000, 700)
        origin = docs_page(api)
        page.goto(origin + "/docs.html")
        box = page.locator("input.site-search")
        wait_until(lambda: box.get_attribute("role") == "combobox")
        box.click()
        box.press_sequentially("pod", delay=20)
        error = page.locator(".kg-search-error")
        error.wait_for(state="visible")
        assert "CORS" in error.inner_text() and "KG_CORS_ORIGINS" in error.inner_text()
        assert any(f"KG_CORS_ORIGINS={origin}" in p for p in problems)
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize("url", ["/explore/Pod", "/search?q=pod+restart",
                                 "/notes/concepts/workloads/pods/_index.md", "/concepts"])
def test_dark_mode_follows_the_system_with_the_same_contrast(browser, k8s_server, url,
                                                             tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 800}, color_scheme="dark")
    page.goto(k8s_server + url)
    page.wait_for_load_state("networkidle")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background not in ("rgb(255, 255, 255)", "rgb(245, 246, 248)")
    audit(page)
    if url == "/explore/Pod":
        shoot(page, "explore-pod-dark", 1280, 800, tmp_path)
    page.close()


@pytest.mark.browser
def test_page_language_is_kept_as_the_focus_moves(browser, k8s_server):
    page, problems = open_page(browser, 1280, 800)
    page.goto(k8s_server + "/explore/Pod?lang=ko")
    page.wait_for_selector("#graph .node.centre[data-id=pod]")
    wait_until(lambda: page.locator("#concept-head h1").inner_text() == "파드")
    page.locator('#graph .node[data-id="node"]').focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/explore/node\?lang=ko$"))
    wait_until(lambda: page.locator("#concept-head h1").inner_text() == "노드")
    assert problems == []
    page.close()
