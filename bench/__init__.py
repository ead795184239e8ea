"""kg's benchmark suite (issue #6): ``python -m bench`` from the repository root.

Measures, on the real k8s docs corpus in ``../shared/corpora/k8s-docs``: full and
incremental ``kg ingest`` (beside the markdown-it parse floor, at 1x/2x/4x the corpus),
in-process search (beside SQLite FTS5 on the same sections and queries), suggest and
related, the real ``kg serve`` under load on loopback, start-up time and worker RSS.
Every figure is a median over repeated runs; the table goes to stdout and to
``bench/results/<date>.md``. ``--quick`` runs every stage once on data/notes (the
smoke test uses it). Nothing here decides pass/fail: targets are shown beside figures.
"""
