// The neighbourhood drawing: which nodes and edges to draw, a radial layout, and an SVG
// view with zoom, pan and drag. The SVG's user unit is one CSS pixel (its viewBox is
// its own size), and zooming moves nodes apart rather than scaling them, so labels stay
// 12 px at every zoom and on every screen; labels that would overlap are hidden, lowest
// priority first (they show on hover and keyboard focus). One node is in the Tab order
// at a time (roving tabindex); the arrow keys move between nodes.
import { s, clear } from './dom.js';

export const MAX_EDGES = 150;
const R = { centre: 9, node: 6 };
const LABEL_H = 16;
const LABEL_PAD = 6;

/** Strength of an edge: its confidence when the graph gives one, then its weight. */
export function strength(edge) {
  const c = typeof edge.confidence === 'number' ? edge.confidence : 0;
  return c * 1e6 + (edge.weight || 0);
}

/**
 * From an /api/graph answer, the part to draw: the focus, its `limit` strongest
 * neighbours (and at depth 2 as many of theirs), and either one edge per node (its
 * strongest to the focus, or at depth 2 into the ring inside) or, with `allEdges`,
 * every edge among them (at most MAX_EDGES, strongest first). Hidden relation types
 * are left out, except the links the author wrote (`explicit`): hiding "related"
 * hides co-mentions.
 */
export function selectGraph(data, { focus, limit, allEdges, hidden }) {
  const nodesById = new Map((data.nodes || []).map((n) => [n.id, n]));
  const edges = (data.edges || []).filter((e) => (!hidden.has(e.relation) || e.explicit) &&
    nodesById.has(e.source) && nodesById.has(e.target) && e.source !== e.target);
  let centre = focus && nodesById.has(focus) ? focus : null;
  if (!centre) {
    const top = [...nodesById.values()].sort((a, b) => b.degree - a.degree)[0];
    centre = top ? top.id : null;
  }
  if (!centre) return { centre: null, nodes: [], edges: [], more: false };
  const best = strongestToCentre(edges, centre);
  const ring1 = [...best.keys()].sort((a, b) => strength(best.get(b)) - strength(best.get(a)) ||
    (nodesById.get(b).degree - nodesById.get(a).degree));
  const chosen1 = ring1.slice(0, limit);
  const keep = new Set([centre, ...chosen1]);
  const via = strongestIntoRing(edges, keep, best, centre);
  const ring2 = [...via.keys()].sort((a, b) => strength(via.get(b)) - strength(via.get(a)));
  const chosen2 = ring2.slice(0, limit);
  chosen2.forEach((id) => keep.add(id));
  let drawn;
  if (allEdges) {
    drawn = edges.filter((e) => keep.has(e.source) && keep.has(e.target));
    drawn.sort((a, b) => strength(b) - strength(a));
    drawn = drawn.slice(0, MAX_EDGES);
  } else {
    // one edge per node: its strongest to the centre (ring 1) or into ring 1 (ring 2)
    drawn = [...chosen1.map((id) => best.get(id)), ...chosen2.map((id) => via.get(id))];
  }
  const nodes = [...keep].map((id) => ({ ...nodesById.get(id),
    ring: id === centre ? 0 : best.has(id) ? 1 : 2,
    parent: via.has(id) ? (via.get(id).source === id ? via.get(id).target : via.get(id).source) : centre,
    rank: id === centre ? -1 : best.has(id) ? chosen1.indexOf(id) : limit + chosen2.indexOf(id),
    relation: (best.get(id) || via.get(id) || {}).relation }));
  return { centre, nodes, edges: drawn,
           more: ring1.length > chosen1.length || ring2.length > chosen2.length };
}

/** Each node joined to the centre -> its strongest edge to it. */
function strongestToCentre(edges, centre) {
  const best = new Map();
  for (const e of edges) {
    const other = e.source === centre ? e.target : e.target === centre ? e.source : null;
    if (other && (!best.has(other) || strength(e) > strength(best.get(other)))) best.set(other, e);
  }
  return best;
}

/** Depth 2: each node not joined to the centre -> its strongest edge into ring 1 (`keep`). */
function strongestIntoRing(edges, keep, best, centre) {
  const via = new Map();
  for (const e of edges) {
    for (const [a, b] of [[e.source, e.target], [e.target, e.source]]) {
      if (keep.has(a) && a !== centre && !best.has(b) && b !== centre) {
        if (!via.has(b) || strength(e) > strength(via.get(b))) via.set(b, e);
      }
    }
  }
  return via;
}

/** Radial positions in a width×height box: the centre in the middle, ring 1 on an
 * ellipse (grouped by relation type), ring 2 outside near its parent. */
export function layout(nodes, width, height, order) {
  const cx = width / 2, cy = height / 2;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const ring1 = nodes.filter((n) => n.ring === 1)
    .sort((a, b) => order(a.relation) - order(b.relation) || a.rank - b.rank);
  const ring2 = nodes.filter((n) => n.ring === 2);
  // ring 1 leaves room outside it for ring 2, more room the more ring 2 holds
  const outer = !ring2.length ? 0.9 : ring2.length < ring1.length / 3 ? 0.72 : 0.55;
  const rx = Math.max(60, (width / 2 - 70) * outer), ry = Math.max(60, (height / 2 - 24) * outer);
  const angle = new Map();
  nodes.filter((n) => n.ring === 0).forEach((n) => { n.x = cx; n.y = cy; angle.set(n.id, 0); });
  ring1.forEach((n, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(ring1.length, 1);
    angle.set(n.id, a);
    n.x = cx + Math.cos(a) * rx; n.y = cy + Math.sin(a) * ry;
  });
  ring2.sort((a, b) => (angle.get(a.parent) ?? 0) - (angle.get(b.parent) ?? 0));
  const rx2 = Math.max(90, width / 2 - 70), ry2 = Math.max(90, height / 2 - 24);
  ring2.forEach((n, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * (i + 0.5)) / Math.max(ring2.length, 1);
    const pa = angle.get(n.parent);
    const mix = pa === undefined ? a : a * 0.5 + pa * 0.5;
    n.x = cx + Math.cos(mix) * rx2; n.y = cy + Math.sin(mix) * ry2;
  });
  return byId;
}

let measureCtx = null;
export function textWidth(text, size = 12, weight = 600) {
  if (!measureCtx) {
    const c = document.createElement('canvas');
    measureCtx = c.getContext && c.getContext('2d');
  }
  if (!measureCtx) return text.length * size * 0.6;
  measureCtx.font = weight + ' ' + size + 'px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  return measureCtx.measureText(text).width;
}

/** Where a node's label goes: the outer side first, then above, then the inner side;
 * the first inside the box and clear of everything `placed`; null when none is (the
 * centre's label always goes above). */
function labelPlace(p, w, isCentre, outside, { width, height }, placed) {
  const sides = isCentre ? ['above'] : [outside, 'above', outside === 'left' ? 'right' : 'left'];
  for (const side of sides) {
    const r = R.node + LABEL_PAD;
    const dx = side === 'right' ? r : side === 'left' ? -r : 0;
    const dy = side === 'above' ? -((isCentre ? R.centre : R.node) + 12) : 0;
    const x0 = p.x + (side === 'right' ? dx : side === 'left' ? dx - w : -w / 2);
    const box = { x0: x0 - 2, x1: x0 + w + 2, y0: p.y + dy - LABEL_H / 2, y1: p.y + dy + LABEL_H / 2 };
    const inside = box.x0 >= 0 && box.x1 <= width && box.y0 >= 0 && box.y1 <= height;
    const free = placed.every((o) => box.x1 < o.x0 || box.x0 > o.x1 || box.y1 < o.y0 || box.y0 > o.y1);
    if (isCentre || (inside && free)) return { side, dx, dy, box };
  }
  return null;
}

/** The label at its chosen place, or hidden (shown on hover or focus) on the outer side. */
function setLabel(text, chosen, outside) {
  const r = R.node + LABEL_PAD;
  const side = chosen ? chosen.side : outside;
  text.setAttribute('x', (chosen ? chosen.dx : side === 'right' ? r : -r).toFixed(1));
  text.setAttribute('y', chosen ? chosen.dy.toFixed(1) : '0');
  text.setAttribute('text-anchor', side === 'right' ? 'start' : side === 'left' ? 'end' : 'middle');
  text.classList.toggle('label-hidden', !chosen);
}

/**
 * An interactive drawing in `svg`. `onActivate(id)` is called for Enter or a click.
 * draw() replaces the picture; the view (zoom, pan) is reset to fit.
 */
export class GraphView {
  constructor(svg, { onActivate, relationLabel, relationOrder }) {
    this.svg = svg;
    this.onActivate = onActivate;
    this.relationLabel = relationLabel;
    this.relationOrder = relationOrder;
    this.view = { k: 1, x: 0, y: 0 };
    this.nodes = [];
    this.edges = [];
    this.current = null;   // the node in the Tab order
    this._bindPanZoom();
  }

  size() {
    const r = this.svg.getBoundingClientRect();
    return { width: Math.max(200, Math.round(r.width)), height: Math.max(200, Math.round(r.height)) };
  }

  draw(selection, { pathNodes = new Set(), pathEdges = new Set() } = {}) {
    this._reset(selection);
    const edgeLayer = s('g', { class: 'edges' });
    const nodeLayer = s('g', { class: 'nodes' });
    this.svg.append(edgeLayer, nodeLayer);
    this.edges = this._drawEdges(edgeLayer, selection.edges, pathEdges);
    this._drawNodes(nodeLayer, selection.centre, pathNodes);
    this.update();
    return this.counts();
  }

  /** An empty picture the size of the SVG, the view fitted, the nodes laid out. */
  _reset(selection) {
    clear(this.svg);
    const { width, height } = this.size();
    this.svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    this.view = { k: 1, x: 0, y: 0 };
    this.selection = selection;
    this.nodes = selection.nodes.map((n) => ({ ...n }));
    this.byId = layout(this.nodes, width, height, this.relationOrder);
    this.world = new Map(this.nodes.map((n) => [n.id, { x: n.x, y: n.y }]));
  }

  /** One path per edge, parallel edges between one pair numbered to curve apart. */
  _drawEdges(layer, edges, pathEdges) {
    const pairCount = new Map();
    return edges.map((e) => {
      const key = [e.source, e.target].sort().join('|');
      const bend = pairCount.get(key) || 0;
      pairCount.set(key, bend + 1);
      const path = this._edgePath(e, pathEdges.has(e.source + '|' + e.relation + '|' + e.target));
      layer.appendChild(path);
      return { e, path, bend };
    });
  }

  _edgePath(e, onPath) {
    const cls = 'rel-' + (this.relationOrder(e.relation) < 99 ? e.relation : 'other');
    // a related the author linked (ingest/links.py) "links to"; only co-mentions are "mentioned with"
    const says = e.explicit && e.relation === 'related' ? 'links to' : this.relationLabel(e.relation);
    return s('path', { class: 'edge ' + cls + (e.explicit ? ' explicit' : '') + (onPath ? ' on-path' : ''),
      'stroke-width': Math.min(1.4 + Math.log(1 + (e.weight || 0)) * 0.5, 3.5).toFixed(1) },
      s('title', { text: `${this.byId.get(e.source).label} ${says} ${this.byId.get(e.target).label}` }));
  }

  /** One group per node, in rank order (the keyboard's order); the first is the Tab stop. */
  _drawNodes(layer, centre, pathNodes) {
    const ordered = this.nodes.slice().sort((a, b) => a.rank - b.rank);
    this.order = ordered.map((n) => n.id);
    this.elements = new Map();
    for (const n of ordered) {
      const g = this._nodeGroup(n, n.id === centre, pathNodes.has(n.id));
      layer.appendChild(g);
      this.elements.set(n.id, g);
    }
    this.current = this.order[0] || null;
    if (this.current) this.elements.get(this.current).setAttribute('tabindex', '0');
  }

  _nodeGroup(n, isCentre, onPath) {
    const g = s('g', {
      class: 'node' + (isCentre ? ' centre' : '') + (onPath ? ' on-path' : ''),
      tabindex: '-1', role: 'link', 'data-id': n.id,
      'aria-label': n.label + (isCentre ? ' (focused concept)' : '') + ', ' + n.degree +
        ' connection' + (n.degree === 1 ? '' : 's'),
    },
    s('circle', { r: isCentre ? R.centre : R.node }),
    s('text', { dy: '0.35em', text: n.label }));
    g.addEventListener('keydown', (ev) => this._key(ev, n.id));
    g.addEventListener('focus', () => this._highlight(n.id, true));
    g.addEventListener('blur', () => this._highlight(n.id, false));
    g.addEventListener('mouseenter', () => this._highlight(n.id, true));
    g.addEventListener('mouseleave', () => this._highlight(n.id, false));
    this._bindDrag(g, n.id);
    return g;
  }

  /** Drawn edges per relation type: the legend shows exactly these. */
  counts() {
    const counts = {};
    this.edges.forEach(({ e }) => { counts[e.relation] = (counts[e.relation] || 0) + 1; });
    return counts;
  }

  screen(id) {
    const w = this.world.get(id);
    return { x: w.x * this.view.k + this.view.x, y: w.y * this.view.k + this.view.y };
  }

  /** Move everything to the current view and re-decide which labels fit. */
  update() {
    this._placeEdges();
    this._placeNodes();
  }

  _placeEdges() {
    for (const { e, path, bend } of this.edges) {
      const a = this.screen(e.source), b = this.screen(e.target);
      const dx = b.x - a.x, dy = b.y - a.y;
      const len = Math.hypot(dx, dy) || 1;
      const off = bend ? (bend % 2 ? 1 : -1) * Math.ceil(bend / 2) * 14 : 0;
      const mx = (a.x + b.x) / 2 - (dy / len) * off, my = (a.y + b.y) / 2 + (dx / len) * off;
      path.setAttribute('d', `M${a.x.toFixed(1)},${a.y.toFixed(1)} Q${mx.toFixed(1)},${my.toFixed(1)} ${b.x.toFixed(1)},${b.y.toFixed(1)}`);
    }
  }

  /** Nodes to their screen places, each label on the first free side (in rank order). */
  _placeNodes() {
    const box = { ...this.size() };
    const centre = this.selection.centre;
    // labels may not cover a node: every node's circle is taken before any label
    const placed = this.order.map((id) => {
      const p = this.screen(id);
      const r = (id === centre ? R.centre : R.node) + 1;
      return { x0: p.x - r, x1: p.x + r, y0: p.y - r, y1: p.y + r };
    });
    for (const id of this.order) {
      const g = this.elements.get(id);
      const p = this.screen(id);
      g.setAttribute('transform', `translate(${p.x.toFixed(1)},${p.y.toFixed(1)})`);
      const isCentre = id === centre;
      const w = textWidth(this.byId.get(id).label, isCentre ? 14 : 12, isCentre ? 800 : 600);
      const outside = p.x < box.width / 2 ? 'left' : 'right';
      const chosen = labelPlace(p, w, isCentre, outside, box, placed);
      if (chosen) placed.push(chosen.box);
      setLabel(g.querySelector('text'), chosen, outside);
    }
  }

  zoom(factor, px, py) {
    const { width, height } = this.size();
    const x = px ?? width / 2, y = py ?? height / 2;
    const k = Math.min(8, Math.max(0.3, this.view.k * factor));
    const f = k / this.view.k;
    this.view = { k, x: x - (x - this.view.x) * f, y: y - (y - this.view.y) * f };
    this.update();
  }

  fit() { this.view = { k: 1, x: 0, y: 0 }; this.update(); }

  _highlight(id, on) {
    this.svg.classList.toggle('hovering', on);
    for (const { e, path } of this.edges) {
      const hit = e.source === id || e.target === id;
      path.classList.toggle('dim', on && !hit);
    }
    const g = this.elements.get(id);
    if (g) g.classList.toggle('hl', on);
  }

  _key(ev, id) {
    const i = this.order.indexOf(id);
    let next = null;
    if (ev.key === 'ArrowRight' || ev.key === 'ArrowDown') next = this.order[(i + 1) % this.order.length];
    else if (ev.key === 'ArrowLeft' || ev.key === 'ArrowUp') next = this.order[(i - 1 + this.order.length) % this.order.length];
    else if (ev.key === 'Home') next = this.order[0];
    else if (ev.key === 'End') next = this.order[this.order.length - 1];
    else if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); this.onActivate(id); return; }
    else if (ev.key === '+' || ev.key === '=') { this.zoom(1.25); return; }
    else if (ev.key === '-') { this.zoom(0.8); return; }
    if (next) { ev.preventDefault(); this.focusNode(next); }
  }

  focusNode(id) {
    const prev = this.elements.get(this.current);
    if (prev) prev.setAttribute('tabindex', '-1');
    this.current = id;
    const g = this.elements.get(id);
    g.setAttribute('tabindex', '0');
    g.focus();
  }

  _bindDrag(g, id) {
    g.addEventListener('pointerdown', (ev) => {
      if (ev.button !== 0) return;
      ev.stopPropagation();
      const start = { x: ev.clientX, y: ev.clientY };
      const origin = { ...this.world.get(id) };
      let moved = false;
      g.setPointerCapture(ev.pointerId);
      const move = (m) => {
        const dx = (m.clientX - start.x) / this.view.k, dy = (m.clientY - start.y) / this.view.k;
        if (!moved && Math.hypot(dx, dy) < 4) return;
        moved = true;
        g.classList.add('dragging');
        this.world.set(id, { x: origin.x + dx, y: origin.y + dy });
        this.update();
      };
      const up = () => {
        g.removeEventListener('pointermove', move);
        g.removeEventListener('pointerup', up);
        g.removeEventListener('pointercancel', up);
        g.classList.remove('dragging');
        if (!moved) this.onActivate(id);
      };
      g.addEventListener('pointermove', move);
      g.addEventListener('pointerup', up);
      g.addEventListener('pointercancel', up);
    });
  }

  _bindPanZoom() {
    const svg = this.svg;
    svg.addEventListener('wheel', (ev) => {
      ev.preventDefault();
      const r = svg.getBoundingClientRect();
      this.zoom(ev.deltaY < 0 ? 1.15 : 1 / 1.15, ev.clientX - r.left, ev.clientY - r.top);
    }, { passive: false });
    svg.addEventListener('pointerdown', (ev) => {
      if (ev.button !== 0) return;
      const start = { x: ev.clientX, y: ev.clientY, vx: this.view.x, vy: this.view.y };
      svg.setPointerCapture(ev.pointerId);
      svg.classList.add('panning');
      const move = (m) => {
        this.view.x = start.vx + m.clientX - start.x;
        this.view.y = start.vy + m.clientY - start.y;
        this.update();
      };
      const up = () => {
        svg.classList.remove('panning');
        svg.removeEventListener('pointermove', move);
        svg.removeEventListener('pointerup', up);
      };
      svg.addEventListener('pointermove', move);
      svg.addEventListener('pointerup', up);
    });
  }
}
