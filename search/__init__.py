"""Full-text search over notes and concepts, behind one class: :class:`SearchIndex`.

Whoosh holds the index; the modules, in the order a document and a query meet them:

- ``schema``: the Whoosh fields and the field boosts;
- ``analysis`` (and ``korean``): how text becomes index terms (a Whoosh analyzer);
- ``documents``: notes and concepts -> index documents, stored fields -> records;
- ``writer``: writing an index, afresh or from the previous build's segments;
- ``query``: plain text -> a plan (words, typos, prefixes, synonyms, phrases);
- ``spelling``: the vocabulary typos and prefixes are matched against;
- ``scoring``: BM25 per field over Whoosh's postings (and as a Whoosh weighting model);
- ``evaluate``: a plan's tree evaluated on those scores (the fast path);
- ``whoosh_query``: the same tree as Whoosh queries; Whoosh's own query syntax;
- ``ranking``: re-ranking by the notes' structure; ``facets``: filters and counts;
- ``snippets``: highlighted excerpts; ``view``: one index generation opened for search;
- ``index``: :class:`SearchIndex`, which puts them together.
"""

from search.index import SearchIndex

__all__ = ["SearchIndex"]
