"""The embeddable search widget (/widget.js) and its demo page (/demo).

The browser tests embed the widget the way a documentation site would: an HTML page
served from one origin (a tiny http.server) loads the script and searches the API on
another origin (``live_server``, ``kg serve`` with KG_CORS_ORIGINS="*").
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from api.widget import DEMO_STYLE

# -- the script and the demo page over the test client ---------------------------------


def test_widget_js_is_served_as_javascript(client):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/javascript; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    cache = response.headers["Cache-Control"]
    assert "public" in cache
    max_age = int(re.search(r"max-age=(\d+)", cache).group(1))
    assert 0 < max_age <= 3600  # short, so a new release reaches embedding sites soon
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    source = response.get_data(as_text=True)
    assert "window.kgSearch" in source
    for name in ("--kg-accent", "--kg-bg", "--kg-fg", "--kg-font", "--kg-radius"):
        assert name in source.split("*/", 1)[0], f"{name} is not documented in the header"


def test_widget_js_is_self_contained(client):
    source = client.get("/widget.js").get_data(as_text=True)
    assert not re.search(r"\bimport\s*\(|\brequire\s*\(|\beval\s*\(|new Function", source)
    assert not re.search(r"https?://(?!kg\.example)", source)  # no CDN or other origin


def test_widget_js_revalidates_with_etag(client):
    first = client.get("/widget.js")
    etag = first.headers["ETag"]
    again = client.get("/widget.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_demo_page_embeds_the_widget(client):
    response = client.get("/demo")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert re.search(r'<script src="/widget\.js"[^>]* defer></script>', html)
    assert html.count("data-kg-search") >= 2  # several widgets on one page
    assert "KG_CORS_ORIGINS" in html


def test_demo_page_security_headers(client):
    response = client.get("/demo")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = dict(part.strip().split(" ", 1) for part in
               response.headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'"
    assert csp["connect-src"] == "'self'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == "'none'"
    digest = base64.b64encode(hashlib.sha256(DEMO_STYLE.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp["style-src"]
    assert f"<style>{DEMO_STYLE}</style>" in response.get_data(as_text=True)


# -- in a browser -----------------------------------------------------------------------
DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Some docs</title>
<script src="{api}/widget.js" data-kg-api="{api}" defer></script>
</head><body>
<h1>Some documentation site</h1>
<p><label>Unrelated field <input id="other"></label></p>
<div id="one" data-kg-search></div>
<p>Text between the boxes.</p>
<div id="two" data-kg-search data-kg-placeholder="Second box" data-kg-hotkey="off"></div>
<form id="form" action="/submitted"><input id="three" class="site-input" name="q"
  data-kg-search data-kg-hotkey="off" aria-label="Site search"></form>
</body></html>
"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002, ANN001, ANN002
        pass


@pytest.fixture(scope="module")
def warm_server(live_server) -> str:
    """A few searches in parallel first, so that every gunicorn worker has opened the
    index before a test's first keystroke (a cold worker on a busy CI box is slow)."""
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda q: api_search(live_server, q), ["pod", "service", "node", "job"]))
    return live_server


@pytest.fixture
def docs_site(tmp_path, warm_server) -> Iterator[str]:
    """A static docs page on its own origin, embedding the widget from the API origin."""
    live_server = warm_server
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(DOCS_PAGE.format(api=live_server), encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def page(browser, docs_site):
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(docs_site)
    page.wait_for_selector("#one input[role=combobox]")
    try:
        yield page
    finally:
        context.close()


def api_search(live_server: str, q: str, limit: int = 8) -> dict:
    query = urllib.parse.urlencode({"q": q, "limit": limit})
    with urllib.request.urlopen(f"{live_server}/api/search?{query}", timeout=60) as response:
        return json.load(response)


def panel(page, box: str = "#one"):
    """A box's dropdown: it lives in a body-level layer, found by the input's
    aria-controls (the listbox) and its parent (the panel)."""
    field = page.locator(f"{box} input, input{box}").first
    return page.locator("#" + field.get_attribute("aria-controls")).locator("xpath=..")


def options(page, box: str = "#one"):
    return panel(page, box).locator("[role=option]")


def fake_results(route, body: dict, status: int = 200) -> None:
    route.fulfill(status=status, content_type="application/json",
                  headers={"Access-Control-Allow-Origin": "*"}, body=json.dumps(body))


@pytest.mark.browser
def test_acceptance_typo_finds_deployment_and_enter_opens_it(page, docs_site, live_server,
                                                             tmp_path):
    from playwright.sync_api import expect

    assert urllib.parse.urlsplit(docs_site).netloc != urllib.parse.urlsplit(live_server).netloc
    expected = api_search(live_server, "deploymnet")["results"]
    assert expected, "the API finds nothing for 'deploymnet' (search/ typo tolerance)"
    target = urllib.parse.urljoin(live_server + "/", expected[0]["url"])

    box = page.locator("#one input")
    box.click()
    box.press_sequentially("deploymnet", delay=30)
    first = options(page).first
    first.wait_for(state="visible")
    # under load the list may first show the answer to a prefix typed on the way
    # ("deploymn"): wait for the answer to the whole word
    expect(first.locator(".kg-search-title")).to_contain_text("Deployment")
    assert "Deployment" in panel(page).locator("[role=listbox]").inner_text()
    assert box.get_attribute("aria-expanded") == "true"
    assert first.get_attribute("data-url") == target
    assert first.locator(".kg-search-crumbs").inner_text()  # note › heading
    page.screenshot(path=str(tmp_path / "widget.png"))
    assert (tmp_path / "widget.png").stat().st_size > 0

    box.press("Enter")
    page.wait_for_url(target)
    assert page.url == target
    assert urllib.parse.urlsplit(page.url).netloc == urllib.parse.urlsplit(live_server).netloc
    assert page.errors == []


@pytest.mark.browser
def test_keyboard_navigation_and_escape(page):
    box = page.locator("#one input")
    listbox_id = box.get_attribute("aria-controls")
    assert page.locator(f"#{listbox_id}").get_attribute("role") == "listbox"
    assert box.get_attribute("aria-expanded") == "false"
    box.click()
    box.press_sequentially("service", delay=20)
    options(page).first.wait_for(state="visible")
    count = options(page).count()
    assert count >= 2
    assert box.get_attribute("aria-activedescendant") is None

    box.press("ArrowDown")
    first_id = options(page).nth(0).get_attribute("id")
    assert box.get_attribute("aria-activedescendant") == first_id
    assert options(page).nth(0).get_attribute("aria-selected") == "true"
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == options(page).nth(1).get_attribute("id")
    assert options(page).nth(0).get_attribute("aria-selected") == "false"
    assert options(page).nth(1).get_attribute("aria-selected") == "true"
    box.press("ArrowUp")
    assert box.get_attribute("aria-activedescendant") == first_id
    box.press("ArrowUp")  # wraps to the last
    assert box.get_attribute("aria-activedescendant") == options(page).nth(count - 1) \
        .get_attribute("id")

    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert box.get_attribute("aria-activedescendant") is None
    assert not panel(page).is_visible()
    assert box.input_value() == "service"
    box.press("ArrowDown")  # reopens
    assert box.get_attribute("aria-expanded") == "true"
    box.press("Escape")
    box.press("Escape")  # a second Escape clears the box
    assert box.input_value() == ""
    assert page.errors == []


@pytest.mark.browser
def test_hotkeys_focus_the_box_unless_typing_elsewhere(page):
    box = page.locator("#one input")
    page.locator("h1").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement === document.querySelector('#one input')")
    assert box.input_value() == ""  # the "/" was not typed into it

    page.locator("#other").click()
    page.keyboard.press("/")
    assert page.locator("#other").input_value() == "/"  # typing elsewhere is left alone
    assert page.evaluate("document.activeElement.id") == "other"

    page.locator("h1").click()
    page.keyboard.press("Control+k")
    assert page.evaluate("document.activeElement === document.querySelector('#one input')")


@pytest.mark.browser
def test_several_widgets_work_independently(page):
    one, two = page.locator("#one input"), page.locator("#two input")
    assert one.get_attribute("aria-controls") != two.get_attribute("aria-controls")
    assert two.get_attribute("placeholder") == "Second box"
    two.click()
    two.press_sequentially("configmap", delay=20)
    options(page, "#two").first.wait_for(state="visible")
    assert options(page, "#one").count() == 0
    two.press("ArrowDown")
    active = two.get_attribute("aria-activedescendant")
    assert active and panel(page, "#two").locator(f"#{active}").count() == 1
    ids = page.eval_on_selector_all("[id]", "nodes => nodes.map(n => n.id)")
    assert len(ids) == len(set(ids))


@pytest.mark.browser
def test_an_existing_input_is_enhanced_in_place(page, live_server):
    three = page.locator("#three")
    assert three.get_attribute("role") == "combobox"
    assert three.get_attribute("aria-label") == "Site search"  # the page's own name kept
    assert "site-input" in three.get_attribute("class")
    assert page.locator("#form > #three").count() == 1  # left where the page put it
    three.click()
    three.press_sequentially("namespace", delay=20)
    first = options(page, "#three").first
    first.wait_for(state="visible")
    target = first.get_attribute("data-url")
    assert target.startswith(live_server + "/")
    three.press("Enter")  # opens the result; the form is not submitted
    page.wait_for_url(target)
    assert "/submitted" not in page.url


@pytest.mark.browser
def test_debounced_and_stale_answers_dropped(browser, docs_site):
    context = browser.new_context()
    # Hold back the answer for "pod" so that it arrives after the one for "service".
    context.add_init_script("""
      window.__requests = []; window.__aborted = [];
      const realFetch = window.fetch.bind(window);
      window.fetch = (url, init) => {
        const q = new URL(url).searchParams.get('q');
        window.__requests.push(q);
        if (q !== 'pod') return realFetch(url, init);
        return new Promise((resolve, reject) => setTimeout(() => {
          if (init.signal && init.signal.aborted) window.__aborted.push(q);
          realFetch(url, init).then(resolve, reject);
        }, 700));
      };""")
    page = context.new_page()
    try:
        page.goto(docs_site)
        box = page.locator("#one input")
        box.click()
        box.press_sequentially("pod", delay=15)  # keystrokes inside the debounce window
        page.wait_for_function("window.__requests.length === 1")
        assert page.evaluate("window.__requests") == ["pod"]  # one request, not three
        box.fill("service")
        options(page).first.wait_for(state="visible")
        page.wait_for_timeout(1000)  # the held-back "pod" answer has come and gone
        assert page.evaluate("window.__aborted") == ["pod"]
        titles = options(page).locator(".kg-search-title").all_inner_texts()
        assert any("Service" in title for title in titles)
        assert not any(title.strip() == "Pod" for title in titles)
    finally:
        context.close()


@pytest.mark.browser
def test_no_results_did_you_mean_and_error_states(page):
    box = page.locator("#one input")
    message = panel(page).locator(".kg-search-message")
    box.click()
    box.fill("zzqqxxyy")
    message.filter(has_text="No results").wait_for(state="visible")
    assert options(page).count() == 0

    page.route("**/api/search?*", lambda route: fake_results(route, {
        "query": "deploymnt", "total": 0, "results": [], "facets": {},
        "didYouMean": "deployment"}))
    box.fill("deploymnt")
    suggestion = panel(page).locator(".kg-search-suggestion")
    suggestion.wait_for(state="visible")
    assert suggestion.inner_text() == "deployment"
    assert "Did you mean" in message.inner_text()
    page.unroute("**/api/search?*")
    suggestion.click()
    assert box.input_value() == "deployment"
    options(page).first.wait_for(state="visible")

    page.route("**/api/search?*", lambda route: fake_results(
        route, {"error": {"code": "internal", "message": "boom"}}, status=500))
    box.fill("storage")
    error = panel(page).locator(".kg-search-error")
    error.wait_for(state="visible")
    assert "unavailable" in error.inner_text()
    assert options(page).count() == 0
    page.unroute("**/api/search?*")

    # unreachable: the search and the server's /healthz both fail (a CORS refusal would
    # leave /healthz answering)
    page.route("**/api/search?*", lambda route: route.abort("connectionrefused"))
    page.route("**/healthz", lambda route: route.abort("connectionrefused"))
    box.fill("volumes")
    panel(page).locator(".kg-search-error").filter(has_text="could not be reached") \
        .wait_for(state="visible")
    assert page.errors == []


XSS_RESULT = {
    "kind": "section", "id": "x",
    "title": '<img src=x onerror="window.__xss=\'title\'">Evil',
    "breadcrumb": ['<svg onload="window.__xss=\'crumb\'">', "Note"],
    "snippet": ('before <img src=x onerror="window.__xss=\'snippet\'"> <mark>hit</mark> '
                '&lt;script&gt;window.__xss=1&lt;/script&gt; <mark onmouseover="x()">m</mark>'
                '<script>window.__xss="script"</script>'),
    "score": 1, "url": "javascript:window.__xss='url'", "source": None, "concepts": [],
}


@pytest.mark.browser
def test_malicious_results_cannot_inject_script(page, tmp_path):
    page.route("**/api/search?*", lambda route: fake_results(route, {
        "query": "evil", "total": 1, "results": [XSS_RESULT], "facets": {}}))
    box = page.locator("#one input")
    box.click()
    box.fill("evil")
    option = options(page).first
    option.wait_for(state="visible")
    page.wait_for_timeout(300)  # an injected <img src=x> would have failed and fired by now
    assert page.evaluate("window.__xss") is None
    widget = panel(page)
    assert widget.locator("img, svg, script, [onerror], [onload], [onmouseover]").count() == 0
    assert widget.locator(".kg-search-snippet mark").count() == 1  # the one without attributes
    assert "<img" in option.locator(".kg-search-title").inner_text()  # shown as text
    assert "<script>" in option.locator(".kg-search-snippet").inner_text()
    assert option.get_attribute("aria-disabled") == "true"  # javascript: url refused
    before = page.url
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_timeout(200)
    assert page.url == before
    assert page.evaluate("window.__xss") is None
    page.screenshot(path=str(tmp_path / "xss.png"))


@pytest.mark.browser
def test_results_to_the_same_place_are_listed_once(page):
    section = {"kind": "section", "id": "a.md#dep", "title": "Deployment", "snippet": "s",
               "breadcrumb": ["Controllers", "Controllers", "Deployment"], "score": 2,
               "url": "/notes/a.md#dep", "source": None, "concepts": []}
    # the same section twice (two ids, one place and title), and a concept, which opens
    # in the explorer and so is a place of its own
    twin = dict(section, id="a.md#dep-again", score=1)
    concept = dict(section, kind="concept", id="strategy", title="strategy")
    page.route("**/api/search?*", lambda route: fake_results(route, {
        "query": "dep", "total": 3, "results": [section, twin, concept], "facets": {}}))
    box = page.locator("#one input")
    box.click()
    box.fill("dep")
    options(page).first.wait_for(state="visible")
    assert options(page).locator(".kg-search-title").all_inner_texts() == [
        "Deployment", "strategy concept", "See all 3 results"]
    assert options(page).nth(1).get_attribute("data-url").endswith("/explore/strategy")
    assert options(page).first.locator(".kg-search-crumbs").inner_text() == "Controllers"


SANITIZE_CASES = [
    ("a <mark>b</mark> &lt;c&gt; &amp; d", "a <mark>b</mark> &lt;c&gt; &amp; d"),
    ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ('<mark onclick="x()">y</mark>', "&lt;mark onclick=&quot;x()&quot;&gt;y"),
    ("<MARK>open", "<mark>open</mark>"),
    ("</mark>stray<mark><mark>twice</mark>", "stray<mark>twice</mark>"),
    ("&#x3c;img&#62; &amp;lt; &bogus; &#0;", "&lt;img&gt; &amp;lt; &amp;bogus; \ufffd"),
    ('"quotes" & \'apostrophes\'', "&quot;quotes&quot; &amp; &#39;apostrophes&#39;"),
    ("", ""),
]


@pytest.mark.browser
def test_sanitizer_allows_only_mark(page):
    for raw, safe in SANITIZE_CASES:
        assert page.evaluate("s => window.kgSearch.sanitize(s)", raw) == safe, raw
    only_marks = page.evaluate("""cases => cases.every(s => {
        const d = document.createElement('div');
        d.innerHTML = window.kgSearch.sanitize(s);
        return [...d.querySelectorAll('*')].every(e => e.tagName === 'MARK' &&
                                                     e.attributes.length === 0);
    })""", [raw for raw, _ in SANITIZE_CASES] + [XSS_RESULT["snippet"], XSS_RESULT["title"]])
    assert only_marks


@pytest.mark.browser
def test_result_urls_resolve_against_the_api(page, live_server):
    resolve = "([u, api]) => window.kgSearch.resolveUrl(u, api)"
    assert page.evaluate(resolve, ["/notes/a.md#x", live_server]) == f"{live_server}/notes/a.md#x"
    assert page.evaluate(resolve, ["https://other.example/p", live_server]) == \
        "https://other.example/p"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", None, ""):
        assert page.evaluate(resolve, [bad, live_server]) is None


@pytest.mark.browser
def test_demo_page_works_under_its_csp(browser, live_server, tmp_path):
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: messages.append(str(error)))
    try:
        page.goto(f"{live_server}/demo")
        box = page.locator("header input[role=combobox]")
        box.wait_for()
        assert page.locator("input[role=combobox]").count() == 2
        # The widget's CSS applied although the CSP has no 'unsafe-inline'.
        assert page.evaluate("getComputedStyle(document.querySelector('.kg-search-panel'))"
                             ".position") == "fixed"
        page.keyboard.press("/")
        box.press_sequentially("deployment", delay=20)
        options(page, "header").first.wait_for(state="visible")
        box.press("ArrowDown")
        page.screenshot(path=str(tmp_path / "demo.png"))
        assert not [m for m in messages if "Content Security Policy" in m or "Refused" in m]
    finally:
        context.close()

