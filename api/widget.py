"""The embeddable search widget: ``GET /widget.js`` and a page to try it, ``GET /demo``.

``/widget.js`` (``api/static/widget.js``) is public: any site may load it with a script
tag, so it is sent with ``Access-Control-Allow-Origin: *`` and
``Cross-Origin-Resource-Policy: cross-origin``, a short ``Cache-Control`` and an ETag.
The *searches* it makes are cross-origin API calls and need the embedding page's origin
in ``KG_CORS_ORIGINS`` (see ``api.cors``).

``/demo`` is a short page about using kg with two widgets on it, talking to this same
server. Like every HTML page we serve it carries a strict Content-Security-Policy (its
one inline stylesheet is allowed by hash; scripts only from this origin) and
``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from flask import Blueprint, Response, request
from werkzeug.wrappers import Response as BaseResponse  # what redirect() returns

from service.errors import NotFound

blueprint = Blueprint("widget", __name__)

WIDGET_JS = Path(__file__).parent / "static" / "widget.js"
SCRIPT_CACHE = "public, max-age=300"  # short: a new release reaches embedding sites quickly

_loaded: dict[str, tuple[float, bytes, str]] = {}


def widget_source() -> tuple[bytes, str]:
    """The script's bytes and a strong ETag, re-read only when the file changes."""
    try:
        mtime = WIDGET_JS.stat().st_mtime
    except OSError:
        raise NotFound(
            "widget.js is missing from this installation", code="widget_missing"
        ) from None
    cached = _loaded.get("js")
    if cached is None or cached[0] != mtime:
        body = WIDGET_JS.read_bytes()
        cached = _loaded["js"] = (mtime, body, hashlib.sha256(body).hexdigest()[:32])
    return cached[1], cached[2]


@blueprint.get("/widget.js")
def widget_js() -> BaseResponse:
    body, etag = widget_source()
    response = Response(body, content_type="application/javascript; charset=utf-8")
    response.set_etag(etag)
    response.headers["Cache-Control"] = SCRIPT_CACHE
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response.make_conditional(request)


# -- /demo ------------------------------------------------------------------------------
DEMO_STYLE = """
:root { color-scheme: light dark; --page-fg: #1f2328; --page-bg: #fbfbfa; --page-muted: #59636e;
  --page-code: #f0f1f2; }
@media (prefers-color-scheme: dark) { :root { --page-fg: #e6edf3; --page-bg: #15191e;
  --page-muted: #9198a1; --page-code: #222830; } }
* { box-sizing: border-box; }
body { margin: 0; font: 17px/1.6 system-ui, -apple-system, "Segoe UI", sans-serif;
  color: var(--page-fg); background: var(--page-bg); }
header { position: sticky; top: 0; z-index: 10; display: flex; gap: 1rem; align-items: center;
  padding: .75rem max(1rem, calc((100vw - 46rem) / 2)); background: var(--page-bg);
  border-bottom: 1px solid color-mix(in srgb, var(--page-fg) 15%, transparent); }
header strong { white-space: nowrap; }
header .box { flex: 1; max-width: 26rem; margin-left: auto; }
main { max-width: 46rem; margin: 0 auto; padding: 1rem 1rem 4rem; }
h1 { line-height: 1.2; margin-top: 1.5rem; }
h2 { margin-top: 2.25rem; }
code, pre { font: .9em/1.5 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  background: var(--page-code); border-radius: 4px; }
code { padding: .1em .3em; }
pre { padding: .8rem 1rem; overflow-x: auto; }
kbd { font: .85em ui-monospace, monospace; padding: 0 .35em; border: 1px solid currentColor;
  border-radius: 3px; }
.note { color: var(--page-muted); }
.themed { --kg-accent: #0f766e; --kg-active-bg: #e6f4f1; --kg-radius: 2px; --kg-mark-bg: #ccfbf1;
  --kg-font: Georgia, serif; }
@media (prefers-color-scheme: dark) { .themed { --kg-active-bg: #12332f; --kg-mark-bg: #115e59; } }
table { border-collapse: collapse; width: 100%; font-size: .92em; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid
  color-mix(in srgb, var(--page-fg) 15%, transparent); vertical-align: top; }
"""

DEMO_BODY = """<header>
  <strong>kg notes</strong>
  <div class="box" data-kg-search data-kg-placeholder="Search the notes (press /)"></div>
</header>
<main>
<h1>Search your notes from any page</h1>
<p>kg reads a folder of study notes, finds the concepts in them and how they relate, and
answers questions about them over a small JSON API. This page is a stand-in for your own
documentation site: the box at the top and the one below are the kg search widget, and
both are talking to the kg server that sent you this page.</p>
<p>Try a word from the notes, such as <code>deployment</code>, <code>service</code> or
<code>configmap</code>. Misspellings are fine. Press <kbd>/</kbd> or
<kbd>Ctrl</kbd>+<kbd>K</kbd> to jump to the search box, the arrow keys to move through
the results, <kbd>Enter</kbd> to open one and <kbd>Esc</kbd> to close the list.</p>

<h2>Adding it to a page</h2>
<p>Two lines are enough. Load the script once, anywhere on the page, and mark the places
where a search box should appear:</p>
<pre><code>&lt;script src="https://kg.example/widget.js" \
data-kg-api="https://kg.example" defer&gt;&lt;/script&gt;

&lt;div data-kg-search&gt;&lt;/div&gt;</code></pre>
<p>An input you already have works too: give it the <code>data-kg-search</code> attribute
and it gets the results list. A page may hold as many boxes as it likes.</p>
<p>The page that embeds the widget usually lives on another origin than the kg server,
so the server has to allow it: start it with
<code>KG_CORS_ORIGINS=https://docs.example kg serve</code> (several origins separated by
commas, or <code>*</code> for any). The script itself may be loaded by anyone.</p>

<h2>Options</h2>
<table>
<tr><th>Attribute</th><th>Meaning</th></tr>
<tr><td><code>data-kg-api</code></td><td>The kg server. Left out, it is the server the
script came from.</td></tr>
<tr><td><code>data-kg-placeholder</code>, <code>data-kg-label</code></td><td>Placeholder
text and accessible name of the box.</td></tr>
<tr><td><code>data-kg-limit</code></td><td>How many results to list (1 to 20, 8 by
default).</td></tr>
<tr><td><code>data-kg-kind</code></td><td><code>section</code> or <code>concept</code> to
list only note sections or only concepts.</td></tr>
<tr><td><code>data-kg-hotkey="off"</code></td><td>Leave this box out of the
<kbd>/</kbd> and <kbd>Ctrl</kbd>+<kbd>K</kbd> shortcuts.</td></tr>
<tr><td><code>data-kg-styles="off"</code></td><td>Inject no CSS; style the
<code>.kg-search-…</code> classes yourself.</td></tr>
</table>

<h2>Making it look like your site</h2>
<p>The widget's colours, font and corners come from CSS custom properties, so a few lines
of your own CSS restyle it: <code>--kg-accent</code>, <code>--kg-bg</code>,
<code>--kg-fg</code>, <code>--kg-muted</code>, <code>--kg-border</code>,
<code>--kg-active-bg</code>, <code>--kg-mark-bg</code>, <code>--kg-font</code>,
<code>--kg-font-size</code>, <code>--kg-radius</code>, <code>--kg-shadow</code>,
<code>--kg-width</code>, <code>--kg-max-height</code> and <code>--kg-z</code>. This box
sets a few of them:</p>
<div class="themed" data-kg-search data-kg-placeholder="Search concepts only"
     data-kg-kind="concept" data-kg-hotkey="off"></div>
<p class="note">The widget's styles need no <code>'unsafe-inline'</code> in your
Content-Security-Policy. Its searches go to <code>/api/search</code>, so allow the kg
server in <code>connect-src</code>, and the script in <code>script-src</code>.</p>

<h2>What the results are</h2>
<p>Each result is either a section of a note (listed with the note and headings it sits
under) or a concept kg found in the notes, such as a Kubernetes object or a command. The
highlighted words show why it matched. Opening a result takes you to that place in the
notes.</p>
</main>
"""


def _style_hash(style: str) -> str:
    digest = hashlib.sha256(style.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


DEMO_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; "
    f"style-src 'self' {_style_hash(DEMO_STYLE)}; img-src 'self' data:; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def demo_html() -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>kg search widget: demo</title>\n"
        f"<style>{DEMO_STYLE}</style>\n"
        '<script src="/widget.js" defer></script>\n'
        f"</head>\n<body>\n{DEMO_BODY}</body>\n</html>\n"
    )


@blueprint.get("/demo")
def demo() -> Response:
    response = Response(demo_html(), mimetype="text/html")
    response.headers["Content-Security-Policy"] = DEMO_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-cache"
    return response
