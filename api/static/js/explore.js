// The explorer page: state, URL and history, loading; the drawing, the details and the
// path finder are their own modules. A concept picked anywhere (graph, lists, the
// search box) refocuses in place, and the URL follows (history.pushState).
import { h, getJSON, exploreUrl, noteUrl, swatch } from './dom.js';
import { GraphView, selectGraph } from './graph.js';
import { Details } from './details.js';
import { setupPaths } from './pathfinder.js';
import { reviewer } from './review.js';

const app = document.getElementById('main');
const statusEl = document.getElementById('status');
const filtersEl = document.getElementById('relation-filters');
const allEdgesBox = document.getElementById('all-edges');
const moreBtn = document.getElementById('show-more');

const STEP = matchMedia('(max-width: 899px)').matches ? 12 : 20;   // neighbours per "show more"
const DEFAULT_HIDDEN = ['related'];   // co-mention, the weakest relation: off until asked for
const TOP_LIMIT = 30;
// ?lang=ko asks for Korean labels, definition and quotes first (kept as the focus moves);
// without it the server goes by the browser's Accept-Language.
const LANG = new URLSearchParams(location.search).get('lang');

const state = {
  focus: app.getAttribute('data-focus') || null,
  depth: 1,
  limit: STEP,
  allEdges: false,
  hidden: new Set(DEFAULT_HIDDEN),
  types: [],
  data: null,
  path: null,
  seq: 0,
};

const order = (rel) => { const i = state.types.findIndex((t) => t.id === rel); return i < 0 ? 99 : i; };
const relClass = (rel) => 'rel-' + (order(rel) < 99 ? rel : 'other');
const relLabel = (rel) => (state.types.find((t) => t.id === rel) || { label: rel }).label;
const announce = (text) => { statusEl.textContent = text || ''; };

function conceptLink(id, label, cls) {
  return h('a', {
    href: exploreUrl(id), class: cls || 'concept-link', text: label,
    onclick: (ev) => {
      if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      ev.preventDefault();
      refocus(id);
    },
  });
}
function sourceLink(path, line) {
  return h('a', { class: 'src', href: noteUrl(path, 'L' + line), text: path + ':' + line });
}

const view = new GraphView(document.getElementById('graph'), {
  onActivate: (id) => refocus(id), relationLabel: relLabel, relationOrder: order,
});
const details = new Details({
  head: document.getElementById('concept-head'), intro: document.getElementById('concept-intro'),
  body: document.getElementById('concept'), jump: document.getElementById('jump'),
  conceptLink, relClass, announce: (m) => announce(m),
});
const reviewing = reviewer();  // asked once, beside the first data
const paths = setupPaths({
  conceptLink, relClass, relLabel, sourceLink, announce,
  onPath: (p) => { state.path = p; draw(); },
  onClear: () => { state.path = null; draw(); },
});

// ------------------------------------------------------------------ URL state
function currentUrl() {
  const q = new URLSearchParams();
  if (state.depth !== 1) q.set('depth', state.depth);
  const hidden = [...state.hidden].sort().join(',');
  if (hidden !== DEFAULT_HIDDEN.join(',')) q.set('hide', hidden);
  if (state.allEdges) q.set('edges', 'all');
  if (LANG) q.set('lang', LANG);
  const qs = q.toString();
  return (state.focus ? exploreUrl(state.focus) : '/explore') + (qs ? '?' + qs : '');
}
function snapshot() {
  return { focus: state.focus, depth: state.depth, hidden: [...state.hidden], allEdges: state.allEdges };
}
function readLocation() {
  const q = new URLSearchParams(location.search);
  state.depth = q.get('depth') === '2' ? 2 : 1;
  state.hidden = q.has('hide') ? new Set(q.get('hide').split(',').filter(Boolean)) : new Set(DEFAULT_HIDDEN);
  state.allEdges = q.get('edges') === 'all';
}
function restore(snap) {
  state.focus = snap.focus || null;
  state.depth = snap.depth === 2 ? 2 : 1;
  state.hidden = new Set(snap.hidden || DEFAULT_HIDDEN);
  state.allEdges = !!snap.allEdges;
}

function refocus(id) {
  if (!id) return;
  if (id === state.focus) { document.querySelector('#concept-head h1')?.focus(); return; }
  state.focus = id;
  state.path = null;
  state.limit = STEP;
  history.pushState(snapshot(), '', currentUrl());
  syncControls();
  loadAll(true);
}

window.addEventListener('popstate', (ev) => {
  if (ev.state) restore(ev.state);
  else {
    const m = location.pathname.match(/^\/explore\/(.+)$/);
    state.focus = m ? decodeURIComponent(m[1]) : null;
    readLocation();
  }
  state.path = null;
  syncControls();
  loadAll(false);
});
// the site search box: a concept picked there refocuses here
document.addEventListener('kg:focus', (ev) => { ev.preventDefault(); refocus(ev.detail); });

// ------------------------------------------------------------------ loading
function langQuery() { return LANG ? '?lang=' + encodeURIComponent(LANG) : ''; }
function graphUrl() {
  const q = new URLSearchParams();
  if (state.focus) {
    q.set('focus', state.focus);
    q.set('depth', state.depth);
    // at 2 hops, a few neighbours of each neighbour (a hub's first hop alone would fill
    // any limit)
    q.set('limit', Math.min(200, Math.ceil(state.limit * 1.5) + 1));
    if (state.depth === 2) q.set('fanout', 3);
  } else {
    q.set('limit', TOP_LIMIT);
  }
  if (LANG) q.set('lang', LANG);
  if (state.types.length) {
    // hiding "related" hides co-mentions only: the links the author wrote still come
    const shown = state.types.map((t) => t.id)
      .filter((id) => !state.hidden.has(id) || id === 'related');
    if (shown.length < state.types.length) q.set('relation', shown.join(',') || 'none');
  }
  // co-mentions are only sent when asked for; the legend's box for them asks
  if (!state.hidden.has('related')) q.set('coMention', 'true');
  return '/api/graph?' + q.toString();
}

async function loadGraph() {
  if (state.types.length && state.types.every((t) => state.hidden.has(t.id))) {
    state.data = { nodes: [], edges: [] };
    return state.data;
  }
  state.data = await getJSON(graphUrl());
  return state.data;
}

async function loadAll(moveFocus) {
  const seq = ++state.seq;
  announce('Loading…');
  try {
    const [data, graph] = await Promise.all([
      state.focus ? getJSON('/api/explore/' + encodeURIComponent(state.focus) + langQuery()) : Promise.resolve(null),
      loadGraph(),
    ]);
    details.review = await reviewing;
    if (seq !== state.seq) return;
    if (data) {
      details.render(data);
      document.title = data.concept.label + ' · kg explorer';
      app.setAttribute('data-focus', data.concept.id);
      if (!paths.from.value) paths.from.value = data.concept.label;
    } else {
      details.overview(graph.nodes || []);
    }
    draw();
    if (moveFocus) document.querySelector('#concept-head h1')?.focus({ preventScroll: false });
  } catch (err) {
    if (seq !== state.seq) return;
    details.error(err);
    announce(err.message);
  }
}

async function reloadGraph() {
  const seq = ++state.seq;
  announce('Loading…');
  try {
    await loadGraph();
    if (seq === state.seq) draw();
  } catch (err) { if (seq === state.seq) announce(err.message); }
}

// ------------------------------------------------------------------ drawing
function draw() {
  const data = state.data || { nodes: [], edges: [] };
  const merged = withPath(data, state.path);
  const selection = selectGraph(merged, {
    focus: state.focus, limit: state.focus ? state.limit : TOP_LIMIT,
    allEdges: state.allEdges, hidden: state.path ? new Set() : state.hidden,
  });
  if (state.path) addPath(selection, merged, state.path);
  updateLegend(view.draw(selection, onPath(state.path)));
  const neighbours = selection.nodes.length - (selection.centre ? 1 : 0);
  moreBtn.hidden = !state.focus || !selection.more;
  moreBtn.textContent = 'Show more (' + neighbours + ' shown)';
  announceDrawn(selection, data, neighbours);
}

/** The graph's nodes and edges with a found path's added (a path may leave them). */
function withPath(data, path) {
  const merged = { nodes: data.nodes.slice(), edges: data.edges.slice() };
  if (!path) return merged;
  const have = new Set(merged.nodes.map((n) => n.id));
  path.nodes.forEach((n) => {
    if (!have.has(n.id)) merged.nodes.push({ id: n.id, label: n.label, kind: 'path', degree: 0 });
  });
  path.edges.forEach((e) => {
    merged.edges.push({ source: e.source, target: e.target, relation: e.relation, weight: e.weight || 1 });
  });
  return merged;
}

/** A path's nodes are always drawn, joined by its own edges. */
function addPath(selection, merged, path) {
  const keep = new Set(selection.nodes.map((n) => n.id));
  const byId = new Map(merged.nodes.map((n) => [n.id, n]));
  path.nodes.forEach((n, i) => {
    if (!keep.has(n.id)) selection.nodes.push({ ...byId.get(n.id), ring: 2, rank: 999 + i, parent: path.nodes[Math.max(0, i - 1)].id });
  });
  path.edges.forEach((e) => {
    if (!selection.edges.some((x) => x.source === e.source && x.target === e.target && x.relation === e.relation)) {
      selection.edges.push(e);
    }
  });
}

/** What the drawing highlights: the path's node ids and edge keys (source|relation|target). */
function onPath(path) {
  return {
    pathNodes: new Set(path ? path.nodes.map((n) => n.id) : []),
    pathEdges: new Set(path ? path.edges.map((e) => e.source + '|' + e.relation + '|' + e.target) : []),
  };
}

function announceDrawn(selection, data, neighbours) {
  if (!selection.nodes.length) {
    announce(state.focus ? 'No relations of the selected types.' : 'The graph is empty.');
    return;
  }
  const focusNode = state.focus ? (data.nodes || []).find((n) => n.id === selection.centre) : null;
  announce((focusNode ? focusNode.label + ': ' : '') + neighbours + ' concepts and ' +
    selection.edges.length + ' relations drawn' +
    (focusNode ? ' of its ' + focusNode.degree + ' connections' : '') +
    (state.path ? '; path highlighted' : '') + '.');
}

// ------------------------------------------------------------------ legend and controls
function buildLegend() {
  filtersEl.querySelectorAll('label').forEach((l) => l.remove());
  state.types.forEach((t) => {
    const box = h('input', { type: 'checkbox', value: t.id, checked: !state.hidden.has(t.id) });
    box.addEventListener('change', () => {
      if (box.checked) state.hidden.delete(t.id); else state.hidden.add(t.id);
      history.replaceState(snapshot(), '', currentUrl());
      reloadGraph();
    });
    filtersEl.appendChild(h('label', { class: 'filter ' + relClass(t.id), title: t.description },
      box, swatch(), h('span', { text: t.label }), h('span', { class: 'count', 'data-rel': t.id })));
  });
}
function updateLegend(counts) {
  filtersEl.querySelectorAll('.count').forEach((span) => {
    span.textContent = String(counts[span.getAttribute('data-rel')] || 0);
  });
}
function syncControls() {
  document.querySelectorAll('input[name=depth]').forEach((r) => {
    r.checked = parseInt(r.value, 10) === state.depth;
    r.disabled = !state.focus;
  });
  filtersEl.querySelectorAll('input[type=checkbox]').forEach((b) => { b.checked = !state.hidden.has(b.value); });
  allEdgesBox.checked = state.allEdges;
}

document.querySelectorAll('input[name=depth]').forEach((r) => r.addEventListener('change', () => {
  state.depth = parseInt(r.value, 10) === 2 ? 2 : 1;
  history.replaceState(snapshot(), '', currentUrl());
  reloadGraph();
}));
allEdgesBox.addEventListener('change', () => {
  state.allEdges = allEdgesBox.checked;
  history.replaceState(snapshot(), '', currentUrl());
  draw();
});
moreBtn.addEventListener('click', () => { state.limit += STEP; reloadGraph(); });
document.getElementById('zoom-in').addEventListener('click', () => view.zoom(1.25));
document.getElementById('zoom-out').addEventListener('click', () => view.zoom(0.8));
document.getElementById('zoom-reset').addEventListener('click', () => view.fit());
let resizeTimer = null;
window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(draw, 150); });

// ------------------------------------------------------------------ start
const legendBox = document.querySelector('details.filters');
const jumpBox = document.getElementById('jump-box');
if (matchMedia('(max-width: 899px)').matches) {
  // on a phone the legend and the jump menu start folded: the details are one swipe away
  if (legendBox) legendBox.open = false;
  if (jumpBox) jumpBox.open = false;
}
readLocation();
history.replaceState(snapshot(), '', currentUrl());
try {
  state.types = (await getJSON('/api/relations')).relations || [];
} catch (e) { state.types = []; }
buildLegend();
syncControls();
if (document.querySelector('.concept-head .notice')) reloadGraph();   // unknown concept: keep the hints
else loadAll(false);
