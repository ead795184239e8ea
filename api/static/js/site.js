// The one search box of every page: concept suggestions first (typo-tolerant, from
// /api/suggest), then matching sections (/api/search); Enter without a pick opens the
// results page /search?q=. "/" and Ctrl-K focus it from anywhere.
import { h, clear, getJSON, debounce, exploreUrl, searchUrl } from './dom.js';

const form = document.getElementById('site-search');
const input = document.getElementById('search-input');
const list = document.getElementById('search-list');

function setup() {
  if (!form || !input || !list) return;
  let options = [];   // [{kind, id, label, url, sub}]
  let active = -1;
  let seq = 0;

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }
  function mark(i) {
    active = i;
    list.querySelectorAll('[role=option]').forEach((el, j) => {
      el.setAttribute('aria-selected', j === i ? 'true' : 'false');
      if (j === i) el.scrollIntoView({ block: 'nearest' });
    });
    if (i >= 0) input.setAttribute('aria-activedescendant', 'sg-' + i);
    else input.removeAttribute('aria-activedescendant');
  }
  function open(option) {
    close();
    if (option.kind === 'concept') {
      // The explorer refocuses in place; other pages navigate.
      const ev = new CustomEvent('kg:focus', { detail: option.id, cancelable: true });
      if (!document.dispatchEvent(ev)) { input.value = ''; return; }
    }
    location.href = option.url;
  }
  function show(concepts, sections, q) {
    clear(list);
    options = [];
    const add = (label, items) => {
      if (!items.length) return;
      // listbox > group (named) > option: the groups' headings are their names
      const group = h('div', { role: 'group', 'aria-label': label || 'More' },
        label ? h('p', { class: 'group-label', 'aria-hidden': 'true', text: label }) : null);
      list.appendChild(group);
      items.forEach((o) => {
        const i = options.length;
        options.push(o);
        const el = h('div', { id: 'sg-' + i, role: 'option', 'aria-selected': 'false' },
          o.label, o.sub ? h('span', { class: 'sub', text: o.sub }) : null);
        el.addEventListener('mousedown', (ev) => { ev.preventDefault(); open(o); });
        group.appendChild(el);
      });
    };
    add('Concepts', concepts.map((c) => ({
      kind: 'concept', id: c.id, label: c.label, url: exploreUrl(c.id),
      sub: c.matched && c.matched.toLowerCase() !== c.label.toLowerCase() ? c.matched : '' })));
    add('Sections', sections.filter((r) => r.kind === 'section').map((r) => ({
      kind: 'section', label: r.title, url: r.url || searchUrl(q),
      sub: (r.breadcrumb || []).slice(0, -1).join(' › ') })));
    const all = { kind: 'all', label: 'See all results for “' + q + '”', url: searchUrl(q) };
    add('', [all]);
    active = -1;
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }
  const update = debounce(async () => {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) { close(); return; }
    try {
      const [sug, res] = await Promise.all([
        getJSON('/api/suggest?limit=5&q=' + encodeURIComponent(q.slice(0, 100))),
        getJSON('/api/search?limit=5&kind=section&q=' + encodeURIComponent(q)).catch(() => ({ results: [] })),
      ]);
      if (mine === seq) show(sug.suggestions || [], res.results || [], q);
    } catch (e) { if (mine === seq) close(); }
  }, 120);

  input.addEventListener('input', update);
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown' && options.length) {
      ev.preventDefault();
      if (list.hidden) { list.hidden = false; input.setAttribute('aria-expanded', 'true'); }
      mark((active + 1) % options.length);
    } else if (ev.key === 'ArrowUp' && options.length) {
      ev.preventDefault();
      mark(active <= 0 ? options.length - 1 : active - 1);
    } else if (ev.key === 'Escape') { close(); }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
  form.addEventListener('submit', (ev) => {
    const q = input.value.trim();
    if (active >= 0 && !list.hidden && options[active]) { ev.preventDefault(); open(options[active]); return; }
    if (!q) { ev.preventDefault(); return; }
    // otherwise the form itself opens /search?q=
  });
}

// "/" (outside a text field) and Ctrl-K / Cmd-K focus the search box on every page.
document.addEventListener('keydown', (ev) => {
  if (!input) return;
  const t = ev.target;
  const typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  if ((ev.key === 'k' || ev.key === 'K') && (ev.ctrlKey || ev.metaKey)) {
    ev.preventDefault(); input.focus(); input.select();
  } else if (ev.key === '/' && !typing && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
    ev.preventDefault(); input.focus(); input.select();
  }
});

setup();
