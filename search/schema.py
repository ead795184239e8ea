"""The index schema, declared once, and the field boosts, documented in one place."""

from __future__ import annotations

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from search.analysis import text_analyzer

# 3: the text fields are real Whoosh fields (postings with positions); 2 stored only.
SCHEMA_VERSION = 3

# Separator for list values stored in one text field (breadcrumb); the tokenizer treats
# it as a word break, and readers split on it.
LIST_SEP = "\x1f"

# Boosts per searchable field. Each field is scored with BM25 on its own and a term's
# score is the sum of its fields' scores times these (BM25 per field, not BM25F, which
# would pool the fields' term frequencies before saturating them). The score table
# (search.score_table) is built with them, so changing one needs a re-index: bump
# score_table.TABLE_VERSION with it.
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

# The fields Whoosh's query syntax (``syntax=whoosh``) offers; plain words search the
# text fields. ``concept`` and ``tag`` hold comma-separated ids, matched exactly.
SYNTAX_FIELDS: tuple[str, ...] = ("title", "body", "concept", "path", "tag", "kind")


def build_schema() -> Schema:
    """The schema of documents of kind ``section`` and ``concept``.

    The text fields are analysed by ``search.analysis.text_analyzer`` (words, their
    parts, Porter stems; Korean by ``search.korean``) and keep positions for phrases.
    ``kind``, ``path``, ``concept`` and ``tag`` are exact values, for filters and for
    Whoosh's query syntax. The rest is stored for results, snippets and re-ranking.
    """
    analyzer = text_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        title=TEXT(analyzer=analyzer, stored=True),
        labels=TEXT(analyzer=analyzer, stored=True),
        breadcrumb=TEXT(analyzer=analyzer, stored=True),
        body=TEXT(analyzer=analyzer, stored=True),
        concept=KEYWORD(stored=True, commas=True),
        tag=KEYWORD(stored=True, commas=True),
        path=ID(stored=True),
        # The concept the section heading names, and the concepts it is the defining
        # section of: ranking signals ("defining section above passing mentions").
        heads=STORED(),
        defines=STORED(),
        anchor=STORED(),
        line=STORED(),
    )
