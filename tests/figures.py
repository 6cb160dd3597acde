"""The four loop structures of the study (DOMAIN.md, section 2) as small coded cases."""

from __future__ import annotations


def _open(case, origin, motive, arrival):
    return {"type": "CaseOpened", "case": case, "data": {"origin": origin, "motive": motive, "arrival": arrival}}


def contact(case, occurred, actor, kind, effects, perceived=None, because=(), **extra):
    data = {"actor": actor, "kind": kind, "effects": [{"variable": v, "direction": d} for v, d in effects],
            **({"perceived": perceived} if perceived else {}), **({"because": list(because)} if because else {}),
            **extra}
    return {"type": "ContactRecorded", "case": case, "occurred": occurred, "data": data}


def state(case, occurred, variable, direction, because=()):
    return {"type": "StateObserved", "case": case, "occurred": occurred,
            "data": {"variable": variable, "direction": direction, **({"because": list(because)} if because else {})}}


def link(case, source, target, sign):
    return {"type": "LinkCoded", "case": case, "data": {"from": source, "to": target, "sign": sign}}


def reading(case, variables, polarity, valence, change):
    return {"type": "LoopCoded", "case": case,
            "data": {"variables": variables, "polarity": polarity, "valence": valence, "change": change}}


# Figure 1: obstructed effort in the reset phase -> dampening, unfavourable, no change.
FIGURE_1 = [
    _open("fig1", "IR", "asylum", "1995"),
    state("fig1", "1995-04", "effort", "up"),                                               # 2: wants to learn Dutch
    contact("fig1", "1995-06", "coa", "counselling", [("opposition", "up")], "unfavourable",
            because=["fig1#2"], role="counsellor"),                                          # 3: "no time to waste"
    state("fig1", "1996", "effort", "down", because=["fig1#3"]),                            # 4: takes factory work
    state("fig1", "2012", "integration", "none"),                                           # 5: the study: no change
    reading("fig1", ["effort", "opposition"], "dampening", "unfavourable", "no-change"),
]

# Figure 2: neglect then pressure -> reinforcing, unfavourable, no change.
FIGURE_2 = [
    _open("fig2", "TR", "family", "1975"),
    {"type": "ContactAbsent", "case": "fig2", "data": {
        "from": "1975", "to": "2006", "actor": "municipality", "perceived": "unfavourable",
        "effects": [{"variable": "engagement", "direction": "down"}, {"variable": "resentment", "direction": "up"}]}},
    contact("fig2", "2007", "municipality", "obligation-letter", [("pressure", "up")], "unfavourable",
            because=["fig2#2:resentment"]),                                                  # 3
    state("fig2", "2008", "resentment", "up", because=["fig2#3"]),                          # 4
    state("fig2", "2012", "integration", "none"),                                           # 5: the study: no change
    reading("fig2", ["resentment", "pressure"], "reinforcing", "unfavourable", "no-change"),
]

# Figure 3: encouraged effort -> reinforcing, favourable, change; with the goal-seeking core.
FIGURE_3 = [
    _open("fig3", "MA", "family", "2009"),
    link("fig3", "integration", "discrepancy", "-"),                                         # 2
    link("fig3", "discrepancy", "effort", "+"),                                              # 3
    link("fig3", "effort", "integration", "+"),                                              # 4
    state("fig3", "2009-09", "effort", "up"),                                                # 5: letters, practice
    contact("fig3", "2009-10", "education-centre", "coaching", [("encouragement", "up")], "favourable",
            because=["fig3#5"], role="integration-coach", discretion="extra-mile"),          # 6
    state("fig3", "2010", "effort", "up", because=["fig3#6"]),                              # 7
    contact("fig3", "2010-06", "municipality", "training-grant", [("integration", "up"), ("employment", "up")],
            "favourable", because=["fig3#7"]),                                               # 8
    reading("fig3", ["effort", "encouragement"], "reinforcing", "favourable", "change"),
]

# Figure 4: lawsuit spiral -> two reinforcing loops, unfavourable, with change (for the worse).
FIGURE_4 = [
    _open("fig4", "BD", "family", "2005"),
    contact("fig4", "2008", "ind", "permit-revocation", [("pressure", "up")], "unfavourable"),         # 2
    contact("fig4", "2009", "court", "lawsuit", [("financial-security", "down")], "unfavourable",
            because=["fig4#2"]),                                                                    # 3
    state("fig4", "2010", "compliance", "down", because=["fig4#3"]),                                 # 4
    state("fig4", "2010-06", "resentment", "up", because=["fig4#2"]),                               # 5
    state("fig4", "2011", "compliance", "down", because=["fig4#5"]),                                 # 6
    contact("fig4", "2011-06", "ind", "lawsuit", [("pressure", "up")], "unfavourable",
            because=["fig4#6"]),                                                                    # 7
    state("fig4", "2012", "integration", "down", because=["fig4#7"]),                               # 8
    reading("fig4", ["pressure", "financial-security", "compliance"], "reinforcing", "unfavourable", "change"),
    reading("fig4", ["pressure", "resentment", "compliance"], "reinforcing", "unfavourable", "change"),
]

FIGURES = {"fig1": FIGURE_1, "fig2": FIGURE_2, "fig3": FIGURE_3, "fig4": FIGURE_4}
