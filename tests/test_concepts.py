"""The quick scan ``concepts.collect`` makes of a block's tokens sees every token that
``lexicon.TOKEN`` cuts and that could name a concept, at the same place."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.concepts import NAMELIKE_TOKEN
from ingest.lexicon import TOKEN


def _namelike(token: str) -> bool:
    first = token[0]
    return first.isascii() and first.isalpha() and (
        first.isupper() or any(c.isupper() or c == "." for c in token))


@settings(max_examples=500, deadline=None, database=None)
@given(st.text(alphabet="aZb0_.-  가,\n.-_AéQ", max_size=40))
def test_namelike_tokens_are_the_tokens_that_may_name_a_concept(text):
    expected = [(m.group(), m.start()) for m in TOKEN.finditer(text) if _namelike(m.group())]
    found = [(m.group(1), m.start(1)) for m in NAMELIKE_TOKEN.finditer(text) if m.group(1)]
    assert found == expected


def test_a_long_block_is_scanned_in_linear_time():
    for text in ("a-" * 200_000, "a_" * 200_000, "Ab." * 200_000, "x" * 400_000 + "!"):
        assert sum(1 for _ in NAMELIKE_TOKEN.finditer(text)) <= len(text)
