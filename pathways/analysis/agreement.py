"""How far two coders agree on one story (DESIGN, Additions: coders). Pure.

Each coder's events of a case give that coder's own analysis (`analyse_case(..., coders={A})`); the two
are compared on three kinds of unit:

- links: the ordered variable pairs either coder's graph holds; value `+`, `-` (or `?`), or none;
- loops: the cycles (up to rotation) either graph holds; value the class polarity/valence/change, or none;
- contacts: matched on actor, kind and date (the n-th of one coder's with the n-th of the other's, in
  step order); values perceived and discretion (`uncoded` where the contact leaves one out), none for a
  contact one coder does not record.

"None" is a value like any other: a link one coder does not draw is a disagreement with the one who
does. Krippendorff's alpha (nominal) comes from the `krippendorff` package; it is undefined (None)
where the units take fewer than two values between them (nothing varies, so nothing tells agreement
from chance), and Krippendorff's reading is: 0.8 or more good, from 0.667 tentative, below not reliable.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from pathways.analysis.case import CaseAnalysis
from pathways.analysis.patterns import loop_class

NONE = "none"
UNCODED = "uncoded"
GOOD, TENTATIVE = 0.8, 0.667
Pair = tuple[str, str]
"""The two coders compared, as given."""


def alpha(values: Sequence[tuple[str, str]]) -> float | None:
    """Krippendorff's alpha (nominal) of two coders' values over units, by the `krippendorff` package;
    None where it is undefined (no unit, or a single value throughout)."""
    import krippendorff  # numpy with it: only `agree` and the report's agreement page pay for it

    categories = sorted({value for pair in values for value in pair})
    if len(categories) < 2:
        return None
    code = {category: number for number, category in enumerate(categories)}
    data = [[code[a] for a, _ in values], [code[b] for _, b in values]]
    try:
        found = float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal",
                                         value_domain=list(range(len(categories)))))
    except ValueError:
        return None
    return None if math.isnan(found) else found


def verdict(value: float | None) -> str:
    """Krippendorff's reading of an alpha."""
    if value is None:
        return "undefined"
    if value >= GOOD:
        return "good"
    return "tentative" if value >= TENTATIVE else "not reliable"


@attrs.frozen
class Comparison:
    """One kind of unit compared: each unit with each coder's value (None: not in that coder's analysis)."""

    kind: str
    coders: Pair
    units: tuple[tuple[str, str | None, str | None], ...]

    @property
    def same(self) -> int:
        return sum(a is not None and a == b for _, a, b in self.units)

    @property
    def other(self) -> int:
        return sum(a is not None and b is not None and a != b for _, a, b in self.units)

    def only(self) -> dict[str, int]:
        first, second = self.coders
        return {first: sum(b is None for _, a, b in self.units if a is not None),
                second: sum(a is None for _, a, b in self.units if b is not None)}

    @property
    def alpha(self) -> float | None:
        return alpha([(a or NONE, b or NONE) for _, a, b in self.units])

    def to_json(self, same: str = "same", other: str = "opposite") -> dict[str, Any]:
        first, second = self.coders
        value = self.alpha
        return {"units": len(self.units), same: self.same, other: self.other, "only": self.only(),
                "alpha": value, "verdict": verdict(value),
                "differ": [{"unit": unit, first: a, second: b} for unit, a, b in self.units if a != b]}


@attrs.frozen
class Contacts:
    """Contacts matched on actor, kind and date, compared on perceived and on discretion."""

    coders: Pair
    units: tuple[tuple[str, tuple[str, str] | None, tuple[str, str] | None], ...]

    def on(self, field: int, kind: str) -> Comparison:
        return Comparison(kind, self.coders, tuple(
            (unit, None if a is None else a[field], None if b is None else b[field]) for unit, a, b in self.units))

    def to_json(self) -> dict[str, Any]:
        both = Comparison("contacts", self.coders, tuple((unit, None if a is None else "/".join(a),
                                                          None if b is None else "/".join(b))
                                                         for unit, a, b in self.units))
        perceived, discretion = self.on(0, "perceived"), self.on(1, "discretion")
        return {"units": len(self.units), "same": both.same, "other": both.other, "only": both.only(),
                "perceived": {key: value for key, value in perceived.to_json("same", "other").items()
                              if key not in ("units", "only")},
                "discretion": {key: value for key, value in discretion.to_json("same", "other").items()
                               if key not in ("units", "only")}}


@attrs.frozen
class CaseAgreement:
    case: str
    links: Comparison
    loops: Comparison
    contacts: Contacts

    def to_json(self) -> dict[str, Any]:
        return {"case": self.case, "links": self.links.to_json(),
                "loops": self.loops.to_json("same_class", "other_class"), "contacts": self.contacts.to_json()}


@attrs.frozen
class Agreement:
    coders: Pair
    cases: tuple[CaseAgreement, ...]
    single_coded: tuple[str, ...]

    @property
    def pooled(self) -> CaseAgreement:
        """Every case's units together (each unit named with its case)."""
        def pool(kind: str) -> tuple:
            return tuple((f"{one.case}: {unit}", a, b) for one in self.cases for unit, a, b in getattr(one, kind).units)

        return CaseAgreement("pooled", Comparison("links", self.coders, pool("links")),
                             Comparison("loops", self.coders, pool("loops")), Contacts(self.coders, pool("contacts")))

    def to_json(self) -> dict[str, Any]:
        pooled = self.pooled.to_json()
        del pooled["case"]
        return {"coders": list(self.coders), "cases": [case.to_json() for case in self.cases], "pooled": pooled,
                "single_coded": list(self.single_coded)}


def _matched(first: dict[str, str], second: dict[str, str], kind: str, coders: Pair) -> Comparison:
    keys = sorted(set(first) | set(second))
    return Comparison(kind, coders, tuple((key, first.get(key), second.get(key)) for key in keys))


def links_of(analysis: CaseAnalysis) -> dict[str, str]:
    return {f"{edge.source} -> {edge.target}": edge.sign_text for edge in analysis.graph.edges}


def loops_of(analysis: CaseAnalysis) -> dict[str, str]:
    """Each loop's cycle (as the loops are named: up to rotation) and its class."""
    return {" > ".join(loop.variables): loop_class(loop.polarity, loop.valence, loop.change)
            for loop in analysis.loops}


def contacts_of(analysis: CaseAnalysis) -> dict[str, tuple[str, str]]:
    """Each contact as actor/kind@date (#n for the n-th of one key) and its (perceived, discretion)."""
    found: dict[str, tuple[str, str]] = {}
    seen: dict[str, int] = {}
    for step in analysis.pathway.steps:
        if step.type != "ContactRecorded":
            continue
        key = f"{step.actor}/{step.kind}@{step.occurred or step.effective or 'undated'}"
        seen[key] = seen.get(key, 0) + 1
        found[key if seen[key] == 1 else f"{key}#{seen[key]}"] = (step.perceived or UNCODED,
                                                                   step.discretion or UNCODED)
    return found


def compare_case(first: CaseAnalysis, second: CaseAnalysis, coders: Pair) -> CaseAgreement:
    """One case as two coders coded it (each analysis from that coder's events only)."""
    contacts_a, contacts_b = contacts_of(first), contacts_of(second)
    keys = sorted(set(contacts_a) | set(contacts_b))
    return CaseAgreement(first.case, _matched(links_of(first), links_of(second), "links", coders),
                         _matched(loops_of(first), loops_of(second), "loops", coders),
                         Contacts(coders, tuple((key, contacts_a.get(key), contacts_b.get(key)) for key in keys)))


def compare(coders: Pair, pairs: Iterable[tuple[CaseAnalysis, CaseAnalysis]],
            single_coded: Sequence[str] = ()) -> Agreement:
    """The agreement over the cases both coded (per case and pooled), and the cases one coded alone."""
    return Agreement(coders, tuple(compare_case(first, second, coders) for first, second in pairs),
                     tuple(single_coded))
