"""The index schema, declared once, and the field boosts, documented in one place."""

from __future__ import annotations

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from search.analysis import spelling_analyzer, text_analyzer

SCHEMA_VERSION = 1

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
    """The schema of documents of kind ``section`` and ``concept``."""
    text = text_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        title=TEXT(analyzer=text, stored=True, phrase=True),
        labels=TEXT(analyzer=text, stored=True, phrase=True),
        breadcrumb=TEXT(analyzer=text, stored=True, phrase=True),
        body=TEXT(analyzer=text, stored=True, phrase=True),
        # Unstemmed vocabulary for typo tolerance, prefixes and "did you mean".
        spell=TEXT(analyzer=spelling_analyzer(), phrase=False, stored=False),
        concepts=KEYWORD(stored=True, commas=True, scorable=False),
        # The concept the section heading names, and the concepts it is the defining
        # section of: ranking signals ("defining section above passing mentions").
        heads=ID(stored=True),
        defines=KEYWORD(stored=True, commas=True),
        path=ID(stored=True),
        anchor=STORED(),
        line=STORED(),
        tags=KEYWORD(stored=True, commas=True),
    )
