/* kg explorer: concept details, a radial SVG graph of the neighbourhood, relation
 * filters, and a path finder. Plain DOM, no library. Data is only ever inserted with
 * textContent / setAttribute (never innerHTML), so note text cannot inject markup. */
(function () {
  'use strict';

  var SVG_NS = 'http://www.w3.org/2000/svg';
  var NODE_H = 26;
  var LIMITS = { 1: 40, 2: 60 };
  var TOP_LIMIT = 30;

  var app = document.getElementById('app');
  if (!app) return;
  var svg = document.getElementById('graph');
  var statusEl = document.getElementById('graph-status');
  var conceptEl = document.getElementById('concept');
  var filtersEl = document.getElementById('relation-filters');

  var state = {
    focus: app.getAttribute('data-focus') || null,
    depth: 1,
    hidden: new Set(),      // relation types switched off
    types: [],              // [{id,label,description}]
    graph: null,            // last /api/graph answer (plus path additions)
    path: null,             // highlighted path {nodes, edges}
    paths: [],
    seq: 0                  // guards against out-of-order answers
  };

  // ------------------------------------------------------------------ helpers
  function h(tag, attrs) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function s(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function setAttrs(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'text') node.textContent = String(v);
      else if (k.slice(0, 2) === 'on' && typeof v === 'function') node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    });
  }
  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function exploreUrl(id) { return '/explore/' + encodeURIComponent(id); }
  function noteUrl(path, hash) {
    var url = '/notes/' + String(path).split('/').map(encodeURIComponent).join('/');
    return hash ? url + '#' + encodeURIComponent(hash) : url;
  }
  function relClass(rel) {
    return 'rel-' + (state.types.some(function (t) { return t.id === rel; }) ? rel : 'other');
  }
  function relLabel(rel) {
    for (var i = 0; i < state.types.length; i++) if (state.types[i].id === rel) return state.types[i].label;
    return rel;
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: 'application/json' } }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) {
          var err = new Error((body.error && body.error.message) || ('HTTP ' + r.status));
          err.status = r.status;
          err.body = body;
          throw err;
        }
        return body;
      });
    });
  }

  // A link that refocuses in place (and still works as a plain link / new tab).
  function conceptLink(id, label, cls) {
    return h('a', {
      href: exploreUrl(id), class: cls || 'concept-link', text: label,
      onclick: function (ev) {
        if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
        ev.preventDefault();
        refocus(id);
      }
    });
  }
  function sourceLink(path, line, anchor) {
    return h('a', { class: 'src', href: noteUrl(path, anchor || ('L' + line)),
                    text: path + ':' + line });
  }

  // ------------------------------------------------------------------ URL state
  function currentUrl() {
    var url = state.focus ? exploreUrl(state.focus) : '/explore';
    var q = [];
    if (state.depth !== 1) q.push('depth=' + state.depth);
    if (state.hidden.size) q.push('hide=' + encodeURIComponent(Array.from(state.hidden).join(',')));
    return url + (q.length ? '?' + q.join('&') : '');
  }
  function snapshot() {
    return { focus: state.focus, depth: state.depth, hidden: Array.from(state.hidden) };
  }
  function readLocation() {
    var params = new URLSearchParams(location.search);
    var depth = parseInt(params.get('depth') || '1', 10);
    state.depth = depth === 2 ? 2 : 1;
    state.hidden = new Set((params.get('hide') || '').split(',').filter(Boolean));
  }
  function restore(snap) {
    state.focus = snap.focus || null;
    state.depth = snap.depth === 2 ? 2 : 1;
    state.hidden = new Set(snap.hidden || []);
  }

  function refocus(id) {
    if (!id || id === state.focus) return;
    state.focus = id;
    state.path = null;
    history.pushState(snapshot(), '', currentUrl());
    syncControls();
    loadAll(true);
  }

  window.addEventListener('popstate', function (ev) {
    if (ev.state) restore(ev.state);
    else {
      var m = location.pathname.match(/^\/explore\/(.+)$/);
      state.focus = m ? decodeURIComponent(m[1]) : null;
      readLocation();
    }
    state.path = null;
    syncControls();
    loadAll(false);
  });

  // ------------------------------------------------------------------ loading
  function graphQuery() {
    var q = [];
    if (state.focus) {
      q.push('focus=' + encodeURIComponent(state.focus));
      q.push('depth=' + state.depth);
      q.push('limit=' + LIMITS[state.depth]);
    } else {
      q.push('limit=' + TOP_LIMIT);
    }
    if (state.hidden.size && state.types.length) {
      var shown = state.types.map(function (t) { return t.id; })
        .filter(function (id) { return !state.hidden.has(id); });
      q.push('relation=' + encodeURIComponent(shown.join(',')));
    }
    return '/api/graph?' + q.join('&');
  }

  function loadAll(moveFocus) {
    var seq = ++state.seq;
    var notice = document.querySelector('.details .notice');
    if (notice && state.focus) notice.remove();
    setStatus('Loading…');
    var details = state.focus ? getJSON('/api/explore/' + encodeURIComponent(state.focus))
                              : Promise.resolve(null);
    var graph = loadGraphData();
    return Promise.all([details, graph]).then(function (res) {
      if (seq !== state.seq) return;
      renderDetails(res[0], res[1]);
      renderGraph();
      if (moveFocus) {
        var heading = conceptEl.querySelector('h1');
        if (heading) heading.focus({ preventScroll: true });
      }
    }).catch(function (err) {
      if (seq !== state.seq) return;
      showError(err);
    });
  }

  function loadGraphData() {
    if (state.focus && state.hidden.size === state.types.length && state.types.length) {
      return Promise.resolve({ focus: state.focus, nodes: [], edges: [] });
    }
    return getJSON(graphQuery()).then(function (g) {
      state.graph = g;
      return g;
    });
  }

  function reloadGraph() {
    var seq = ++state.seq;
    setStatus('Loading…');
    loadGraphData().then(function (g) {
      if (seq !== state.seq) return;
      state.graph = g;
      if (state.path) mergePath(state.path);
      renderGraph();
    }).catch(function (err) { if (seq === state.seq) showError(err); });
  }

  function setStatus(text) { statusEl.textContent = text || ''; }

  function showError(err) {
    setStatus('');
    clear(conceptEl);
    var hints = (err.body && err.body.error && err.body.error.suggestions) || [];
    append(conceptEl, h('div', { class: 'notice', role: 'alert' },
      h('h1', { tabindex: '-1', text: err.status === 404 ? 'Concept not found' : 'Something went wrong' }),
      h('p', { text: err.message }),
      hints.length ? h('p', null, 'Did you mean ', hints.map(function (s, i) {
        return [i ? ', ' : '', conceptLink(s.id, s.label)];
      }), '?') : null));
    clear(svg);
  }

  // ------------------------------------------------------------------ details panel
  function renderDetails(data, graph) {
    clear(conceptEl);
    if (!data) { renderOverview(graph); return; }
    var c = data.concept;
    document.title = c.label + ' · kg explorer';
    app.setAttribute('data-focus', c.id);
    var pathFrom = document.getElementById('path-from');
    if (pathFrom && !pathFrom.value) pathFrom.value = c.label;

    var head = h('header', { class: 'concept-head' },
      h('h1', { tabindex: '-1', text: c.label }),
      h('p', { class: 'uri' }, h('a', { href: c.uri, class: 'muted', text: c.uri })));
    append(conceptEl, head);

    var names = [];
    Object.keys(c.translations || {}).forEach(function (lang) {
      names.push(h('li', { class: 'name', lang: lang },
        h('span', { class: 'lang', text: lang }), ' ', c.translations[lang]));
    });
    (c.altLabels || []).forEach(function (alt) { names.push(h('li', { class: 'name', text: alt })); });
    if (names.length) {
      append(conceptEl, h('div', { class: 'block' },
        h('h2', { text: 'Also called' }), h('ul', { class: 'names' }, names)));
    }

    if (c.definition && c.definition.text) {
      append(conceptEl, h('div', { class: 'block' },
        h('h2', { text: 'Definition' }),
        h('blockquote', { class: 'definition' },
          h('p', { text: c.definition.text }),
          h('footer', null, 'from ', sourceLink(c.definition.path, c.definition.line)))));
    }

    if (c.sources && c.sources.length) {
      append(conceptEl, h('div', { class: 'block' },
        h('h2', { text: 'In the notes' }),
        h('ul', { class: 'sources' }, c.sources.map(function (src) {
          return h('li', null,
            h('a', { href: noteUrl(src.path, src.anchor), text: src.title || src.anchor }),
            ' ', h('span', { class: 'muted', text: src.path + ':' + src.line }));
        }))));
    }

    var groups = data.groups || [];
    var rels = h('div', { class: 'block relations' },
      h('h2', { text: 'Relations' }));
    if (!groups.length) append(rels, h('p', { class: 'muted', text: 'No relations recorded.' }));
    groups.forEach(function (g) {
      append(rels, h('section', { class: 'rel-group ' + relClass(g.relation) },
        h('h3', null, h('span', { class: 'swatch', 'aria-hidden': 'true' }), g.label,
          h('span', { class: 'count', text: g.items.length })),
        h('ul', null, g.items.map(function (item) {
          var ev = (item.evidence || []).map(function (e) {
            return h('li', null, h('q', { text: e.text }), ' ', sourceLink(e.path, e.line));
          });
          if (item.evidenceCount > (item.evidence || []).length) {
            ev.push(h('li', { class: 'muted',
              text: '+' + (item.evidenceCount - item.evidence.length) + ' more in the notes' }));
          }
          return h('li', { class: 'rel-item' },
            conceptLink(item.id, item.label),
            item.weight ? h('span', { class: 'weight', title: 'weight (how often it was read)',
                                       text: '×' + round(item.weight) }) : null,
            ev.length ? h('ul', { class: 'evidence' }, ev) : null);
        }))));
    });
    append(conceptEl, rels);
  }

  function renderOverview(graph) {
    document.title = 'kg explorer';
    var nodes = ((graph && graph.nodes) || []).slice()
      .sort(function (a, b) { return b.degree - a.degree || a.label.localeCompare(b.label); });
    append(conceptEl, h('header', { class: 'concept-head' },
      h('h1', { tabindex: '-1', text: 'Explore the concept graph' }),
      h('p', { class: 'lead', text: 'Search for a concept above, or pick one of the most connected ' +
        'concepts. Click a node (or Tab to it and press Enter) to focus it.' })));
    append(conceptEl, h('div', { class: 'block' }, h('h2', { text: 'Most connected' }),
      h('ul', { class: 'top-list' }, nodes.map(function (n) {
        return h('li', null, conceptLink(n.id, n.label),
          h('span', { class: 'muted', text: ' ' + n.degree + ' links' }));
      }))));
  }

  function round(x) { return Math.round(x * 100) / 100; }

  // ------------------------------------------------------------------ relation filters
  function buildFilters() {
    clear(filtersEl);
    append(filtersEl, h('legend', { class: 'visually-hidden', text: 'Show relation types' }));
    state.types.forEach(function (t) {
      var box = h('input', { type: 'checkbox', value: t.id, checked: !state.hidden.has(t.id) });
      box.addEventListener('change', function () {
        if (box.checked) state.hidden.delete(t.id); else state.hidden.add(t.id);
        history.replaceState(snapshot(), '', currentUrl());
        reloadGraph();
      });
      append(filtersEl, h('label', { class: 'filter ' + relClass(t.id), title: t.description },
        box, h('span', { class: 'swatch', 'aria-hidden': 'true' }), h('span', { text: t.label }),
        h('span', { class: 'count', 'data-rel': t.id })));
    });
  }

  function syncControls() {
    Array.prototype.forEach.call(document.querySelectorAll('input[name=depth]'), function (r) {
      r.checked = parseInt(r.value, 10) === state.depth;
      r.disabled = !state.focus;
    });
    Array.prototype.forEach.call(filtersEl.querySelectorAll('input[type=checkbox]'), function (b) {
      b.checked = !state.hidden.has(b.value);
    });
  }

  function updateCounts(edges) {
    var counts = {};
    edges.forEach(function (e) { counts[e.relation] = (counts[e.relation] || 0) + 1; });
    Array.prototype.forEach.call(filtersEl.querySelectorAll('.count'), function (span) {
      var n = counts[span.getAttribute('data-rel')] || 0;
      span.textContent = n ? String(n) : '';
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll('input[name=depth]'), function (r) {
    r.addEventListener('change', function () {
      state.depth = parseInt(r.value, 10) === 2 ? 2 : 1;
      history.replaceState(snapshot(), '', currentUrl());
      reloadGraph();
    });
  });

  // ------------------------------------------------------------------ layout
  // Centre = focus (or the best-connected node); rings by hop distance, each ring's nodes
  // ordered by their parent's angle so clusters stay together; then a few rounds of
  // box-overlap repulsion, keeping each node near its ring.
  function layout(nodes, edges, centre, aspect) {
    // wide boxes: stretch the rings sideways on landscape screens, upwards on portrait
    var kx = aspect >= 1 ? 1.45 : 1, ky = aspect >= 1 ? 1 : 1.6;
    var byId = {};
    nodes.forEach(function (n) { byId[n.id] = n; n.w = Math.max(54, textWidth(n.label) + 22); });
    var adj = {};
    nodes.forEach(function (n) { adj[n.id] = []; });
    edges.forEach(function (e) {
      if (adj[e.source] && adj[e.target]) { adj[e.source].push(e.target); adj[e.target].push(e.source); }
    });
    var dist = {}, parent = {}, order = [];
    dist[centre] = 0; order.push(centre);
    for (var qi = 0; qi < order.length; qi++) {
      var cur = order[qi];
      adj[cur].forEach(function (o) {
        if (dist[o] === undefined) { dist[o] = dist[cur] + 1; parent[o] = cur; order.push(o); }
      });
    }
    var maxd = 0;
    order.forEach(function (id) { maxd = Math.max(maxd, dist[id]); });
    nodes.forEach(function (n) {
      if (dist[n.id] === undefined) { dist[n.id] = maxd + 1; order.push(n.id); }
    });
    var rings = {};
    order.forEach(function (id) { (rings[dist[id]] = rings[dist[id]] || []).push(id); });
    var angle = {};
    var radius = { 0: 0 };
    var prevR = 0;
    Object.keys(rings).map(Number).sort(function (a, b) { return a - b; }).forEach(function (d) {
      var ids = rings[d];
      if (d === 0) { byId[ids[0]].x = 0; byId[ids[0]].y = 0; angle[ids[0]] = 0; return; }
      if (d === 1) ids = chainOrder(ids, adj);
      if (d > 1) {
        ids.sort(function (a, b) {
          var pa = parent[a] !== undefined ? angle[parent[a]] : 7, pb = parent[b] !== undefined ? angle[parent[b]] : 7;
          return pa - pb;
        });
      }
      // circumference must hold the boxes: sum of widths (ellipse: x stretched 1.5)
      var need = ids.reduce(function (acc, id) { return acc + byId[id].w * 0.55 + 16; }, 0);
      var r = Math.max(prevR + (aspect >= 1 ? 120 : 90), need / (2 * Math.PI) / Math.max(kx, 1),
                       d === 1 ? 150 : 0);
      radius[d] = r; prevR = r;
      var offset = d > 1 && ids.length && parent[ids[0]] !== undefined ? angle[parent[ids[0]]] - 0.2 : -Math.PI / 2;
      ids.forEach(function (id, i) {
        var a = offset + (2 * Math.PI * i) / ids.length;
        angle[id] = a;
        byId[id].x = Math.cos(a) * r * kx;
        byId[id].y = Math.sin(a) * r * ky;
        byId[id].ring = d;
      });
    });
    // overlap relaxation
    for (var it = 0; it < 120; it++) {
      var moved = false;
      for (var i = 0; i < nodes.length; i++) {
        for (var j = i + 1; j < nodes.length; j++) {
          var a = nodes[i], b = nodes[j];
          var dx = b.x - a.x, dy = b.y - a.y;
          var ox = (a.w + b.w) / 2 + 10 - Math.abs(dx);
          var oy = NODE_H + 12 - Math.abs(dy);
          if (ox > 0 && oy > 0) {
            moved = true;
            // push along the cheaper axis
            if (ox / (a.w + b.w) < oy / NODE_H) {
              var px = (dx >= 0 ? 1 : -1) * ox / 2;
              if (a.id !== centre) a.x -= px; if (b.id !== centre) b.x += px;
            } else {
              var py = (dy >= 0 ? 1 : -1) * oy / 2;
              if (a.id !== centre) a.y -= py; if (b.id !== centre) b.y += py;
            }
          }
        }
      }
      if (!moved) break;
    }
  }

  // Neighbours that are linked to each other sit side by side on the ring: start with
  // the best connected, then always take the unplaced node most linked to the last one.
  function chainOrder(ids, adj) {
    var left = ids.slice(), out = [];
    var rank = {};
    ids.forEach(function (id, i) { rank[id] = i; });
    while (left.length) {
      var last = out[out.length - 1], best = 0, bestScore = -1;
      left.forEach(function (id, i) {
        var score = last === undefined ? adj[id].length
          : adj[last].filter(function (o) { return o === id; }).length * 100 - rank[id];
        if (score > bestScore) { bestScore = score; best = i; }
      });
      out.push(left.splice(best, 1)[0]);
    }
    return out;
  }

  var measureCtx = null;
  function textWidth(text) {
    if (!measureCtx) {
      var canvas = document.createElement('canvas');
      measureCtx = canvas.getContext && canvas.getContext('2d');
      if (measureCtx) measureCtx.font = '600 13px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    }
    return measureCtx ? measureCtx.measureText(text).width : text.length * 7.5;
  }

  // Where the segment from the box centre towards (tx,ty) leaves the box.
  function boxExit(n, tx, ty, pad) {
    var dx = tx - n.x, dy = ty - n.y;
    var hw = n.w / 2 + pad, hh = NODE_H / 2 + pad;
    if (dx === 0 && dy === 0) return { x: n.x, y: n.y };
    var t = Math.min(dx ? hw / Math.abs(dx) : Infinity, dy ? hh / Math.abs(dy) : Infinity);
    return { x: n.x + dx * t, y: n.y + dy * t };
  }

  // ------------------------------------------------------------------ graph drawing
  var BUSY_EDGES = 60;

  function renderGraph() {
    var g = state.graph || { nodes: [], edges: [] };
    clear(svg);
    var nodes = g.nodes.map(function (n) { return Object.assign({}, n); });
    var ids = {};
    nodes.forEach(function (n) { ids[n.id] = n; });
    var edges = g.edges.filter(function (e) { return ids[e.source] && ids[e.target]; });
    updateCounts(edges);
    if (!nodes.length) {
      setStatus(state.focus ? 'No relations of the selected types.' : 'The graph is empty.');
      svg.setAttribute('viewBox', '0 0 800 200');
      return;
    }
    var centre = state.focus && ids[state.focus] ? state.focus
      : nodes.slice().sort(function (a, b) { return b.degree - a.degree; })[0].id;
    // around a hub, "mentioned with" links among the neighbours drown the typed ones:
    // past a busy threshold only those that touch the focus are drawn
    if (edges.length > BUSY_EDGES) {
      edges = edges.filter(function (e) {
        return e.relation !== 'related' || e.source === centre || e.target === centre;
      });
    }
    var box = svg.getBoundingClientRect();
    var aspect = box.width && box.height ? box.width / box.height : 1.6;
    layout(nodes, edges, centre, aspect);

    var onPath = { nodes: new Set(), edges: new Set() };
    if (state.path) {
      state.path.nodes.forEach(function (n) { onPath.nodes.add(n.id); });
      state.path.edges.forEach(function (e) { onPath.edges.add(e.source + '|' + e.relation + '|' + e.target); });
    }

    // arrow markers, one per relation type present
    var defs = s('defs');
    var present = {};
    edges.forEach(function (e) { present[relClass(e.relation)] = true; });
    Object.keys(present).forEach(function (cls) {
      append(defs, s('marker', { id: 'arrow-' + cls, viewBox: '0 0 10 10', refX: 9, refY: 5,
        markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse', class: cls },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' })));
    });
    append(svg, defs);

    var edgeLayer = s('g', { class: 'edges' });
    var labelLayer = s('g', { class: 'edge-labels', 'aria-hidden': 'true' });
    var nodeLayer = s('g', { class: 'nodes' });
    append(svg, [edgeLayer, labelLayer, nodeLayer]);

    // parallel edges between one pair curve apart
    var pairs = {};
    edges.forEach(function (e) {
      var key = e.source < e.target ? e.source + '|' + e.target : e.target + '|' + e.source;
      (pairs[key] = pairs[key] || []).push(e);
    });
    var showAllLabels = edges.filter(function (e) { return e.relation !== 'related'; }).length <= 24;
    var elements = { nodes: {}, edges: [] };
    Object.keys(pairs).forEach(function (key) {
      var list = pairs[key];
      list.forEach(function (e, i) {
        var a = ids[e.source], b = ids[e.target];
        var first = a.id < b.id ? a : b;
        var second = first === a ? b : a;
        var off = (i - (list.length - 1) / 2) * 34;
        var mx = (first.x + second.x) / 2, my = (first.y + second.y) / 2;
        var dx = second.x - first.x, dy = second.y - first.y;
        var len = Math.sqrt(dx * dx + dy * dy) || 1;
        var cx = mx - dy / len * off, cy = my + dx / len * off;
        var p0 = boxExit(a, cx, cy, 2), p1 = boxExit(b, cx, cy, 4);
        var cls = relClass(e.relation);
        var k = e.source + '|' + e.relation + '|' + e.target;
        var path = s('path', {
          d: 'M' + f(p0.x) + ',' + f(p0.y) + ' Q' + f(cx) + ',' + f(cy) + ' ' + f(p1.x) + ',' + f(p1.y),
          class: 'edge ' + cls + (onPath.edges.has(k) ? ' on-path' : ''),
          // co-mention has no direction: no arrowhead
          'marker-end': e.relation === 'related' ? null : 'url(#arrow-' + cls + ')',
          'stroke-width': f(Math.min(1.2 + Math.log(1 + e.weight) * 0.9, 4))
        }, s('title', { text: ids[e.source].label + ' ' + relLabel(e.relation) + ' ' + ids[e.target].label }));
        append(edgeLayer, path);
        var lx = 0.25 * p0.x + 0.5 * cx + 0.25 * p1.x, ly = 0.25 * p0.y + 0.5 * cy + 0.25 * p1.y;
        var typed = e.relation !== 'related';
        var labelled = onPath.edges.has(k) ||
          (typed && (showAllLabels || e.source === centre || e.target === centre));
        var text = s('text', { x: f(lx), y: f(ly), class: 'edge-label ' + cls +
          (labelled ? '' : ' on-hover') + (onPath.edges.has(k) ? ' on-path' : ''),
          'text-anchor': 'middle', dy: '0.35em', text: relLabel(e.relation) });
        append(labelLayer, text);
        elements.edges.push({ e: e, path: path, text: text });
      });
    });

    // nodes: centre first, then by ring and angle (this is the Tab order)
    var sorted = nodes.slice().sort(function (a, b) {
      return (a.ring || 0) - (b.ring || 0) || Math.atan2(a.y, a.x) - Math.atan2(b.y, b.x);
    });
    sorted.forEach(function (n) {
      var isCentre = n.id === centre;
      var node = s('g', {
        class: 'node' + (isCentre ? ' centre' : '') + (n.kind === 'path' ? ' extra' : '') +
          (onPath.nodes.has(n.id) ? ' on-path' : ''),
        transform: 'translate(' + f(n.x) + ',' + f(n.y) + ')',
        tabindex: '0', role: 'link', 'data-id': n.id,
        'aria-label': n.label + (isCentre && state.focus ? ' (focused concept)' : '') + ', ' +
          n.degree + ' connection' + (n.degree === 1 ? '' : 's')
      },
      s('rect', { x: f(-n.w / 2), y: -NODE_H / 2, width: f(n.w), height: NODE_H, rx: 13, ry: 13 }),
      s('text', { 'text-anchor': 'middle', dy: '0.35em', text: n.label }));
      node.addEventListener('click', function () { refocus(n.id); });
      node.addEventListener('keydown', function (ev) {
        if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); refocus(n.id); }
      });
      node.addEventListener('mouseenter', function () { highlight(n.id, true); });
      node.addEventListener('mouseleave', function () { highlight(n.id, false); });
      node.addEventListener('focus', function () { highlight(n.id, true); });
      node.addEventListener('blur', function () { highlight(n.id, false); });
      append(nodeLayer, node);
      elements.nodes[n.id] = node;
    });

    function highlight(id, on) {
      svg.classList.toggle('hovering', on);
      elements.edges.forEach(function (x) {
        var hit = on && (x.e.source === id || x.e.target === id);
        x.path.classList.toggle('hl', hit);
        x.text.classList.toggle('hl', hit);
        if (hit) {
          elements.nodes[x.e.source].classList.add('hl');
          elements.nodes[x.e.target].classList.add('hl');
        }
      });
      if (!on) Object.keys(elements.nodes).forEach(function (k) { elements.nodes[k].classList.remove('hl'); });
    }

    // fit the drawing
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    nodes.forEach(function (n) {
      minX = Math.min(minX, n.x - n.w / 2); maxX = Math.max(maxX, n.x + n.w / 2);
      minY = Math.min(minY, n.y - NODE_H / 2); maxY = Math.max(maxY, n.y + NODE_H / 2);
    });
    var pad = 24;
    var minW = Math.min(520, box.width / 0.9 || 520), minH = Math.min(340, box.height / 0.9 || 340);
    var w = Math.max(maxX - minX + 2 * pad, minW), hgt = Math.max(maxY - minY + 2 * pad, minH);
    var cxv = (minX + maxX) / 2, cyv = (minY + maxY) / 2;
    svg.setAttribute('viewBox', [f(cxv - w / 2), f(cyv - hgt / 2), f(w), f(hgt)].join(' '));
    svg.classList.toggle('path-mode', !!state.path);
    setStatus(nodes.length + ' concepts, ' + edges.length + ' relations' +
      (state.path ? ' · path highlighted' : ''));
  }

  function f(x) { return Math.round(x * 10) / 10; }

  // ------------------------------------------------------------------ suggestions
  function debounce(fn, ms) {
    var t = null;
    return function () { var args = arguments; clearTimeout(t); t = setTimeout(function () { fn.apply(null, args); }, ms); };
  }

  function setupSearch() {
    var form = document.getElementById('search-form');
    var input = document.getElementById('search-input');
    var list = document.getElementById('search-list');
    var items = [], active = -1, seq = 0;

    function close() {
      list.hidden = true; input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant'); active = -1;
    }
    function show(suggestions) {
      clear(list);
      items = suggestions;
      active = -1;
      if (!items.length) { close(); return; }
      items.forEach(function (sg, i) {
        var li = h('li', { id: 'sg-' + i, role: 'option', 'aria-selected': 'false', class: 'option' },
          h('span', { text: sg.label }),
          sg.matched && sg.matched !== sg.label ? h('span', { class: 'muted', text: ' — ' + sg.matched }) : null);
        li.addEventListener('mousedown', function (ev) { ev.preventDefault(); pick(i); });
        append(list, li);
      });
      list.hidden = false; input.setAttribute('aria-expanded', 'true');
    }
    function mark(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (li, j) {
        li.setAttribute('aria-selected', j === i ? 'true' : 'false');
      });
      if (i >= 0) input.setAttribute('aria-activedescendant', 'sg-' + i);
      else input.removeAttribute('aria-activedescendant');
    }
    function pick(i) {
      var sg = items[i];
      close();
      input.value = '';
      refocus(sg.id);
    }
    var fetchSuggestions = debounce(function () {
      var q = input.value.trim();
      var mine = ++seq;
      if (!q) { close(); return; }
      getJSON('/api/suggest?limit=8&q=' + encodeURIComponent(q)).then(function (body) {
        if (mine === seq) show(body.suggestions || []);
      }).catch(function () { if (mine === seq) close(); });
    }, 120);
    input.addEventListener('input', fetchSuggestions);
    input.addEventListener('keydown', function (ev) {
      if (ev.key === 'ArrowDown' && items.length) { ev.preventDefault(); if (list.hidden) show(items); mark((active + 1) % items.length); }
      else if (ev.key === 'ArrowUp' && items.length) { ev.preventDefault(); mark(active <= 0 ? items.length - 1 : active - 1); }
      else if (ev.key === 'Escape') { close(); }
    });
    input.addEventListener('blur', function () { setTimeout(close, 150); });
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      if (active >= 0 && !list.hidden) { pick(active); return; }
      var q = input.value.trim();
      if (!q) return;
      getJSON('/api/suggest?limit=1&q=' + encodeURIComponent(q)).then(function (body) {
        var first = (body.suggestions || [])[0];
        close();
        if (first) { input.value = ''; refocus(first.id); }
        else location.href = exploreUrl(q);   // the server answers 404 with hints
      }).catch(function () { location.href = exploreUrl(q); });
    });
  }

  // ------------------------------------------------------------------ path finder
  function setupPaths() {
    var form = document.getElementById('path-form');
    var from = document.getElementById('path-from');
    var to = document.getElementById('path-to');
    var options = document.getElementById('path-options');
    var out = document.getElementById('path-result');
    var clearBtn = document.getElementById('path-clear');

    var fill = debounce(function (input) {
      var q = input.value.trim();
      if (!q) return;
      getJSON('/api/suggest?limit=8&q=' + encodeURIComponent(q)).then(function (body) {
        clear(options);
        (body.suggestions || []).forEach(function (sg) { append(options, h('option', { value: sg.label })); });
      }).catch(function () {});
    }, 150);
    from.addEventListener('input', function () { fill(from); });
    to.addEventListener('input', function () { fill(to); });

    clearBtn.addEventListener('click', function () {
      state.path = null; state.paths = [];
      clear(out); clearBtn.hidden = true;
      reloadGraph();
    });

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var a = from.value.trim(), b = to.value.trim();
      if (!a || !b) return;
      clear(out);
      append(out, h('p', { class: 'muted', text: 'Searching…' }));
      getJSON('/api/path?k=3&from=' + encodeURIComponent(a) + '&to=' + encodeURIComponent(b))
        .then(function (body) {
          clear(out);
          if (!body.found) {
            append(out, h('p', { class: 'notice', role: 'status', text: 'No path within 6 steps.' }));
            return;
          }
          state.paths = body.paths;
          showPaths(out);
          choosePath(0, out);
          clearBtn.hidden = false;
        }).catch(function (err) {
          clear(out);
          var hints = (err.body && err.body.error && err.body.error.suggestions) || [];
          append(out, h('p', { class: 'notice', role: 'alert', text: err.message }));
          if (hints.length) append(out, h('p', { class: 'muted', text: 'Try: ' + hints.map(function (x) { return x.label; }).join(', ') }));
        });
    });
  }

  function showPaths(out) {
    var list = h('ol', { class: 'paths' });
    state.paths.forEach(function (p, i) {
      var byId = {};
      p.nodes.forEach(function (n) { byId[n.id] = n; });
      var chain = h('p', { class: 'chain' });
      p.nodes.forEach(function (n, j) {
        if (j) {
          var e = p.edges[j - 1];
          var forward = e.source === e.from;
          append(chain, h('span', { class: 'step ' + relClass(e.relation),
            text: forward ? ' —' + relLabel(e.relation) + '→ ' : ' ←' + relLabel(e.relation) + '— ' }));
        }
        append(chain, conceptLink(n.id, n.label));
      });
      var evidence = h('ul', { class: 'evidence' }, p.edges.map(function (e) {
        var first = (e.evidence || [])[0];
        return h('li', null,
          h('strong', { text: byId[e.source].label + ' ' + relLabel(e.relation) + ' ' + byId[e.target].label }),
          first ? [': ', h('q', { text: first.text }), ' ', sourceLink(first.path, first.line)]
                : h('span', { class: 'muted', text: ' (no sentence recorded)' }));
      }));
      var btn = h('button', { type: 'button', class: 'secondary small', 'aria-pressed': 'false',
        text: 'Show in graph' });
      btn.addEventListener('click', function () { choosePath(i, out); });
      append(list, h('li', { class: 'path-item', 'data-index': i },
        h('div', { class: 'path-head' }, h('span', { class: 'muted',
          text: p.edges.length + ' step' + (p.edges.length === 1 ? '' : 's') }), btn),
        chain, evidence));
    });
    append(out, list);
  }

  function choosePath(i, out) {
    var p = state.paths[i];
    if (!p) return;
    Array.prototype.forEach.call(out.querySelectorAll('.path-item'), function (li, j) {
      li.classList.toggle('chosen', j === i);
      li.querySelector('button').setAttribute('aria-pressed', j === i ? 'true' : 'false');
    });
    state.path = p;
    mergePath(p);
    renderGraph();
  }

  // Path nodes and edges missing from the drawn neighbourhood are added to it.
  function mergePath(p) {
    if (!state.graph) state.graph = { nodes: [], edges: [] };
    var g = state.graph;
    var have = {};
    g.nodes.forEach(function (n) { have[n.id] = true; });
    p.nodes.forEach(function (n) {
      if (!have[n.id]) { g.nodes.push({ id: n.id, label: n.label, kind: 'path', degree: 0 }); have[n.id] = true; }
    });
    var keys = {};
    g.edges.forEach(function (e) { keys[e.source + '|' + e.relation + '|' + e.target] = true; });
    p.edges.forEach(function (e) {
      var k = e.source + '|' + e.relation + '|' + e.target;
      if (!keys[k]) { g.edges.push({ source: e.source, target: e.target, relation: e.relation, weight: e.weight }); keys[k] = true; }
    });
  }

  // ------------------------------------------------------------------ start
  // on a phone the legend starts folded so the details are one swipe away
  var filtersBox = document.querySelector('details.filters');
  if (filtersBox && window.matchMedia && window.matchMedia('(max-width: 899px)').matches) {
    filtersBox.open = false;
  }
  readLocation();
  history.replaceState(snapshot(), '', currentUrl());
  setupSearch();
  setupPaths();
  getJSON('/api/relations').then(function (body) {
    state.types = body.relations || [];
  }).catch(function () { state.types = []; }).then(function () {
    buildFilters();
    syncControls();
    var notice = document.querySelector('.details .notice');
    if (notice && !state.focus) { reloadGraph(); return; }   // unknown concept: keep the hints
    loadAll(false);
  });
})();
