"""What must be known of a SPARQL query before it runs, read from a real parse.

A query may not be an update and may not use ``SERVICE`` (federation would make the
server fetch URLs: SSRF). That is decided by rdflib's SPARQL parser, never by a lexer of
ours (the one before this ended comments at ``\\n`` only, so ``#x\\rSERVICE <…>`` passed).
Where parsers could disagree the answer is the cautious one:

* the text the engine runs is the text parsed, with ``\\r`` made ``\\n`` (SPARQL ends a
  comment at either; rdflib's parser only at ``\\n``);
* a query rdflib cannot parse is refused if the word "service" appears anywhere in it
  once ``\\u`` escapes are decoded and case is folded (Unicode case folding, wider than
  SPARQL's ASCII keywords).

pyparsing's time grows with the query's length and can reach seconds, so :func:`check_query`
runs in the query worker process, under the query's deadline, never in a server thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


class QueryError(Exception):
    """A query that could not be answered. ``kind``: syntax, timeout, memory, service,
    read_only, not_acceptable, unavailable, error."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class QueryInfo:
    parsed: bool  # rdflib's parser read it (else the engine's parser will explain)
    has_dataset: bool = False  # FROM / FROM NAMED


def normalize(text: str) -> str:
    """The text that is both checked and run: line ends made ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _unescape_codepoints(text: str) -> str:
    """SPARQL's ``\\uXXXX`` / ``\\UXXXXXXXX`` escapes, decoded as the grammar does before
    parsing (so an escaped keyword is still seen)."""

    def decode(match: re.Match[str]) -> str:
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except (ValueError, OverflowError):
            return match.group(0)

    return re.sub(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})", decode, text)


def _names(node: Any, found: set[str]) -> set[str]:
    """The grammar rule names in an rdflib parse tree."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        found.add(node.name)
        for value in node.values():
            _names(value, found)
    elif isinstance(node, (list, tuple, ParseResults)):
        for value in node:
            _names(value, found)
    return found


# Letters every SERVICE, update operation or dataset clause is written with. A query
# without any of them (once escapes are decoded and case folded) has nothing to decide,
# and skips the parse (most of the time a small query takes).
NEEDS_PARSE = (
    "service",
    "insert",
    "delete",
    "load",
    "clear",
    "drop",
    "create",
    "add",
    "move",
    "copy",
    "with",
    "using",
    "from",
)


def check_query(text: str) -> QueryInfo:
    """``text`` (already :func:`normalize`\\ d) as a query we may run; QueryError
    ``read_only`` for an update, ``service`` for federation."""
    folded = _unescape_codepoints(text).casefold()
    if not any(word in folded for word in NEEDS_PARSE):
        return QueryInfo(parsed=False)  # no SERVICE, update or FROM can be written
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        names: set[str] | None = _names(parseQuery(text), set())
    except (ParseException, ValueError, TypeError, RecursionError):
        names = None
    if names is None:
        try:
            parseUpdate(text)
        except (ParseException, ValueError, TypeError, RecursionError):
            pass
        else:
            raise QueryError("read_only", "SPARQL updates are refused")
        if "service" in folded:
            raise QueryError("service", "federated queries (SERVICE) are not allowed")
        return QueryInfo(parsed=False)
    if "ServiceGraphPattern" in names:
        raise QueryError("service", "federated queries (SERVICE) are not allowed")
    return QueryInfo(parsed=True, has_dataset="DatasetClause" in names)
