"""The index schema, declared once, and the field boosts, documented in one place."""

from __future__ import annotations

from whoosh.fields import ID, STORED, Schema

# 2: Whoosh keeps the stored fields only; the term statistics, scores, vocabulary and
# per-document data a searcher needs are computed once at build time (search.index).
SCHEMA_VERSION = 2

# Separator for list values stored in one text field (breadcrumb); the tokenizer treats
# it as a word break, and readers split on it.
LIST_SEP = "\x1f"

# Query-time boosts per searchable field (applied to every term clause, so changing
# them needs no re-index). BM25F scores each field; these multiply the field's share.
FIELD_BOOSTS: dict[str, float] = {
    # Concept labels and aliases (for a section: labels of the concepts it defines or
    # its heading names). A hit here means "this is about X", the strongest signal.
    "labels": 5.0,
    # Heading text / concept prefLabel: short and chosen by the author.
    "title": 3.0,
    # Section text / concept definition: where most words live, the baseline.
    "body": 1.0,
    # Ancestor headings: lets "pod restart policy" find a section under "Pod" whose own
    # text never says "pod", without letting the parent's name dominate.
    "breadcrumb": 0.4,
}
TEXT_FIELDS: tuple[str, ...] = tuple(FIELD_BOOSTS)


def build_schema() -> Schema:
    """The schema of documents of kind ``section`` and ``concept``.

    Whoosh holds the documents' stored fields (and the unique id); it indexes no text.
    The searchable fields (``TEXT_FIELDS``) are analysed by ``search.analysis`` once, at
    build time, into the score tables ``search.index`` writes beside the Whoosh files:
    Whoosh's pure-Python postings writer was most of an ingest, and its matchers are
    not used at query time (phrases are checked on the stored text).
    """
    return Schema(
        id=ID(stored=True, unique=True),
        kind=STORED(),
        title=STORED(),
        labels=STORED(),
        breadcrumb=STORED(),
        body=STORED(),
        concepts=STORED(),
        # The concept the section heading names, and the concepts it is the defining
        # section of: ranking signals ("defining section above passing mentions").
        heads=STORED(),
        defines=STORED(),
        path=STORED(),
        anchor=STORED(),
        line=STORED(),
        tags=STORED(),
    )
