"""Cheapest explained paths between two concepts: Dijkstra, and Yen for the next ones.

The walk knows nothing of edges: ``links(node)`` gives each neighbour's step cost
(first item of its tuple); :func:`step_cost` is what a ConceptGraph prices an edge at.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from itertools import pairwise

from .vocab import RELATIONS

# Dijkstra costs: a typed edge is one step, a step up or down the hierarchy a little more
# (going through a broad concept like Controller explains less than a direct chain), a
# co-mention much more; more evidence makes a typed edge somewhat cheaper.
# A chain the author wrote (A -> B -> C) is cheaper than any typed shortcut, so it comes
# back as the first path; a co-mention hop costs more than a long typed path, so it is
# only taken when nothing typed connects (and the path says so).
CHAIN_COST = 0.3
TYPED_COST = 1.0
HIERARCHY_COST = 1.4
CO_MENTION_COST = 10.0

Links = Callable[[str], dict[str, tuple[float, float, int, str]]]  # other -> (cost, ...)
Path = tuple[float, list[str]]  # cost, nodes


def step_cost(relation: str, weight: float, confidence: float, explicit: int = 0) -> float:
    """Cost of one hop: its kind's base cost, cheaper with more evidence and more
    confidence: ``base / ((1 + log2(weight) / 4) * (0.5 + confidence))``. A ``related``
    the author linked costs as a typed hop."""
    spec = RELATIONS[relation]
    if spec.co_mention and not explicit:
        return CO_MENTION_COST  # however often, "mentioned together" explains little
    base = (
        CHAIN_COST
        if relation == "leadsTo"
        else (HIERARCHY_COST if spec.hierarchical else TYPED_COST)
    )
    return base / ((1.0 + 0.25 * math.log2(max(weight, 1.0))) * (0.5 + confidence))


def shortest(
    links: Links,
    src: str,
    dst: str,
    max_len: int,
    banned_nodes: set[str],
    banned_links: set[tuple[str, str]],
) -> Path | None:
    """Dijkstra from src to dst on at most ``max_len`` edges, avoiding the banned parts."""
    # Heap entries point at (node, parent state) records instead of copying paths.
    states: list[tuple[str, int]] = [(src, -1)]
    heap: list[tuple[float, int, int]] = [(0.0, 0, 0)]
    # Pops come in cost order, so a node already expanded with no more hops dominates
    # this state (cheaper, and at least as much hop budget left); this also rules out
    # loops, since costs are positive.
    min_hops: dict[str, int] = {}
    # The cheapest entry pushed per node (cost, hops): a new entry no cheaper and with
    # no fewer hops would pop after it and be skipped (or never be reached), so it is
    # not pushed at all. Same result, a fraction of the heap traffic on dense graphs.
    pushed: dict[str, tuple[float, int]] = {src: (0.0, 0)}
    no_hops = max_len + 1
    heappush, heappop = heapq.heappush, heapq.heappop
    while heap:
        cost, hops, state = heappop(heap)
        node = states[state][0]
        if node == dst:
            path = []
            while state >= 0:
                path.append(states[state][0])
                state = states[state][1]
            return cost, path[::-1]
        if hops >= max_len or min_hops.get(node, no_hops) <= hops:
            continue
        min_hops[node] = hops
        nxt = hops + 1
        for other, (step, _w, _i, _d) in links(node).items():
            if min_hops.get(other, no_hops) <= nxt or other in banned_nodes:
                continue
            total = cost + step
            best = pushed.get(other)
            if best is not None and best[0] <= total and best[1] <= nxt:
                continue
            if banned_links and (node, other) in banned_links:
                continue
            if best is None or total < best[0] or (total == best[0] and nxt < best[1]):
                pushed[other] = (total, nxt)
            states.append((other, state))
            heappush(heap, (total, nxt, len(states) - 1))
    return None


def k_shortest(links: Links, src: str, dst: str, k: int, max_len: int) -> list[Path]:
    """Up to k cheapest loopless paths, cheapest first (Yen's algorithm)."""
    first = shortest(links, src, dst, max_len, set(), set())
    if first is None:
        return []
    found: list[Path] = [first]
    candidates: list[Path] = []
    while len(found) < k:
        prev = found[-1][1]
        for i in range(len(prev) - 1):
            spur, root = prev[i], prev[: i + 1]
            banned_links = {
                (p[1][i], p[1][i + 1]) for p in found if p[1][: i + 1] == root and len(p[1]) > i + 1
            }
            spur_path = shortest(links, spur, dst, max_len - i, set(root[:-1]), banned_links)
            if spur_path is None:
                continue
            nodes = root[:-1] + spur_path[1]
            entry = (sum(links(a)[b][0] for a, b in pairwise(nodes)), nodes)
            if entry not in candidates and all(nodes != f[1] for f in found):
                heapq.heappush(candidates, entry)
        if not candidates:
            break
        found.append(heapq.heappop(candidates))
    return found
