"""Stable samples and the precision arithmetic of the graph evaluation.

A sample must survive extraction changes: an occurrence keeps its rank whatever else is
extracted, so a judged item stays in the sample as long as it is still extracted, and a
change only adds or removes items at the edges. Each item's rank is the sha1 of a fixed
seed and the item's key; a type's sample is a prefix of its items in rank order.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

SEED = "kg-issue-12"


def stable_rank(key: tuple[str, ...] | str, seed: str = SEED) -> str:
    """The item's place in every sample: sha1 of the seed and the key's fields."""
    fields = (key,) if isinstance(key, str) else key
    return hashlib.sha1("\x1f".join((seed, *fields)).encode("utf-8")).hexdigest()


def ranked(keys: Iterable[tuple[str, ...] | str], seed: str = SEED) -> list:
    """Keys in their stable order (ties, impossible in practice, by the key itself)."""
    return sorted(set(keys), key=lambda k: (stable_rank(k, seed), k))


def quotas(counts: Mapping[str, int], size: int, floor: int) -> dict[str, int]:
    """How many items of each stratum to draw: every stratum gets ``floor`` (or all it
    has), and the rest of ``size`` is shared in proportion to the strata's counts,
    capped by what each has; what rounding leaves goes to the biggest shares first."""
    out = {name: min(n, floor) for name, n in counts.items()}
    left = size - sum(out.values())
    while left > 0:
        room = {name: counts[name] - out[name] for name in counts if counts[name] > out[name]}
        if not room:
            break
        total = sum(counts[name] for name in room)
        shares = {name: left * counts[name] / total for name in room}
        given = {name: min(room[name], int(shares[name])) for name in room}
        if not any(given.values()):  # hand the remainder out one by one, biggest share first
            for name in sorted(room, key=lambda n: (-shares[n], n))[:left]:
                given[name] = 1
        for name, extra in given.items():
            out[name] += extra
        left -= sum(given.values())
    return out


def stratified(items: Mapping[str, Iterable], size: int, floor: int,
               seed: str = SEED) -> dict[str, list]:
    """The stable sample of each stratum: the first ``quota`` keys in rank order."""
    ordered = {name: ranked(keys, seed) for name, keys in items.items()}
    wanted = quotas({name: len(keys) for name, keys in ordered.items()}, size, floor)
    return {name: ordered[name][:wanted[name]] for name in ordered}


@dataclass(frozen=True)
class Estimate:
    """Precision of one stratum from its judged sample items."""

    population: int  # occurrences of the stratum now
    sampled: int  # sample items
    judged: int  # sample items with a verdict
    correct: int

    @property
    def precision(self) -> float | None:
        return self.correct / self.judged if self.judged else None


def estimate(population: int, sample: Iterable[Hashable],
             verdicts: Mapping[Hashable, bool]) -> Estimate:
    """Precision of a stratum: correct / judged among its sample items."""
    sample = list(sample)
    judged = [verdicts[key] for key in sample if key in verdicts]
    return Estimate(population, len(sample), len(judged), sum(judged))


def weighted_precision(estimates: Mapping[str, Estimate]) -> float | None:
    """Σ_t N_t/N · p_t over the strata with a population. Strata with no judged item
    have no p_t: they are left out and the weights renormalised, which the caller must
    report (see ``unjudged_population``). None when nothing is judged."""
    known = {name: e for name, e in estimates.items()
             if e.population and e.precision is not None}
    total = sum(e.population for e in known.values())
    if not total:
        return None
    return sum(e.population / total * e.precision for e in known.values())  # type: ignore[operator]


def weighted_stderr(estimates: Mapping[str, Estimate]) -> float | None:
    """Standard error of ``weighted_precision``: stratified sampling without replacement,
    sqrt(Σ w_t² · p_t(1 - p_t)/n_t · (1 - n_t/N_t)) over the judged strata (a stratum
    judged in full adds nothing)."""
    known = {name: e for name, e in estimates.items()
             if e.population and e.precision is not None}
    total = sum(e.population for e in known.values())
    if not total:
        return None
    variance = 0.0
    for e in known.values():
        p, n = e.precision, e.judged  # type: ignore[assignment]
        variance += (e.population / total) ** 2 * p * (1 - p) / n * (1 - n / e.population)
    return math.sqrt(max(variance, 0.0))


def unjudged_population(estimates: Mapping[str, Estimate]) -> int:
    """Occurrences of strata whose precision is unknown (no judged sample item)."""
    return sum(e.population for e in estimates.values() if e.population and not e.judged)
