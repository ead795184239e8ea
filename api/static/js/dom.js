// Small DOM helpers shared by the page scripts. Data is only ever inserted with
// textContent / setAttribute (never innerHTML), so note text cannot inject markup.
export const SVG_NS = 'http://www.w3.org/2000/svg';

function setAttrs(node, attrs) {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') node.textContent = String(v);
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
}

export function append(node, child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) { child.forEach((c) => append(node, c)); return; }
  node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
}

/** An HTML element: h('a', {href, text}, ...children). */
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

/** An SVG element, like h(). */
export function s(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

export function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

export function exploreUrl(id) { return '/explore/' + encodeURIComponent(id); }

export function noteUrl(path, hash) {
  const url = '/notes/' + String(path).split('/').map(encodeURIComponent).join('/');
  return hash ? url + '#' + encodeURIComponent(hash) : url;
}

export function searchUrl(q) { return '/search?q=' + encodeURIComponent(q); }

/** fetch JSON; a non-2xx answer throws an Error with .status and .body. */
export async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: 'application/json' } });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) {
    const err = new Error((body.error && body.error.message) || ('HTTP ' + r.status));
    err.status = r.status;
    err.body = body;
    throw err;
  }
  return body;
}

export function debounce(fn, ms) {
  let t = null;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}

/** A relation's swatch: a short line with the relation's colour and dash pattern. */
export function swatch() {
  return s('svg', { class: 'swatch', width: 26, height: 8, 'aria-hidden': 'true' },
    s('line', { x1: 1, y1: 4, x2: 25, y2: 4 }));
}
