// The concept's details: title, names and definition first, then a jump menu, its
// relations by type (the strongest few each, "show all (n)" pages in the rest) and the
// notes it comes from (grouped by note, with counts).
import { h, clear, getJSON, noteUrl, swatch } from './dom.js';

function sourceLink(path, line, anchor) {
  return h('a', { class: 'src', href: noteUrl(path, anchor || ('L' + line)), text: path + ':' + line });
}

export class Details {
  constructor({ head, intro, body, jump, conceptLink, relClass, announce }) {
    this.review = null;   // a reviewer (review.js) when the server takes decisions
    this.announce = announce || (() => {});
    this.head = head;
    this.intro = intro;
    this.body = body;
    this.jump = jump;
    this.conceptLink = conceptLink;
    this.relClass = relClass;
  }

  clear() {
    clear(this.intro); clear(this.body); clear(this.jump);
    this.jump.hidden = true;
    this.jump.parentElement.hidden = true;   // the "On this page" box around it
  }

  render(data) {
    this.clear();
    const c = data.concept;
    this.focus = c;
    const h1 = this.head.querySelector('h1') || this.head.appendChild(h('h1', { tabindex: '-1' }));
    h1.textContent = c.label;
    this.head.querySelectorAll('.notice, .lead').forEach((n) => n.remove());
    const names = [...Object.entries(c.translations || {}).map(([lang, t]) => h('span', { lang, text: t })),
                   ...(c.altLabels || []).map((a) => h('span', { text: a }))];
    if (names.length) {
      this.intro.appendChild(h('p', { class: 'names' }, 'Also: ',
        names.flatMap((n, i) => (i ? [', ', n] : [n]))));
    }
    if (this.review) {
      this.intro.appendChild(h('p', { class: 'review-actions' }, this.decide('Not a concept',
        { action: 'not-a-concept', concept: c.label }, 'Not a concept: ' + c.label,
        () => this.announce(c.label + ' is no longer a concept; the graph was rebuilt'))));
    }
    if (c.definition && c.definition.text) {
      this.intro.appendChild(h('blockquote', { class: 'definition' },
        h('p', { text: c.definition.text }),
        h('footer', { class: 'muted' }, 'from ', sourceLink(c.definition.path, c.definition.line))));
    }
    const jumps = [];
    const groups = data.groups || [];
    const rels = h('div', { class: 'block relations', id: 'relations' }, h('h2', { text: 'Relations' }));
    if (!groups.length) rels.appendChild(h('p', { class: 'muted', text: 'No relations recorded.' }));
    groups.forEach((g, gi) => {
      const id = 'rel-' + gi;
      jumps.push([id, g.label + ' (' + g.total + ')']);
      rels.appendChild(this.group(c.id, g, id));
    });
    this.body.appendChild(rels);
    jumps.unshift(['relations', 'Relations']);
    const src = data.sources || { total: 0, notes: [] };
    if (src.total) {
      jumps.push(['sources', 'In the notes (' + src.total + ')']);
      this.body.appendChild(this.sources(c.id, src));
    }
    jumps.push(['pathfinder', 'Find a path']);
    jumps.forEach(([id, label]) => this.jump.appendChild(h('a', { href: '#' + id, text: label })));
    this.jump.hidden = false;
    this.jump.parentElement.hidden = false;
  }

  /** A review button that sends one decision; ``done`` runs once it is built. */
  decide(text, body, label, done) {
    const button = h('button', { type: 'button', class: 'secondary small review', text,
      'aria-label': label });
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const answer = await this.review.send(body);
        if (answer) done(answer); else button.disabled = false;
      } catch (e) {
        button.disabled = false;
        this.announce('Not written: ' + e.message);
      }
    });
    return button;
  }

  reviewButtons(item, g, li) {
    const focus = this.focus.label;
    const [source, target] = g.direction === 'in' ? [item.label, focus] : [focus, item.label];
    const body = (action) => ({ action, source, type: g.relation, target });
    const said = source + ' ' + g.relation + ' ' + target;
    return h('span', { class: 'review-actions' },
      this.decide('Confirm', body('confirm'), 'Confirm: ' + said, () => {
        li.classList.add('confirmed');
        li.querySelectorAll('button.review').forEach((b) => b.remove());
        this.announce('Confirmed: ' + said);
      }), ' ',
      this.decide('Reject', body('reject'), 'Reject: ' + said, () => {
        li.remove();
        this.announce('Rejected: ' + said + '; the graph was rebuilt');
      }));
  }

  item(item, g) {
    const ev = (item.evidence || []).map((e) => h('li', null, h('q', { text: e.text }), ' ', sourceLink(e.path, e.line)));
    if (item.evidenceCount > (item.evidence || []).length) {
      ev.push(h('li', { class: 'muted', text: '+' + (item.evidenceCount - item.evidence.length) + ' more in the notes' }));
    }
    const n = item.evidenceCount || ev.length;
    const li = h('li', { class: 'rel-item' }, this.conceptLink(item.id, item.label),
      ev.length ? h('details', null, h('summary', { text: n + ' quote' + (n === 1 ? '' : 's') }),
        h('ul', { class: 'evidence' }, ev)) : null);
    if (this.review && g && g.relation !== 'related') {
      li.appendChild(this.reviewButtons(item, g, li));
    }
    return li;
  }

  group(cid, g, id) {
    const list = h('ul', null, g.items.map((i) => this.item(i, g)));
    const section = h('section', { class: 'rel-group ' + this.relClass(g.relation), id },
      h('h3', null, swatch(), g.label, h('span', { class: 'count', text: '(' + g.total + ')' })), list);
    if (g.total > g.items.length) {
      let shown = g.items.length;
      const more = h('button', { type: 'button', class: 'secondary small more',
        text: 'Show all (' + g.total + ')' });
      more.addEventListener('click', async () => {
        more.disabled = true;
        const q = '?part=group&relation=' + encodeURIComponent(g.relation) + '&direction=' +
          g.direction + '&offset=' + shown + '&limit=100';
        try {
          const page = await getJSON('/api/explore/' + encodeURIComponent(cid) + q);
          page.items.forEach((i) => list.appendChild(this.item(i, g)));
          shown += page.items.length;
          more.textContent = 'Show more (' + (g.total - shown) + ' left)';
          more.disabled = false;
          if (shown >= g.total) more.remove();
        } catch (e) { more.textContent = 'Could not load: ' + e.message; }
      });
      section.appendChild(more);
    }
    return section;
  }

  sourceItem(n) {
    return h('li', null, h('a', { href: noteUrl(n.path), text: n.title }), ' ',
      h('details', { class: 'note-sections' },
        h('summary', { text: n.count + ' section' + (n.count === 1 ? '' : 's') }),
        h('ul', { class: 'sections' }, n.sections.map((sec) => h('li', null,
          h('a', { href: noteUrl(n.path, sec.anchor), text: sec.title }),
          ' ', h('span', { class: 'muted', text: ':' + sec.line }))))));
  }

  sources(cid, src) {
    const list = h('ul', { class: 'sources' }, src.notes.map((n) => this.sourceItem(n)));
    const block = h('div', { class: 'block', id: 'sources' },
      h('h2', { text: 'In the notes' }),
      h('p', { class: 'muted', text: src.mentions + ' section' + (src.mentions === 1 ? '' : 's') + ' in ' +
        src.total + ' note' + (src.total === 1 ? '' : 's') }), list);
    if (src.total > src.notes.length) {
      let shown = src.notes.length;
      const more = h('button', { type: 'button', class: 'secondary small more', text: 'Show all (' + src.total + ')' });
      more.addEventListener('click', async () => {
        more.disabled = true;
        const page = await getJSON('/api/explore/' + encodeURIComponent(cid) + '?part=sources&limit=100&offset=' + shown);
        page.notes.forEach((n) => list.appendChild(this.sourceItem(n)));
        shown += page.notes.length;
        more.textContent = 'Show more (' + (src.total - shown) + ' left)';
        more.disabled = false;
        if (shown >= src.total) more.remove();
      });
      block.appendChild(more);
    }
    return block;
  }

  overview(nodes) {
    this.clear();
    const top = nodes.slice().sort((a, b) => b.degree - a.degree || a.label.localeCompare(b.label));
    this.body.appendChild(h('div', { class: 'block' }, h('h2', { text: 'Most connected' }),
      h('ul', { class: 'chips' }, top.map((n) => h('li', null, this.conceptLink(n.id, n.label, 'chip'))))));
  }

  error(err) {
    this.clear();
    const hints = (err.body && err.body.error && err.body.error.suggestions) || [];
    const h1 = this.head.querySelector('h1');
    if (h1) h1.textContent = err.status === 404 ? 'Concept not found' : 'Something went wrong';
    this.intro.appendChild(h('p', { text: err.message }));
    if (hints.length) {
      this.intro.appendChild(h('p', null, 'Did you mean ',
        hints.flatMap((x, i) => [i ? ', ' : '', this.conceptLink(x.id, x.label)]), '?'));
    }
  }
}

