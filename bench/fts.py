"""The baseline: SQLite FTS5 (stdlib sqlite3, porter tokenizer) over the same sections.

Same query semantics as kg's default: every word required, falling back to any word
when that finds nothing; kg's stop words dropped; the last word completed as a prefix
while typing (no trailing space), as kg does. Ranked by bm25() with kg's field boosts
(title 3, body 1, breadcrumb 0.4); snippets by snippet() on the body.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

_TOKEN = re.compile(r"\w+", re.UNICODE)


def sections_from_index(index_dir: Path) -> list[dict[str, str]]:
    """The section documents kg indexed, read from its Whoosh index's stored fields."""
    from whoosh.index import open_dir

    from search.schema import LIST_SEP

    ix = open_dir(str(index_dir), readonly=True)
    try:
        with ix.searcher() as searcher:
            return [{"id": d.get("id", ""), "title": d.get("title", ""),
                     "breadcrumb": (d.get("breadcrumb") or "").replace(LIST_SEP, " / "),
                     "body": d.get("body", "")}
                    for d in searcher.documents() if d.get("kind") == "section"]
    finally:
        ix.close()


class Fts5:
    def __init__(self, sections: list[dict[str, str]], path: str = ":memory:") -> None:
        from search.analysis import STOP_WORDS

        self.stop = STOP_WORDS
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.execute("CREATE VIRTUAL TABLE s USING fts5(id UNINDEXED, title, breadcrumb, "
                        "body, tokenize='porter unicode61')")
        self.db.executemany("INSERT INTO s VALUES (?, ?, ?, ?)",
                            [(x["id"], x["title"], x["breadcrumb"], x["body"]) for x in sections])
        self.db.commit()
        self.sql = ("SELECT id, title, snippet(s, 3, '<mark>', '</mark>', '…', 24) FROM s "
                    "WHERE s MATCH ? ORDER BY bm25(s, 0.0, 3.0, 0.4, 1.0) LIMIT ?")

    def match_expressions(self, q: str) -> list[str]:
        words = [w.lower() for w in _TOKEN.findall(q)]
        typing = bool(words) and not q.endswith((" ", "\t", "\n"))
        kept = [w for w in words if w not in self.stop] or words
        if not kept:
            return []
        terms = [f'"{w}"' for w in kept]
        if typing and words[-1] == kept[-1]:
            terms[-1] += "*"
        exprs = [" AND ".join(terms)]
        if len(terms) > 1:
            exprs.append(" OR ".join(terms))
        return exprs

    def search(self, q: str, limit: int = 10) -> list[dict[str, Any]]:
        for expr in self.match_expressions(q):
            rows = self.db.execute(self.sql, (expr, limit)).fetchall()
            if rows:
                return [{"id": r[0], "title": r[1], "snippet": r[2]} for r in rows]
        return []
