"""A case coded twice (issue 30): coder-a and coder-b each code five links of the same story."""

from __future__ import annotations


def opened(case="dc", coder="coder-a"):
    return {"type": "CaseOpened", "case": case, "recorded_by": coder,
            "data": {"origin": "IR", "motive": "asylum", "arrival": "1995"}}


def coded(case, coder, source, target, sign):
    return {"type": "LinkCoded", "case": case, "recorded_by": coder,
            "data": {"from": source, "to": target, "sign": sign}}


A_LINKS = [("effort", "opposition", "+"), ("opposition", "effort", "-"), ("effort", "encouragement", "+"),
           ("encouragement", "effort", "+"), ("trust", "stress", "-")]
"""coder-a: two loops, effort/opposition (dampening) and effort/encouragement (reinforcing)."""
B_LINKS = [("effort", "opposition", "+"), ("opposition", "effort", "-"), ("effort", "encouragement", "+"),
           ("trust", "stress", "+"), ("stress", "wellbeing", "-")]
"""coder-b: the same three, trust -> stress of the opposite sign, one of its own; one loop."""


def double_coded(case="dc"):
    """Three links the same, one of opposite sign, one each alone."""
    return ([opened(case)] + [coded(case, "coder-a", *link) for link in A_LINKS]
            + [coded(case, "coder-b", *link) for link in B_LINKS])
