"""Our query trees as Whoosh query objects, and Whoosh's own query syntax.

:func:`to_whoosh` turns a plan's tree (``search.query``: Term, Best, All, Some, Phrase)
into the Whoosh query that Whoosh's ``searcher.search()`` scores, with
``search.scoring.FieldBM25``, exactly as the fast path (``search.evaluate``) does:

* ``Term(t, b)``: ``Or`` of ``Term(field, t, boost=FIELD_BOOSTS[field] * b)`` over the
  text fields (Whoosh's ``Or`` adds up the scores of the children that match);
* ``Best(a, b, c)``: ``Or(a, Require(Or(b, Require(c, Not(b))), Not(a)))``: a document
  scores by the first alternative it matches (``Require`` keeps the first query's
  score; whoosh3 3.54's ``AndNot`` lets through documents its negative ``Or`` matches,
  so it is not used);
* ``All`` / ``Some``: ``And`` / ``Or`` (scores add up); an ``All``'s boost is carried
  down to its terms (Whoosh drops the boost of a compound with one child);
* ``Phrase(terms)``: ``Require(And(terms), Or(Phrase(field, terms) per field))``: the
  terms' scores, for documents with the terms consecutive in one field.

:func:`parse_syntax` reads the syntax power users type (``title:probe AND kind:section
NOT body:"liveness"``) with Whoosh's ``QueryParser``.
"""

from __future__ import annotations

import re
from typing import Any

from whoosh import query as wq
from whoosh.qparser import MultifieldParser, QueryParser
from whoosh.qparser.common import QueryParserError

from search.query import All, Best, Phrase, Some, Term
from search.schema import FIELD_BOOSTS, SYNTAX_FIELDS, TEXT_FIELDS


class QuerySyntaxError(ValueError):
    """The query is not valid Whoosh syntax (the message is Whoosh's)."""


def term_query(term: str, boost: float = 1.0) -> Any:
    """One index term in any text field, each field's boost applied."""
    return wq.Or([wq.Term(f, term, boost=FIELD_BOOSTS[f] * boost) for f in TEXT_FIELDS])


def to_whoosh(node: Any, boost: float = 1.0) -> Any:
    """The Whoosh query scoring as ``node`` does in the fast path (see the module doc)."""
    if isinstance(node, Term):
        return term_query(node.term, node.boost * boost)
    if isinstance(node, Best):
        children = [to_whoosh(c, boost) for c in node.children]
        best = children[-1]
        for child in reversed(children[:-1]):  # the first that matches, from the end
            best = wq.Or([child, wq.Require(best, wq.Not(child))])
        return best
    if isinstance(node, All):
        return wq.And([to_whoosh(c, boost * node.boost) for c in node.children])
    if isinstance(node, Some):
        return wq.Or([to_whoosh(c, boost) for c in node.children])
    if isinstance(node, Phrase):
        scored = wq.And([term_query(t, boost) for t in dict.fromkeys(node.terms)])
        return wq.Require(scored, phrase_query(node.terms))
    raise TypeError(f"unknown query node {node!r}")


def phrase_query(terms: tuple[str, ...]) -> Any:
    """The (analysed) terms at consecutive positions in one text field."""
    return wq.Or([wq.Phrase(f, list(terms)) for f in TEXT_FIELDS])


def syntax_parser(schema: Any) -> QueryParser:
    """Whoosh's parser: bare words search the text fields (field boosts applied);
    ``field:value`` any of ``SYNTAX_FIELDS`` (and the other text fields)."""
    return MultifieldParser(list(TEXT_FIELDS), schema, fieldboosts=dict(FIELD_BOOSTS))


_FIELD_PREFIX = re.compile(r"(?<![\w.:/\-])([A-Za-z_]\w*):(?!//)")


def parse_syntax(parser: QueryParser, text: str) -> Any:
    """The Whoosh query for ``text``; :class:`QuerySyntaxError` if it is not one: the
    message is Whoosh's when its parser reports one (an exception, or a query marked
    with ``error``). Whoosh reads an unknown ``field:`` as words and recovers from an
    unclosed bracket or quote silently; both are refused here, with a message saying so.
    """
    assert parser.schema is not None  # syntax_parser always gives it one
    fields = parser.schema.names()
    for name in _FIELD_PREFIX.findall(re.sub(r'"[^"]*"', " ", text)):
        if name not in fields:
            raise QuerySyntaxError(f"unknown field {name!r}; fields: {', '.join(SYNTAX_FIELDS)}")
    if text.count('"') % 2:
        raise QuerySyntaxError("unbalanced double quote")
    if _depth_problem(re.sub(r'"[^"]*"', " ", text)):
        raise QuerySyntaxError("unbalanced parentheses")
    try:
        q = parser.parse(text)
    except QueryParserError as e:
        raise QuerySyntaxError(str(e)) from None
    for node in [q, *q.leaves()]:
        message = getattr(node, "error", None)
        if message:
            raise QuerySyntaxError(str(message))
    return q


def _depth_problem(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return True
    return depth != 0


__all__ = [
    "SYNTAX_FIELDS",
    "QuerySyntaxError",
    "parse_syntax",
    "phrase_query",
    "syntax_parser",
    "term_query",
    "to_whoosh",
]
