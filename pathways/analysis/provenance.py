"""Who asserts each causal link and each loop (DESIGN, Additions: provenance). Pure.

A link's claims are the events that assert it (`Edge.citations`): a coded link or an expectation
itself, and for a `because` instance the citing event, whose holder says the cause led to the effect.
Each claim carries the account and the coder of that event and its `source`. A loop is *stitched*
when no single account asserts every one of its links: the migrant told one link and the caseworker
another, and the loop closes only in the analyst's graph (Causal Map's "transitivity trap", for loops).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from pathways.analysis.causal import Edge
from pathways.analysis.pathway import Step


@attrs.frozen
class Citation:
    """One event asserting a link: its ref, whose account it records, who coded it, its source, and the
    sign it asserts (+1 or -1)."""

    ref: str
    account: str
    coder: str | None
    source: str | None
    sign: int

    def to_json(self) -> dict[str, Any]:
        return {"ref": self.ref, "account": self.account, "coder": self.coder, "source": self.source,
                "sign": "+" if self.sign > 0 else "-"}


@attrs.frozen
class Told:
    """Who tells a loop: the accounts, coders and sources of its links' claims, and whether it is stitched."""

    accounts: tuple[str, ...]
    coders: tuple[str, ...]
    sources: tuple[str, ...]
    stitched: bool


def citations(edge: Edge, by_ref: Mapping[str, Step]) -> list[Citation]:
    """The claims of a link, in step order (a claim whose step is not at hand is left out)."""
    return [Citation(ref, step.account, step.coder, step.source, sign)
            for ref, sign in edge.citations if (step := by_ref.get(ref)) is not None]


def asserting(edge: Edge, claims: Sequence[Citation]) -> list[Citation]:
    """The claims that assert the link as it stands: of its sign (all of them where the sign is
    undetermined). Who coded the opposite sign does not tell this link."""
    return [claim for claim in claims if edge.sign == 0 or claim.sign == edge.sign]


def _distinct(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(sorted({value for value in values if value is not None}))


def link_json(edge: Edge, by_ref: Mapping[str, Step]) -> dict[str, Any]:
    """A link with its provenance, as `loops --json` and `show --json` give it."""
    claims = citations(edge, by_ref)
    told_by = asserting(edge, claims)
    return {"from": edge.source, "to": edge.target, "sign": edge.sign_text,
            "accounts": list(_distinct(c.account for c in told_by)), "coders": list(_distinct(c.coder for c in told_by)),
            "sources": list(_distinct(c.source for c in told_by)), "citations": [c.to_json() for c in claims]}


def cycle_edges(variables: Sequence[str], index: Mapping[tuple[str, str], Edge]) -> list[Edge]:
    """The edges of a cycle, in cycle order."""
    return [index[(variables[i], variables[(i + 1) % len(variables)])] for i in range(len(variables))]


def told(edges: Sequence[Edge], by_ref: Mapping[str, Step]) -> Told:
    """Who tells a loop made of these edges; stitched when no one account asserts every one of them."""
    per_link = [asserting(edge, citations(edge, by_ref)) for edge in edges]
    claims = [claim for link in per_link for claim in link]
    whole = set.intersection(*({claim.account for claim in link} for link in per_link)) if per_link else set()
    return Told(_distinct(c.account for c in claims), _distinct(c.coder for c in claims),
                _distinct(c.source for c in claims), not whole)


def told_of(variables: Sequence[str], index: Mapping[tuple[str, str], Edge], by_ref: Mapping[str, Step]) -> Told:
    return told(cycle_edges(variables, index), by_ref)


def coders_of(steps: Iterable[Step]) -> tuple[str, ...]:
    """The distinct coders of a case's steps (sorted; an event without `recorded_by` names none)."""
    return _distinct(step.coder for step in steps)

