"""Full-text search over notes and concepts, behind one class: :class:`SearchIndex`."""

from search.index import SearchIndex

__all__ = ["SearchIndex"]
