"""Relations read from Kubernetes manifests in code blocks.

Snippets in notes are often partial or mis-indented (``.....`` then a few keys), so the
YAML is read line by line rather than parsed: each ``key: value`` line is enough to say
"this Pod mounts a ConfigMap" or "restartPolicy is OnFailure".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from .confidence import MANIFEST
from .model import Evidence, Relation

_KEY_LINE = re.compile(
    r"^(?P<indent>\s*)(?:-\s+)?(?P<key>[A-Za-z_][\w.\-]*):(?:\s+(?P<value>.*?))?\s*$"
)
_KIND = re.compile(r"^\s*kind:\s*[\"']?(?P<kind>[A-Z][A-Za-z0-9]+)", re.MULTILINE)

# keys whose presence means the object uses (or holds) another kind of object, with the
# depth they must sit at: "spec" = right under the object's own ``spec`` (a Deployment's
# ``containers`` sit in its Pod template: the Pod holds them, not the Deployment),
# None = anywhere inside its spec (a Pod template's volumes are still the object's).
REFERENCE_KEYS: dict[str, tuple[str, str, str | None]] = {
    "configMap": ("uses", "ConfigMap", None),
    "configMapRef": ("uses", "ConfigMap", None),
    "configMapKeyRef": ("uses", "ConfigMap", None),
    "secret": ("uses", "Secret", None),
    "secretRef": ("uses", "Secret", None),
    "secretKeyRef": ("uses", "Secret", None),
    "secretName": ("uses", "Secret", None),
    "persistentVolumeClaim": ("uses", "PersistentVolumeClaim", None),
    "claimName": ("uses", "PersistentVolumeClaim", None),
    "serviceAccountName": ("uses", "ServiceAccount", None),
    "volumes": ("uses", "Volume", "spec"),
    "containers": ("contains", "Container", "spec"),
    "initContainers": ("contains", "Init Container", "spec"),
    "nodeName": ("runsOn", "Node", "spec"),
    "tolerations": ("uses", "Toleration", "spec"),
    "affinity": ("uses", "Affinity", "spec"),
    "jobTemplate": ("manages", "Job", "spec"),
}
# keys only a Kubernetes object has: a YAML block without them is some other file
_OBJECT_KEYS = re.compile(
    r"^(?:apiVersion|metadata|spec|containers|volumes|template|selector)"
    r":",
    re.MULTILINE,
)

_DOCUMENT_SEPARATOR = re.compile(r"^---[ \t]*\n", re.MULTILINE)

Resolve = Callable[[str], str | None]


def looks_like_manifest(lang: str, text: str) -> bool:
    """A Kubernetes object: a ``kind`` with an apiVersion, metadata or spec, or YAML
    with such keys (a snippet of one). A CI file or a compose file is not."""
    if _KIND.search(text) and ("apiVersion:" in text or "metadata:" in text or "spec:" in text):
        return True
    return lang in ("yaml", "yml") and bool(_OBJECT_KEYS.search(text.replace("- ", "")))


def manifest_relations(
    text: str,
    first_line: int,
    path: str,
    subject: str | None,
    resolve: Resolve,
    is_field: Callable[[str], bool],
    exact: Resolve,
) -> Iterator[Relation]:
    """Relations of one YAML block. ``subject`` is used when the block names no ``kind``.

    A field is the object's own only right under its ``spec`` (or at the top of a
    snippet without ``kind``): deeper keys belong to what they are nested in."""
    offset = 0
    for document in _DOCUMENT_SEPARATOR.split(text):
        yield from _document_relations(
            document, first_line + offset, path, subject, resolve, is_field, exact
        )
        offset += document.count("\n") + 1


def _document_relations(
    text: str,
    first_line: int,
    path: str,
    subject: str | None,
    resolve: Resolve,
    is_field: Callable[[str], bool],
    exact: Resolve,
) -> Iterator[Relation]:
    """Relations of one YAML document (a ``---``-separated part of a block)."""
    kind = _KIND.search(text)
    if kind:
        # an object of a kind the notes do not know is about nothing they know
        subject = resolve(kind.group("kind"))
    if subject is None:
        return
    stack: list[tuple[int, str]] = []  # (indent, key) of the keys enclosing this line
    for offset, line in enumerate(text.splitlines()):
        match = _KEY_LINE.match(line)
        if not match:
            continue
        indent = len(match.group("indent")) + (2 if line.lstrip().startswith("- ") else 0)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parents = [key for _, key in stack]
        key, value = match.group("key"), (match.group("value") or "").strip().strip("\"'")
        stack.append((indent, key))
        evidence = Evidence(line.strip(), path, first_line + offset)
        # the object's own: right under its spec, or in its own containers (a Pod's)
        own = parents in (["spec"], ["spec", "containers"], ["spec", "initContainers"]) or (
            not kind and not parents
        )
        # the key by its path first (``spec.suspend`` is how notes write it), then alone
        by_path = exact(".".join([*parents, key])) if parents else None
        field = by_path or resolve(key)
        if field and field != subject and is_field(field):
            if own:
                yield Relation(subject, field, "hasProperty", evidence, 1.0, MANIFEST)
            # a value names a concept exactly ("Namespaced" is not "Namespace")
            # (and a nested key named like a field is that field only where it sits)
            if (
                value[:1].isupper()
                and (own or by_path)
                and (target := exact(value))
                and target != field
                and not is_field(target)
            ):
                yield Relation(field, target, "hasValue", evidence, 1.0, MANIFEST)
        if key in REFERENCE_KEYS:
            relation, label, depth = REFERENCE_KEYS[key]
            target = resolve(label)
            inside = parents[:1] == ["spec"] if depth is None else parents == ["spec"]
            if target and target != subject and (inside or not kind and not parents):
                yield Relation(subject, target, relation, evidence, 1.0, MANIFEST)
        if key == "nodeSelector":
            # the object runs on the Nodes whose labels the selector names
            node = resolve("Node")
            if field and node:
                yield Relation(field, node, "selects", evidence, 1.0, MANIFEST)
            elif node and own:
                yield Relation(subject, node, "runsOn", evidence, 1.0, MANIFEST)
