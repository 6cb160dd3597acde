"""The must-show project of issue 32, built twice from one story: as a REFI-QDA project (two cases,
one holding its source by SourceRef, one its selections by SelectionRef; two users; fifteen coded
selections with because links; a CRLF source; a character outside the Basic Multilingual Plane) and
as the equivalent JSON Lines."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import Cli
from .refi_builder import Qdpx

CASES = {"ir-1995": {"origin": "IR", "motive": "asylum", "arrival": "1995"},
         "ma-2009": {"origin": "MA", "motive": "family", "arrival": "2009"}}
# (case, event code, codes besides the event code, date, quote, causes (story indexes), coder of the event code)
STORY = [
    ("ir-1995", "contact", ["actor/coa", "kind/counselling", "role/counsellor", "perceived/favourable",
                            "effect/effort/up"], "1995", "The counsellor said:\r\nlearn the language first.", [], "anna"),
    ("ir-1995", "contact", ["actor/ind", "kind/permit-decision", "perceived/unfavourable", "effect/opposition/up"],
     "1996", "The IND refused my permit.", [0], "anna"),
    ("ir-1995", "state", ["variable/effort", "direction/down"], "1997", "I stopped trying for a while.", [1], "bram"),
    ("ir-1995", "absence", ["actor/ind", "until/2003", "effect/engagement/down", "perceived/unfavourable"], "1999",
     "For years nobody from the state came.", [], "anna"),
    ("ir-1995", "state", ["variable/resentment", "direction/up"], "2004", "That made me bitter.", [3], "anna"),
    ("ir-1995", "contact", ["actor/ind", "kind/obligation-letter", "effect/pressure/up", "perceived/unfavourable"],
     "2005", "Then a letter: take the exam or pay.", [4], "anna"),
    ("ir-1995", "state", ["variable/resentment", "direction/up"], "2006", "It only made it worse.", [5], "anna"),
    ("ir-1995", "link", ["from/resentment", "to/effort", "sign/-", "confidence/medium"], "2006",
     "Bitterness eats your effort.", [6], "anna"),
    ("ma-2009", "contact", ["actor/municipality", "kind/coaching", "role/integration-coach", "discretion/extra-mile",
                            "condition/motivation/high", "effect/effort/up", "perceived/favourable"], "2009",
     "My coach saw I wanted to work.", [], "bram"),
    ("ma-2009", "contact", ["actor/municipality", "kind/coaching", "effect/encouragement/up"], "2010",
     "She pushed me to go on.", [8], "bram"),
    ("ma-2009", "state", ["variable/effort", "direction/up"], "2010", "So I worked harder.", [9], "bram"),
    ("ma-2009", "contact", ["actor/duo", "kind/exam", "effect/integration/up", "perceived/favourable"], "2011",
     "I passed the exam.", [10], "bram"),
    ("ma-2009", "state", ["variable/discrepancy", "direction/down"], "2011", "I was nearly where I wanted.", [11],
     "bram"),
    ("ma-2009", "state", ["variable/effort", "direction/down"], "2012", "So I took it easier.", [12], "bram"),
    ("ma-2009", "expectation", ["from/language", "to/employment", "sign/+"], "2012",
     "Good Dutch will get me a job \U0001F91E.", [], "anna"),
]


def build_qdpx(path: Path) -> tuple[Path, Qdpx, list[str]]:
    """The project, and the selection GUIDs in story order."""
    project = Qdpx("MAXQDA 2022")
    users = {"anna": project.user("anna"), "bram": project.user("bram")}
    texts = {case: [quote for c, _, _, _, quote, _, _ in STORY if c == case] for case in CASES}
    sources = {"ir-1995": project.source("interview ir-1995", texts["ir-1995"], newline="\r\n"),
               "ma-2009": project.source("interview ma-2009", texts["ma-2009"], bom=True)}
    guids = []
    for case, code, codes, date, quote, _, coder in STORY:
        every = [f"pathways/{code}", *(f"pathways/{c}" for c in codes), f"pathways/occurred/{date}"]
        guids.append(project.select(sources[case], quote, every, user=users["anna"], event_user=users[coder]))
    for index, (_, _, _, _, _, causes, _) in enumerate(STORY):
        for cause in causes:
            project.link(guids[cause], guids[index])
    project.case("ir-1995", CASES["ir-1995"], sources=[sources["ir-1995"]])
    project.case("ma-2009", CASES["ma-2009"], selections=[g for g, s in zip(guids, STORY) if s[0] == "ma-2009"])
    return project.write(path), project, guids


TYPES = {"contact": "ContactRecorded", "absence": "ContactAbsent", "state": "StateObserved",
         "expectation": "ExpectationFormed", "link": "LinkCoded"}


def jsonl_records() -> list[dict]:
    """The same story as import records, refs by CASE#N in the order the project imports."""
    records = [{"type": "CaseOpened", "case": case, "data": dict(fields)} for case, fields in CASES.items()]
    version = {case: 1 for case in CASES}
    refs = []
    for case, code, codes, date, quote, causes, coder in STORY:
        version[case] += 1
        refs.append(f"{case}#{version[case]}")
        fields = dict(c.split("/", 1) for c in codes if not c.startswith(("effect/", "condition/")))
        data: dict = {}
        effects = [{"variable": c.split("/")[1], "direction": c.split("/")[2]} for c in codes if c.startswith("effect/")]
        conditions = {c.split("/")[1]: c.split("/")[2] for c in codes if c.startswith("condition/")}
        cited = [refs[cause] for cause in causes]
        if code == "contact":
            data = {**fields, "effects": effects, "quote": quote, "because": cited, "source": f"interview {case}"}
            if conditions:
                data["conditions"] = conditions
        elif code == "state":
            data = {**fields, "quote": quote, "because": cited, "source": f"interview {case}"}
        elif code == "absence":
            data = {"from": date, "to": fields.pop("until"), **fields, "effects": effects}
        elif code == "link":
            data = {**fields, "evidence": cited}
        else:
            data = {"statement": quote, "links": [{"from": fields["from"], "to": fields["to"], "sign": fields["sign"]}]}
        records.append({"type": TYPES[code], "case": case, "occurred": date, "recorded_by": coder,
                        "data": {k: v for k, v in data.items() if v != []},
                        "meta": {"quote": quote} if code in ("absence", "link") else {}})
    opened = records[:2]
    by_case = {case: [r for r in records[2:] if r["case"] == case] for case in CASES}
    return [opened[0], *by_case["ir-1995"], opened[1], *by_case["ma-2009"]]


# -- what the REFI-QDA tests share ------------------------------------------------------------

SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "refi-qda" / "Project-mrt2019.xsd"


@pytest.fixture(scope="module")
def schema():
    if not SCHEMA.is_file():
        message = f"REFI-QDA SCHEMA MISSING: {SCHEMA} is absent, exports are NOT validated against the official schema"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: a missing schema fails the run)", pytrace=False)
        pytest.skip(message)
    import xmlschema

    return xmlschema.XMLSchema(str(SCHEMA))


def quote_of(event: dict) -> str | None:
    data = event["data"]
    return data.get("quote") or data.get("statement") or event["meta"].get("quote")


def summary(cli: Cli) -> list[tuple]:
    return [(e["case"], e["type"], e["occurred"], e["recorded_by"], quote_of(e)) for e in cli.log()]


def loops(cli: Cli) -> list[dict]:
    """The loops, without the source names of their provenance: a REFI-QDA export holds one text source
    per case, named for the case, so the names of the sources coded from do not travel (the accounts,
    coders and citations do)."""
    def unsourced(loop: dict) -> dict:
        links = [{**link, "sources": None, "citations": [{**c, "source": None} for c in link["citations"]]}
                 for link in loop["links"]]
        return {**loop, "sources": None, "links": links}

    return sorted((unsourced(loop) for loop in cli.json("loops")), key=lambda loop: (loop["case"], loop["id"]))


@pytest.fixture
def story(tmp_path):
    path, project, guids = build_qdpx(tmp_path / "story.qdpx")
    return path, project, guids
