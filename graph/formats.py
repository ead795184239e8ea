"""The RDF and SPARQL-results formats we read and write, each declared once.

Every place that names a format (the export, the SPARQL endpoint and its content
negotiation, concept pages, the OpenAPI document) reads these tables: the name the API
takes, the other names clients send, the media types, the file extension, whether the
format keeps named graphs, and the pyoxigraph and rdflib formats that write it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox


@dataclass(frozen=True, slots=True)
class RdfFormat:
    """An RDF serialisation. ``media_types[0]`` is the one we answer with; the others
    are what clients also ask for. ``aliases`` are other names (file extensions,
    media-type subtypes) a ``format=`` parameter may use."""

    name: str
    media_types: tuple[str, ...]
    extension: str
    keeps_graphs: bool
    oxigraph: ox.RdfFormat
    rdflib: str
    aliases: tuple[str, ...] = ()

    @property
    def media_type(self) -> str:
        return self.media_types[0]


@dataclass(frozen=True, slots=True)
class ResultsFormat:
    """A SPARQL 1.1 query results format (SELECT and ASK answers)."""

    name: str
    media_types: tuple[str, ...]
    oxigraph: ox.QueryResultsFormat
    aliases: tuple[str, ...] = ()

    @property
    def media_type(self) -> str:
        return self.media_types[0]


# JSON-LD is written through rdflib (compacted with our prefixes as its @context); the
# others by pyoxigraph wherever the quads come from graph.nq.
RDF_FORMATS: dict[str, RdfFormat] = {
    f.name: f
    for f in (
        RdfFormat(
            "turtle",
            ("text/turtle", "application/x-turtle"),
            "ttl",
            False,
            ox.RdfFormat.TURTLE,
            "turtle",
            ("ttl", "n3"),
        ),
        RdfFormat(
            "ntriples",
            ("application/n-triples", "text/plain"),
            "nt",
            False,
            ox.RdfFormat.N_TRIPLES,
            "nt",
            ("nt", "n-triples"),
        ),
        RdfFormat(
            "nquads",
            ("application/n-quads",),
            "nq",
            True,
            ox.RdfFormat.N_QUADS,
            "nquads",
            ("nq", "n-quads"),
        ),
        RdfFormat("trig", ("application/trig",), "trig", True, ox.RdfFormat.TRIG, "trig"),
        RdfFormat(
            "json-ld",
            ("application/ld+json",),
            "jsonld",
            False,
            ox.RdfFormat.JSON_LD,
            "json-ld",
            ("jsonld", "json"),
        ),
        RdfFormat(
            "xml",
            ("application/rdf+xml",),
            "rdf",
            False,
            ox.RdfFormat.RDF_XML,
            "xml",
            ("rdf", "rdfxml", "rdf+xml", "owl"),
        ),
    )
}

RESULTS_FORMATS: dict[str, ResultsFormat] = {
    f.name: f
    for f in (
        ResultsFormat(
            "json",
            ("application/sparql-results+json", "application/json"),
            ox.QueryResultsFormat.JSON,
            ("srj",),
        ),
        ResultsFormat(
            "xml",
            ("application/sparql-results+xml", "application/xml", "text/xml"),
            ox.QueryResultsFormat.XML,
            ("srx",),
        ),
        ResultsFormat("csv", ("text/csv",), ox.QueryResultsFormat.CSV),
        ResultsFormat("tsv", ("text/tab-separated-values",), ox.QueryResultsFormat.TSV),
    )
}


def rdf_format(name: str) -> RdfFormat | None:
    """The RDF format ``name`` (or an alias of it, any case) stands for; None if unknown.
    (``json`` means JSON-LD here; where a name could also mean a results format, as
    on the SPARQL endpoint, :func:`results_format` is asked for that kind first.)"""
    return _lookup(RDF_FORMATS, name)


def results_format(name: str) -> ResultsFormat | None:
    """The SPARQL results format ``name`` (or an alias) stands for; None if unknown."""
    return _lookup(RESULTS_FORMATS, name)


def _lookup(table: dict[str, Any], name: str) -> Any:
    name = name.strip().lower()
    return table.get(name) or next((f for f in table.values() if name in f.aliases), None)
