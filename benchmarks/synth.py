"""Deterministic synthetic cases in the import format, for benchmarks.

Each case has 10 to 40 events: a CaseOpened, contacts with effects, absences, state observations and
`because` chains, some of which close loops (effort -> opposition -> effort, pressure <-> resentment,
effort -> encouragement -> effort). Usage:

    python benchmarks/synth.py --cases 40000 --out benchmarks/out/40k.jsonl [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

ACTORS = ["ind", "coa", "municipality", "education-centre", "duo", "uwv", "employer", "court"]
KINDS = ["permit-decision", "counselling", "coaching", "course", "exam", "obligation-letter", "sanction",
         "job-referral", "meeting", "lawsuit"]
VARIABLES = ["effort", "trust", "resentment", "pressure", "integration", "encouragement", "opposition", "stress",
             "financial-security", "employment", "language", "wellbeing"]
PERCEIVED = ["favourable", "unfavourable", "mixed", "neutral"]
MOTIVES = ["asylum", "family", "labour", "study", "other"]
ORIGINS = ["IR", "MA", "TR", "SY", "ER", "PL", "CN", "GH", "BD", "AF"]
# Because-chains that close a loop: (variable, direction) of cause and of effect, alternating.
CHAINS = [[("effort", "up"), ("opposition", "up"), ("effort", "down")],
          [("pressure", "up"), ("resentment", "up"), ("pressure", "up")],
          [("effort", "up"), ("encouragement", "up"), ("effort", "up")],
          [("pressure", "up"), ("financial-security", "down"), ("stress", "up"), ("pressure", "up")]]


def case_records(index: int, rng: random.Random) -> Iterator[dict]:
    case = f"s{index:07d}"
    arrival = rng.randint(1970, 2020)
    yield {"type": "CaseOpened", "case": case,
           "data": {"origin": rng.choice(ORIGINS), "motive": rng.choice(MOTIVES), "arrival": str(arrival)}}
    size = rng.randint(10, 40)
    month = arrival * 12  # dates never go back: causes come first
    version = 1
    chain: list[tuple[str, str]] = []
    last_chain_event = 0
    while version < size:
        version += 1
        month += rng.randint(0, 5)
        year = month // 12
        occurred = f"{year}-{month % 12 + 1:02d}"
        roll = rng.random()
        if not chain and roll < 0.15:
            chain = list(rng.choice(CHAINS))
            last_chain_event = 0
        if chain:
            variable, direction = chain.pop(0)
            because = [f"{case}#{last_chain_event}"] if last_chain_event else []
            last_chain_event = version
            if rng.random() < 0.5:
                yield {"type": "StateObserved", "case": case, "occurred": occurred,
                       "data": {"variable": variable, "direction": direction, **({"because": because} if because else {})}}
            else:
                yield _contact(case, occurred, rng, [(variable, direction)], because)
        elif roll < 0.22:
            yield {"type": "ContactAbsent", "case": case, "occurred": occurred,
                   "data": {"from": str(year), "to": str(year + rng.randint(1, 8)), "actor": "municipality",
                            "effects": [{"variable": "engagement", "direction": "down"}], "perceived": "neutral"}}
        elif roll < 0.32:
            yield {"type": "StateObserved", "case": case, "occurred": occurred,
                   "data": {"variable": rng.choice(VARIABLES), "direction": rng.choice(["up", "down"])}}
        else:
            effects = [(v, rng.choice(["up", "down", "none"])) for v in rng.sample(VARIABLES, rng.randint(1, 3))]
            yield _contact(case, occurred, rng, effects, [])


def _contact(case: str, occurred: str, rng: random.Random, effects, because) -> dict:
    data = {"actor": rng.choice(ACTORS), "kind": rng.choice(KINDS), "perceived": rng.choice(PERCEIVED),
            "effects": [{"variable": v, "direction": d} for v, d in effects],
            "outcome": "synthetic contact", **({"because": because} if because else {})}
    return {"type": "ContactRecorded", "case": case, "occurred": occurred, "data": data}


def write(cases: int, out: IO[str], seed: int = 7) -> int:
    """Write `cases` cases (deterministic for a seed, event ids included); returns the number of events."""
    rng = random.Random(seed)
    count = 0
    for index in range(cases):
        for record in case_records(index, rng):
            record["event_id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            out.write(json.dumps(record, separators=(",", ":")) + "\n")
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w") as out:
        events = write(args.cases, out, args.seed)
    print(f"{args.cases} cases, {events} events -> {args.out}")


if __name__ == "__main__":
    main()
