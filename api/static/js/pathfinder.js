// The path finder: shortest typed paths between two concepts, listed with the sentence
// behind each step, and shown in the graph.
import { h, clear, getJSON, debounce } from './dom.js';

export function setupPaths({ conceptLink, relClass, relLabel, sourceLink, onPath, onClear, announce }) {
  const form = document.getElementById('path-form');
  const from = document.getElementById('path-from');
  const to = document.getElementById('path-to');
  const options = document.getElementById('path-options');
  const out = document.getElementById('path-result');
  const clearBtn = document.getElementById('path-clear');
  let paths = [];

  const fill = debounce(async (input) => {
    const q = input.value.trim();
    if (!q) return;
    try {
      const body = await getJSON('/api/suggest?limit=8&q=' + encodeURIComponent(q.slice(0, 100)));
      clear(options);
      (body.suggestions || []).forEach((sg) => options.appendChild(h('option', { value: sg.label })));
    } catch (e) { /* suggestions are a convenience */ }
  }, 150);
  from.addEventListener('input', () => fill(from));
  to.addEventListener('input', () => fill(to));
  clearBtn.addEventListener('click', () => { paths = []; clear(out); clearBtn.hidden = true; onClear(); });

  function choose(i) {
    out.querySelectorAll('.path-item').forEach((li, j) => {
      li.classList.toggle('chosen', j === i);
      li.querySelector('button').setAttribute('aria-pressed', j === i ? 'true' : 'false');
    });
    onPath(paths[i]);
  }

  function show() {
    const list = h('ol', { class: 'paths' });
    paths.forEach((p, i) => {
      const byId = new Map(p.nodes.map((n) => [n.id, n]));
      const chain = h('p', { class: 'chain' });
      p.nodes.forEach((n, j) => {
        if (j) {
          const e = p.edges[j - 1];
          const forward = e.source === e.from;
          chain.appendChild(h('span', { class: 'step ' + relClass(e.relation),
            text: forward ? ' —' + relLabel(e.relation) + '→ ' : ' ←' + relLabel(e.relation) + '— ' }));
        }
        chain.appendChild(conceptLink(n.id, n.label));
      });
      const evidence = h('ul', { class: 'evidence' }, p.edges.map((e) => {
        const first = (e.evidence || [])[0];
        return h('li', null,
          h('strong', { text: byId.get(e.source).label + ' ' + relLabel(e.relation) + ' ' + byId.get(e.target).label }),
          first ? [': ', h('q', { text: first.text }), ' ', sourceLink(first.path, first.line)]
                : h('span', { class: 'muted', text: ' (no sentence recorded)' }));
      }));
      const btn = h('button', { type: 'button', class: 'secondary small', 'aria-pressed': 'false', text: 'Show in graph' });
      btn.addEventListener('click', () => choose(i));
      list.appendChild(h('li', { class: 'path-item' },
        h('div', { class: 'path-head' }, h('span', { class: 'muted',
          text: p.edges.length + ' step' + (p.edges.length === 1 ? '' : 's') + ' ' }), btn), chain, evidence));
    });
    out.appendChild(list);
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const a = from.value.trim(), b = to.value.trim();
    if (!a || !b) return;
    clear(out);
    announce('Searching for a path…');
    try {
      const body = await getJSON('/api/path?k=3&from=' + encodeURIComponent(a) + '&to=' + encodeURIComponent(b));
      if (!body.found) { out.appendChild(h('p', { class: 'notice', text: 'No path within 6 steps.' })); announce('No path found.'); return; }
      paths = body.paths;
      show();
      choose(0);
      clearBtn.hidden = false;
      announce(paths.length + ' path' + (paths.length === 1 ? '' : 's') + ' found.');
    } catch (err) {
      const hints = (err.body && err.body.error && err.body.error.suggestions) || [];
      out.appendChild(h('p', { class: 'notice', text: err.message }));
      if (hints.length) out.appendChild(h('p', { class: 'muted', text: 'Try: ' + hints.map((x) => x.label).join(', ') }));
      announce(err.message);
    }
  });
  return { from };
}
