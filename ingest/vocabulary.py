"""The domain vocabulary: names, aliases and translations of concepts, never relations.

Ours is ``data/vocabulary.yaml``; a user's file of the same shape is merged over it by
``id`` (their label and translations win, aliases add up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .safe_yaml import FAST_LOADER, UnsafeYamlError, load_bounded
from .text import slugify

DEFAULT_VOCABULARY = Path(__file__).resolve().parent.parent / "data" / "vocabulary.yaml"


class VocabularyError(ValueError):
    """A vocabulary file that cannot be used; the message names the file and entry."""


@dataclass(slots=True)
class Term:
    id: str
    label: str
    aliases: list[str] = field(default_factory=list)
    translations: dict[str, str] = field(default_factory=dict)
    translation_aliases: list[str] = field(default_factory=list)
    # the label names the concept only when written with its capital: lower-case
    # "endpoints" is the everyday plural of "endpoint", not the Endpoints object
    cased: bool = False

    @property
    def all_labels(self) -> list[str]:
        return [self.label, *self.aliases, *self.translations.values(), *self.translation_aliases]


@dataclass(slots=True)
class Vocabulary:
    terms: dict[str, Term] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """Changes whenever any name, alias or translation changes."""
        import hashlib

        return hashlib.sha1(
            repr(
                sorted(
                    (
                        t.id,
                        t.label,
                        t.aliases,
                        sorted(t.translations.items()),
                        t.translation_aliases,
                        t.cased,
                    )
                    for t in self.terms.values()
                )
            ).encode()
        ).hexdigest()

    def merge(self, other: Vocabulary) -> Vocabulary:
        merged = {
            key: Term(
                t.id,
                t.label,
                list(t.aliases),
                dict(t.translations),
                list(t.translation_aliases),
                t.cased,
            )
            for key, t in self.terms.items()
        }
        for key, term in other.terms.items():
            if key in merged:
                base = merged[key]
                base.label = term.label or base.label
                base.aliases += [a for a in term.aliases if a not in base.aliases]
                base.translations.update(term.translations)
                base.translation_aliases += term.translation_aliases
                base.cased = term.cased
            else:
                merged[key] = term
        return Vocabulary(merged)


MAX_VOCABULARY_CHARS = 10 * 1024 * 1024  # a vocabulary, not a corpus: far above ours


def load_vocabulary(paths: list[Path] | None = None, *, include_default: bool = True) -> Vocabulary:
    """Ours (unless excluded), then each given file merged over it in order."""
    vocabulary = Vocabulary()
    files = [DEFAULT_VOCABULARY] if include_default and DEFAULT_VOCABULARY.exists() else []
    files += list(paths or [])
    for path in files:
        vocabulary = vocabulary.merge(read_vocabulary(path))
    return vocabulary


def read_vocabulary(path: Path) -> Vocabulary:
    try:
        # libyaml's loader when PyYAML was built with it (C, not the pure-Python scanner)
        data = load_bounded(
            path.read_text(encoding="utf-8"), max_chars=MAX_VOCABULARY_CHARS, loader=FAST_LOADER
        )
    except OSError as exc:
        raise VocabularyError(f"{path}: cannot read vocabulary: {exc.strerror or exc}") from None
    except UnsafeYamlError as exc:
        raise VocabularyError(f"{path}: vocabulary refused: it {exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise VocabularyError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    entries = data.get("concepts") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise VocabularyError(f"{path}: expected a mapping with a 'concepts' list")
    terms: dict[str, Term] = {}
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not str(entry.get("label") or "").strip():
            raise VocabularyError(f"{path}: concept #{number} has no label")
        label = str(entry["label"]).strip()
        term_id = str(entry.get("id") or slugify(label)).strip()
        if not term_id or slugify(term_id) != term_id:
            raise VocabularyError(
                f"{path}: concept {label!r} has an id that is not a slug: {term_id!r}"
            )
        translations = {
            lang: str(entry[lang]).strip()
            for lang in ("ko", "ja", "zh")
            if str(entry.get(lang) or "").strip()
        }
        for lang, value in (entry.get("translations") or {}).items():
            translations[str(lang)] = str(value).strip()
        terms[term_id] = Term(
            id=term_id,
            label=label,
            aliases=_strings(entry.get("aliases"), path, label),
            translations=translations,
            translation_aliases=_strings(entry.get("ko_aliases"), path, label),
            cased=_flag(entry.get("cased"), path, label, "cased"),
        )
    return Vocabulary(terms)


def _flag(value: object, path: Path, label: str, name: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise VocabularyError(f"{path}: {name} of {label!r} must be true or false")
    return value


def _strings(value: object, path: Path, label: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise VocabularyError(f"{path}: aliases of {label!r} must be a list of strings")
    return [str(v).strip() for v in value if str(v).strip()]
