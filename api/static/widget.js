/*!
 * kg search widget: a search box with a results dropdown over a kg server's /api/search.
 * No dependencies, no build step.
 *
 * EMBED
 *   <script src="https://kg.example/widget.js" data-kg-api="https://kg.example" defer></script>
 *   <div data-kg-search></div>            a box is created inside the div
 *   <input data-kg-search>                or an existing input is given the dropdown
 * The page's origin must be listed in the server's KG_CORS_ORIGINS (or it is "*").
 * data-kg-api may be left out: the API is then the origin the script was loaded from.
 *
 * OPTIONS (attributes on the div/input; each falls back to the same attribute on the
 * script tag, then to the default)
 *   data-kg-api          API origin (and path prefix, if any)    default: script's origin
 *   data-kg-placeholder  placeholder text                          "Search the notes"
 *   data-kg-label        accessible name of the box                "Search the notes"
 *   data-kg-limit        results shown, 1-20                        8
 *   data-kg-kind         only "section" or only "concept" results   both
 *   data-kg-min-chars    characters typed before searching          2
 *   data-kg-hotkey       "off": "/" and Ctrl-K/Cmd-K skip this box  on
 *   data-kg-styles       "off": inject no CSS (style .kg-search-* yourself)
 *
 * KEYBOARD
 *   "/" or Ctrl-K / Cmd-K  focus the first search box (not while typing in another field)
 *   Up / Down              move through results       Enter   open the active (or first) result
 *   Escape                 close the list; again clears the box
 *
 * THEMING: set these custom properties on the box or any ancestor (e.g. :root)
 *   --kg-accent        active-result bar, focus ring        --kg-font       font-family
 *   --kg-bg            dropdown and box background          --kg-font-size  box font size
 *   --kg-fg            text colour                          --kg-radius     corner radius
 *   --kg-muted         breadcrumbs and messages             --kg-shadow     dropdown shadow
 *   --kg-border        borders                              --kg-width      box width
 *   --kg-active-bg     background of the active result      --kg-max-height dropdown height
 *   --kg-mark-bg / --kg-mark-fg  highlighted words          --kg-z          dropdown z-index
 * Every element has a class starting with "kg-search" (kg-search, kg-search-input,
 * kg-search-panel, kg-search-option, kg-search-crumbs, kg-search-title, kg-search-snippet,
 * kg-search-message …); the injected rules use single classes, so page CSS with a class
 * selector wins over them.
 *
 * JAVASCRIPT: window.kgSearch = { version, mount(element, options), scan(root),
 *   sanitize(snippet), resolveUrl(url, api) }. scan() mounts boxes added to the page
 *   later; mount(el, {api, limit, …}) mounts one explicitly.
 */
(function () {
  "use strict";

  var VERSION = "1";
  var DEBOUNCE_MS = 120;
  var TIMEOUT_MS = 10000;
  var CACHE_SIZE = 40;

  if (window.kgSearch && window.kgSearch.version) {
    // Loaded twice (two script tags): the first copy is in charge.
    window.kgSearch.scan(document);
    return;
  }

  var script = document.currentScript ||
    document.querySelector("script[src*='widget.js'][data-kg-api]") ||
    document.querySelector("script[src*='widget.js']");

  function scriptOption(name) {
    return script ? script.getAttribute("data-kg-" + name) : null;
  }

  function defaultApi() {
    var configured = scriptOption("api");
    if (configured) return configured;
    if (script && script.src) return new URL(script.src, location.href).origin;
    return location.origin;
  }

  // -- text safety -----------------------------------------------------------------------
  var ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  var NAMED = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0", hellip: "\u2026" };

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) { return ESCAPES[c]; });
  }

  function decodeEntities(text) {
    return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, function (whole, name) {
      if (name.charAt(0) === "#") {
        var code = name.charAt(1).toLowerCase() === "x"
          ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        if (code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)) {
          return String.fromCodePoint(code);
        }
        return "\ufffd";
      }
      var known = NAMED[name.toLowerCase()];
      return known === undefined ? whole : known;
    });
  }

  /**
   * The API's snippet is HTML-escaped text with <mark> around the hits. Trust none of it:
   * split on exact <mark>/</mark> tags, decode the entities of the text between them,
   * escape that text again, and put back balanced <mark> elements only. Anything else
   * that looks like markup (<img onerror=…>, <script>, attributes on mark) ends up as
   * visible text, never as elements.
   */
  function sanitize(snippet) {
    var parts = String(snippet == null ? "" : snippet).split(/(<\/?mark>)/i);
    var out = "";
    var open = false;
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i];
      var tag = part.toLowerCase();
      if (tag === "<mark>") {
        if (!open) { out += "<mark>"; open = true; }
      } else if (tag === "</mark>") {
        if (open) { out += "</mark>"; open = false; }
      } else if (part) {
        out += escapeHtml(decodeEntities(part));
      }
    }
    return open ? out + "</mark>" : out;
  }

  /** An absolute http(s) URL for a result's url (relative to the API), or null. */
  function resolveUrl(url, api) {
    if (!url || typeof url !== "string") return null;
    var resolved;
    try {
      resolved = new URL(url, new URL(api || defaultApi(), location.href));
    } catch (e) {
      return null;
    }
    return resolved.protocol === "http:" || resolved.protocol === "https:" ? resolved.href : null;
  }

  function apiBase(api) {
    var base = new URL(api, location.href);
    return base.origin + base.pathname.replace(/\/+$/, "");
  }

  // -- styles ----------------------------------------------------------------------------
  var CSS = [
    ".kg-search{--kg-search-accent:var(--kg-accent,#2563eb);--kg-search-bg:var(--kg-bg,#fff);",
    "--kg-search-fg:var(--kg-fg,#1f2328);--kg-search-muted:var(--kg-muted,#59636e);",
    "--kg-search-border:var(--kg-border,#d0d7de);--kg-search-active:var(--kg-active-bg,#eef4ff);",
    "--kg-search-mark-bg:var(--kg-mark-bg,#fff3b0);--kg-search-mark-fg:var(--kg-mark-fg,inherit);",
    "position:relative;display:inline-block;box-sizing:border-box;vertical-align:middle;",
    "width:var(--kg-width,100%);max-width:100%;font-family:var(--kg-font,system-ui,-apple-system,'Segoe UI',sans-serif);",
    "color:var(--kg-search-fg);text-align:left;line-height:1.4}",
    "@media (prefers-color-scheme:dark){.kg-search{--kg-search-accent:var(--kg-accent,#6ea8fe);",
    "--kg-search-bg:var(--kg-bg,#1c2128);--kg-search-fg:var(--kg-fg,#e6edf3);",
    "--kg-search-muted:var(--kg-muted,#9198a1);--kg-search-border:var(--kg-border,#3d444d);",
    "--kg-search-active:var(--kg-active-bg,#23324a);--kg-search-mark-bg:var(--kg-mark-bg,#5c4a00);}}",
    ".kg-search *,.kg-search *::before,.kg-search *::after{box-sizing:border-box}",
    ".kg-search-input{display:block;width:100%;margin:0;padding:.5em .75em;",
    "font:inherit;font-size:var(--kg-font-size,16px);color:var(--kg-search-fg);",
    "background:var(--kg-search-bg);border:1px solid var(--kg-search-border);",
    "border-radius:var(--kg-radius,8px);outline:none;-webkit-appearance:none;appearance:none}",
    ".kg-search-input:focus{border-color:var(--kg-search-accent);",
    "box-shadow:0 0 0 3px color-mix(in srgb,var(--kg-search-accent) 30%,transparent)}",
    ".kg-search-input::placeholder{color:var(--kg-search-muted);opacity:1}",
    ".kg-search-panel{position:fixed;left:0;top:0;z-index:var(--kg-z,2147483000);",
    "min-width:16rem;background:var(--kg-search-bg);color:var(--kg-search-fg);",
    "border:1px solid var(--kg-search-border);border-radius:var(--kg-radius,8px);",
    "box-shadow:var(--kg-shadow,0 8px 24px rgba(0,0,0,.16));overflow:hidden;font-size:15px}",
    ".kg-search-panel[hidden]{display:none}",
    ".kg-search-list{list-style:none;margin:0;padding:4px;max-height:var(--kg-max-height,min(70vh,28rem));overflow-y:auto}",
    ".kg-search-list:empty{display:none}",
    ".kg-search-option{display:block;margin:0;padding:.5em .75em;border-radius:calc(var(--kg-radius,8px) - 3px);",
    "border-left:3px solid transparent;cursor:pointer}",
    ".kg-search-option[aria-selected=true]{background:var(--kg-search-active);border-left-color:var(--kg-search-accent)}",
    ".kg-search-option[aria-disabled=true]{cursor:default;opacity:.7}",
    ".kg-search-crumbs{display:block;font-size:.8em;color:var(--kg-search-muted);",
    "white-space:nowrap;overflow:hidden;text-overflow:ellipsis}",
    ".kg-search-title{display:block;font-weight:600}",
    ".kg-search-kind{margin-left:.25em;padding:0 .4em;font-size:.75em;font-weight:400;",
    "color:var(--kg-search-muted);border:1px solid var(--kg-search-border);border-radius:1em}",
    ".kg-search-snippet{display:block;font-size:.9em;color:var(--kg-search-fg);",
    "overflow:hidden;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical}",
    ".kg-search-snippet mark,.kg-search-title mark{background:var(--kg-search-mark-bg);",
    "color:var(--kg-search-mark-fg);padding:0 1px;border-radius:2px}",
    ".kg-search-message{margin:0;padding:.6em .9em;font-size:.9em;color:var(--kg-search-muted)}",
    ".kg-search-message:empty{display:none}",
    ".kg-search-message.kg-search-error{color:var(--kg-error,#b42318)}",
    ".kg-search-suggestion{font:inherit;padding:0;border:0;background:none;cursor:pointer;",
    "color:var(--kg-search-accent);text-decoration:underline}",
    ".kg-search-footer{padding:.35em .9em;font-size:.75em;color:var(--kg-search-muted);",
    "border-top:1px solid var(--kg-search-border)}",
    ".kg-search-footer[hidden]{display:none}",
    ".kg-search-all{font-weight:600;color:var(--kg-search-accent)}",
    ".kg-search-footer kbd{font:inherit;padding:0 .3em;border:1px solid var(--kg-search-border);border-radius:3px}",
    ".kg-search-sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;",
    "clip:rect(0 0 0 0);white-space:nowrap;border:0}",
    ".kg-search-busy .kg-search-input{background-image:linear-gradient(90deg,transparent,",
    "color-mix(in srgb,var(--kg-search-accent) 12%,transparent),transparent);background-size:200% 100%}",
    "@media (forced-colors:active){.kg-search-option[aria-selected=true]{forced-color-adjust:none;",
    "background:Highlight;color:HighlightText}.kg-search-option[aria-selected=true] *{color:HighlightText}}"
  ].join("").replace(/(^|\})([^{}@]+)\{/g, function (whole, end, selector) {
    // every rule in :where(): zero specificity, so any rule of the page wins
    // (pseudo-elements cannot go inside :where(), so those rules stay as they are)
    if (selector.indexOf("::") >= 0) return whole;
    return end + ":where(" + selector.trim() + "){";
  });

  var stylesAdded = false;

  function addStyles() {
    if (stylesAdded) return;
    stylesAdded = true;
    // A constructed stylesheet needs no 'unsafe-inline' in the page's CSP; a <style>
    // element is the fallback for browsers without one.
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
      return;
    } catch (e) { /* fall through */ }
    var style = document.createElement("style");
    style.setAttribute("data-kg-search", "styles");
    style.textContent = CSS;
    (document.head || document.documentElement).appendChild(style);
  }

  var THEME_VARS = ["--kg-accent", "--kg-bg", "--kg-fg", "--kg-muted", "--kg-border",
    "--kg-active-bg", "--kg-mark-bg", "--kg-mark-fg", "--kg-font", "--kg-font-size",
    "--kg-radius", "--kg-shadow", "--kg-max-height", "--kg-z", "--kg-error"];
  var layerNode = null;

  /** The body-level container every dropdown is rendered in. */
  function layer() {
    if (!layerNode || !layerNode.isConnected) {
      layerNode = el("div", "kg-search-layer");
      layerNode.setAttribute("data-kg-search-layer", "");
      document.body.appendChild(layerNode);
    }
    return layerNode;
  }

  // -- helpers ---------------------------------------------------------------------------
  var counter = 0;
  var widgets = [];

  function uniqueId(stem) {
    var id;
    do { id = "kg-search-" + (++counter) + "-" + stem; } while (document.getElementById(id));
    return id;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function clampInt(value, low, high, fallback) {
    var n = parseInt(value, 10);
    return isNaN(n) ? fallback : Math.min(high, Math.max(low, n));
  }

  /** The breadcrumb to show: repeats (note title = first heading) and the title dropped. */
  function crumbs(result) {
    var list = Array.isArray(result.breadcrumb) ? result.breadcrumb : [];
    var out = [];
    for (var i = 0; i < list.length; i++) {
      var item = String(list[i] == null ? "" : list[i]).trim();
      if (item && item !== out[out.length - 1]) out.push(item);
    }
    while (out.length && out[out.length - 1] === String(result.title || "").trim()) out.pop();
    return out;
  }

  /** Results that go to the same place under the same title (a concept defined in the
   *  section of that name) are listed once, the first (best-ranked) one kept. */
  function distinct(results, api) {
    var seen = new Set();
    return results.filter(function (result) {
      if (!result || typeof result !== "object") return false;
      var key = (resultUrl(result, api) || "#" + result.id) + "\n" +
        String(result.title || "").trim().toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  /** Where a result opens: a concept its page in the explorer, a section its place in
   *  the notes (the result's url). */
  function resultUrl(result, api) {
    if (result.kind === "concept" && result.id) {
      return resolveUrl("/explore/" + encodeURIComponent(result.id), api);
    }
    return resolveUrl(result.url, api);
  }

  function isEditable(node) {
    if (!node || node === document.body) return false;
    if (node.isContentEditable) return true;
    var tag = node.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag === "INPUT") {
      return !/^(button|checkbox|radio|submit|reset|file|image|range|color)$/i.test(node.type);
    }
    return false;
  }

  // -- one widget ------------------------------------------------------------------------
  function Widget(host, options) {
    this.options = options;
    this.api = apiBase(options.api);
    this.results = [];
    this.active = -1;
    this.query = "";
    this.sequence = 0;
    this.timer = 0;
    this.controller = null;
    this.cache = new Map();
    this.build(host);
    this.bind();
  }

  Widget.prototype.build = function (host) {
    var input;
    var root;
    if (host.tagName === "INPUT") {
      // The page's own input keeps its place, classes and look: only the dropdown is added.
      input = host;
      root = host;
    } else {
      root = el("div", "kg-search");
      input = el("input", "kg-search-input");
      input.type = "search";
      host.appendChild(root);
      root.appendChild(input);
    }
    if (!input.getAttribute("placeholder")) input.placeholder = this.options.placeholder;
    if (!input.getAttribute("aria-label") && !input.getAttribute("aria-labelledby") &&
        !(input.labels && input.labels.length)) {
      input.setAttribute("aria-label", this.options.label);
    }
    // The dropdown lives in a body-level layer, positioned over the input when open, so
    // no ancestor with overflow:hidden (or a transform, or a z-index) can clip it.
    var panel = el("div", "kg-search kg-search-panel");
    panel.hidden = true;
    var list = el("ul", "kg-search-list");
    list.id = uniqueId("listbox");
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Search results");
    var message = el("p", "kg-search-message");
    var footer = el("div", "kg-search-footer");
    footer.hidden = true;
    footer.innerHTML = "<kbd>\u2191</kbd> <kbd>\u2193</kbd> to move, <kbd>Enter</kbd> to open, " +
      "<kbd>Esc</kbd> to close";
    footer.setAttribute("aria-hidden", "true");
    var live = el("div", "kg-search-sr");
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    panel.appendChild(message);
    panel.appendChild(list);
    panel.appendChild(footer);
    panel.appendChild(live);
    layer().appendChild(panel);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-haspopup", "listbox");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("autocapitalize", "off");
    input.setAttribute("spellcheck", "false");
    input.setAttribute("enterkeyhint", "go");
    if (!input.getAttribute("maxlength")) input.setAttribute("maxlength", "200");

    this.root = root;
    this.input = input;
    this.panel = panel;
    this.list = list;
    this.message = message;
    this.footer = footer;
    this.live = live;
    host.setAttribute("data-kg-mounted", "");
    input.setAttribute("data-kg-mounted", "");
  };

  Widget.prototype.bind = function () {
    var self = this;
    this.input.addEventListener("input", function () { self.schedule(); });
    this.input.addEventListener("keydown", function (event) { self.onKey(event); });
    this.input.addEventListener("focus", function () {
      if (self.results.length || self.message.textContent) self.open();
    });
    this.input.addEventListener("blur", function (event) {
      if (!self.panel.contains(event.relatedTarget)) self.close();
    });
    var follow = function () { if (self.isOpen()) self.place(); };
    window.addEventListener("scroll", follow, true);
    window.addEventListener("resize", follow);
    // Keep the focus in the box while clicking the list.
    this.panel.addEventListener("mousedown", function (event) {
      if (!event.target.closest(".kg-search-suggestion")) event.preventDefault();
    });
    this.list.addEventListener("mousemove", function (event) {
      var option = event.target.closest(".kg-search-option");
      if (option) self.setActive(Number(option.getAttribute("data-index")), false);
    });
    this.list.addEventListener("click", function (event) {
      var option = event.target.closest(".kg-search-option");
      if (!option) return;
      var newTab = event.ctrlKey || event.metaKey || event.shiftKey;
      self.choose(Number(option.getAttribute("data-index")), newTab);
    });
    this.list.addEventListener("auxclick", function (event) {
      var option = event.target.closest(".kg-search-option");
      if (option && event.button === 1) self.choose(Number(option.getAttribute("data-index")), true);
    });
  };

  Widget.prototype.onKey = function (event) {
    if (event.isComposing) return;
    var count = this.results.length;
    switch (event.key) {
      case "ArrowDown":
      case "Down":
        event.preventDefault();
        if (!this.isOpen()) {
          if (count) { this.open(); this.setActive(0, true); } else { this.schedule(0); }
          return;
        }
        if (count) this.setActive(this.active + 1 >= count ? 0 : this.active + 1, true);
        return;
      case "ArrowUp":
      case "Up":
        if (!this.isOpen() || !count) return;
        event.preventDefault();
        this.setActive(this.active <= 0 ? count - 1 : this.active - 1, true);
        return;
      case "Enter":
        if (!count || !this.isOpen()) {
          if (this.input.value.trim()) { event.preventDefault(); this.schedule(0); }
          return;
        }
        event.preventDefault();
        this.choose(this.active >= 0 ? this.active : 0, event.ctrlKey || event.metaKey);
        return;
      case "Escape":
      case "Esc":
        if (this.isOpen()) {
          event.preventDefault();
          this.close();
        } else if (this.input.value) {
          event.preventDefault();
          this.input.value = "";
          this.reset();
        }
        return;
      case "Tab":
        this.close();
        return;
      default:
        return;
    }
  };

  Widget.prototype.isOpen = function () {
    return !this.panel.hidden;
  };

  /** Put the dropdown under the input (above it when there is no room below), as wide
   *  as the input, with the theme's custom properties as the input sees them. */
  Widget.prototype.place = function () {
    var box = this.input.getBoundingClientRect();
    var style = this.panel.style;
    var seen = getComputedStyle(this.input);
    for (var i = 0; i < THEME_VARS.length; i++) {
      var value = seen.getPropertyValue(THEME_VARS[i]);
      if (value) style.setProperty(THEME_VARS[i], value.trim());
      else style.removeProperty(THEME_VARS[i]);
    }
    var width = Math.max(box.width, 256);
    var left = Math.max(4, Math.min(box.left, window.innerWidth - width - 4));
    style.left = left + "px";
    style.width = width + "px";
    var below = window.innerHeight - box.bottom;
    if (below < 200 && box.top > below) {
      style.top = "auto";
      style.bottom = (window.innerHeight - box.top + 4) + "px";
    } else {
      style.bottom = "auto";
      style.top = (box.bottom + 4) + "px";
    }
  };

  Widget.prototype.open = function () {
    this.place();
    this.panel.hidden = false;
    this.input.setAttribute("aria-expanded", this.results.length ? "true" : "false");
  };

  Widget.prototype.close = function () {
    this.panel.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.setActive(-1, false);
  };

  Widget.prototype.reset = function () {
    this.abort();
    this.query = "";
    this.results = [];
    this.list.textContent = "";
    this.setMessage("", false);
    this.footer.hidden = true;
    this.close();
  };

  Widget.prototype.abort = function () {
    clearTimeout(this.timer);
    this.sequence++;
    if (this.controller) this.controller.abort();
    this.controller = null;
    this.panel.classList.remove("kg-search-busy");
  };

  Widget.prototype.schedule = function (delay) {
    var self = this;
    var query = this.input.value.trim();
    clearTimeout(this.timer);
    if (query.length < this.options.minChars) {
      this.reset();
      return;
    }
    this.timer = setTimeout(function () { self.search(query); },
      delay === undefined ? DEBOUNCE_MS : delay);
  };

  Widget.prototype.search = function (query) {
    var self = this;
    var key = query.toLowerCase();
    if (this.cache.has(key)) {
      this.abort();
      var cached = this.cache.get(key);
      this.cache.delete(key);
      this.cache.set(key, cached);
      this.show(query, cached);
      return;
    }
    this.abort();  // a newer query makes any request still in flight stale
    var sequence = this.sequence;
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    this.controller = controller;
    var params = new URLSearchParams({ q: query, limit: String(this.options.limit) });
    if (this.options.kind) params.set("kind", this.options.kind);
    var timeout = setTimeout(function () { if (controller) controller.abort(); }, TIMEOUT_MS);
    this.panel.classList.add("kg-search-busy");
    this.list.setAttribute("aria-busy", "true");
    fetch(this.api + "/api/search?" + params.toString(), {
      method: "GET",
      mode: "cors",
      credentials: "omit",
      headers: { Accept: "application/json" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        return { ok: response.ok, status: response.status, body: body };
      });
    }).then(function (answer) {
      clearTimeout(timeout);
      if (sequence !== self.sequence) return;  // stale: the box has moved on
      self.finish();
      if (!answer.ok || !answer.body || !Array.isArray(answer.body.results)) {
        var detail = answer.body && answer.body.error && answer.body.error.message;
        self.fail(answer.status >= 400 && answer.status < 500 && detail
          ? String(detail) : "Search is unavailable right now (HTTP " + answer.status + ").");
        return;
      }
      self.cache.set(key, answer.body);
      if (self.cache.size > CACHE_SIZE) self.cache.delete(self.cache.keys().next().value);
      self.show(query, answer.body);
    }).catch(function (error) {
      clearTimeout(timeout);
      if (sequence !== self.sequence) return;  // aborted because a newer query started
      self.finish();
      if (error && error.name === "AbortError") {
        self.fail("Search took too long; try again.");
        return;
      }
      // fetch does not say why it failed. If the server answers a no-cors request, it
      // is up: then the browser refused its answer, which is CORS.
      fetch(self.api + "/healthz", { mode: "no-cors", credentials: "omit" }).then(function () {
        if (sequence !== self.sequence) return;
        var origin = location.origin;
        if (window.console) {
          console.error("kg search: the kg server at " + self.api + " does not allow " +
            "requests from " + origin + " (CORS). Start it with KG_CORS_ORIGINS=" + origin +
            " (comma-separated origins, or * for any).");
        }
        self.fail("Search is blocked: this site (" + origin + ") is not allowed by the " +
          "search server (CORS; see KG_CORS_ORIGINS).");
      }, function () {
        if (sequence !== self.sequence) return;
        self.fail("Search is unavailable right now (the server could not be reached).");
      });
    });
  };

  Widget.prototype.finish = function () {
    this.controller = null;
    this.panel.classList.remove("kg-search-busy");
    this.list.removeAttribute("aria-busy");
  };

  Widget.prototype.fail = function (text) {
    this.results = [];
    this.list.textContent = "";
    this.footer.hidden = true;
    this.setMessage(text, true);
    this.announce(text);
    if (document.activeElement === this.input) this.open();
  };

  Widget.prototype.setMessage = function (text, isError) {
    this.message.textContent = text;
    this.message.classList.toggle("kg-search-error", !!isError);
  };

  Widget.prototype.announce = function (text) {
    this.live.textContent = text;
  };

  Widget.prototype.show = function (query, body) {
    var self = this;
    this.query = query;
    this.results = distinct(body.results, this.api).slice(0, this.options.limit);
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    this.list.textContent = "";
    this.setMessage("", false);
    var suggestion = typeof body.didYouMean === "string" ? body.didYouMean.trim() : "";
    if (suggestion && suggestion.toLowerCase() !== query.toLowerCase()) {
      this.message.appendChild(document.createTextNode(
        this.results.length ? "Showing results for " : "No results. Did you mean "));
      var button = el("button", "kg-search-suggestion", suggestion);
      button.type = "button";
      button.addEventListener("click", function () {
        self.input.value = suggestion;
        self.input.focus();
        self.schedule(0);
      });
      this.message.appendChild(button);
      this.message.appendChild(document.createTextNode(this.results.length ? "." : "?"));
    } else if (!this.results.length) {
      this.setMessage("No results for \u201c" + query + "\u201d.", false);
    }
    var total = typeof body.total === "number" ? body.total : this.results.length;
    if (this.results.length) {
      // the last option opens the server's results page with every match
      this.results.push({ kind: "all", title: "See all " + total + " results",
        url: "/search?q=" + encodeURIComponent(query) });
    }
    for (var i = 0; i < this.results.length; i++) {
      this.list.appendChild(this.option(this.results[i], i));
    }
    this.footer.hidden = !this.results.length;
    this.announce(this.results.length
      ? total + (total === 1 ? " result" : " results") + (suggestion ? " for " + suggestion : "") +
        ". Use the arrow keys to choose one."
      : this.message.textContent);
    if (document.activeElement === this.input) this.open();
  };

  Widget.prototype.option = function (result, index) {
    var li = el("li", "kg-search-option");
    li.id = this.list.id + "-" + index;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    li.setAttribute("data-index", String(index));
    var url = resultUrl(result, this.api);
    if (url) li.setAttribute("data-url", url); else li.setAttribute("aria-disabled", "true");
    if (result.kind === "all") li.classList.add("kg-search-all");
    var path = crumbs(result);
    if (path.length) li.appendChild(el("span", "kg-search-crumbs", path.join(" \u203a ")));
    var title = el("span", "kg-search-title", String(result.title || result.id || "Untitled"));
    if (result.kind === "concept") {
      title.appendChild(document.createTextNode(" "));
      title.appendChild(el("span", "kg-search-kind", "concept"));
    }
    li.appendChild(title);
    if (result.snippet) {
      var snippet = el("span", "kg-search-snippet");
      snippet.innerHTML = sanitize(result.snippet);  // only <mark> survives: see sanitize()
      li.appendChild(snippet);
    }
    return li;
  };

  Widget.prototype.setActive = function (index, scroll) {
    var previous = this.list.children[this.active];
    if (previous) previous.setAttribute("aria-selected", "false");
    this.active = index;
    var option = index >= 0 ? this.list.children[index] : null;
    if (!option) {
      this.active = -1;
      this.input.removeAttribute("aria-activedescendant");
      return;
    }
    option.setAttribute("aria-selected", "true");
    this.input.setAttribute("aria-activedescendant", option.id);
    if (scroll && option.scrollIntoView) option.scrollIntoView({ block: "nearest" });
  };

  Widget.prototype.choose = function (index, newTab) {
    var option = this.list.children[index];
    var url = option && option.getAttribute("data-url");
    if (!url) return;
    if (newTab) {
      window.open(url, "_blank", "noopener");
      return;
    }
    this.close();
    window.location.assign(url);
  };

  // -- mounting --------------------------------------------------------------------------
  function readOptions(element, extra) {
    extra = extra || {};
    function pick(name) {
      if (extra[name] != null) return String(extra[name]);
      var own = element.getAttribute("data-kg-" + name);
      return own != null && own !== "" ? own : scriptOption(name);
    }
    var kind = pick("kind");
    return {
      api: pick("api") || defaultApi(),
      placeholder: pick("placeholder") || "Search the notes",
      label: pick("label") || "Search the notes",
      limit: clampInt(pick("limit"), 1, 20, 8),
      minChars: clampInt(pick("min-chars") || pick("minChars"), 1, 10, 2),
      kind: kind === "section" || kind === "concept" ? kind : null,
      hotkey: pick("hotkey") !== "off",
      styles: pick("styles") !== "off"
    };
  }

  function mount(element, extra) {
    if (!element || element.hasAttribute("data-kg-mounted")) return null;
    var options = readOptions(element, extra);
    if (options.styles) addStyles();
    var widget = new Widget(element, options);
    widgets.push(widget);
    return widget;
  }

  function scan(root) {
    var found = (root || document).querySelectorAll("[data-kg-search]:not([data-kg-mounted])");
    var mounted = [];
    for (var i = 0; i < found.length; i++) {
      if (found[i].tagName === "SCRIPT" || found[i].tagName === "STYLE") continue;
      var widget = mount(found[i]);
      if (widget) mounted.push(widget);
    }
    return mounted;
  }

  // "/" and Ctrl-K / Cmd-K focus the first visible box, unless the user is typing elsewhere.
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing) return;
    var slash = event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey;
    var ctrlK = (event.key === "k" || event.key === "K") && (event.ctrlKey || event.metaKey) &&
      !event.altKey && !event.shiftKey;
    if (!slash && !ctrlK) return;
    var focused = document.activeElement;
    var inWidget = widgets.some(function (w) { return w.input === focused; });
    if (inWidget ? slash : isEditable(focused)) return;
    for (var i = 0; i < widgets.length; i++) {
      var input = widgets[i].input;
      if (widgets[i].options.hotkey && input.isConnected && input.getClientRects().length) {
        if (input === focused) { event.preventDefault(); return; }
        event.preventDefault();
        input.focus();
        input.select();
        return;
      }
    }
  });

  window.kgSearch = {
    version: VERSION,
    mount: mount,
    scan: scan,
    sanitize: sanitize,
    resolveUrl: resolveUrl
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { scan(document); });
  } else {
    scan(document);
  }
})();
