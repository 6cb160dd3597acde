"""Rich renderables for the terminal, built from result objects (never from SQL or raw rows)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.table import Table
from rich.text import Text

from events.envelope import Event

from pathways.analysis.causal import is_low
from pathways.analysis.polarity import history_label
from pathways.outputs.fitted import Column, FittedTable
from pathways.outputs.wording import arrow, plural, signed_text


def _summary(event: Event) -> str:
    if event.sealed:
        return f"({event.sealed})"
    data = event.data
    if event.type == "CaseOpened":
        return f"{data.get('origin')} {data.get('motive')} arrival {data.get('arrival', '?')}"
    if event.type == "ContactRecorded":
        effects = " ".join(f"{e['variable']}:{e['direction']}" for e in data.get("effects", []))
        return f"{data['actor']} {data['kind']} {data.get('perceived', '')} {effects}".strip()
    if event.type == "ContactAbsent":
        return f"no contact {data['from']}..{data.get('to', '')} {data.get('actor', '')}".strip()
    if event.type == "StateObserved":
        return f"{data['variable']} {data.get('direction') or data.get('level', '')}"
    if event.type == "LinkCoded":
        return f"{data['from']} {arrow(data['sign'])} {data['to']}"
    if event.type == "ExpectationFormed":
        return ", ".join(f"{link['from']} {arrow(link['sign'])} {link['to']}" for link in data["links"])
    if event.type == "LoopCoded":
        if data.get("none"):
            return f"no loop in the case {data.get('note', '')}".strip()
        cycle = f" {arrow()} ".join([*data["variables"], data["variables"][0]])
        return f"{cycle}: {data['polarity']} {data.get('valence', '')}".strip()
    if event.type == "EventRetracted":
        return f"{data['ref']}: {data['reason']}"
    if event.type == "EventAmended":  # the corrected version, beside the original higher up the log
        now = _summary(event._replace(type=data["type"], data=data["data"]))
        return f"amends {data['ref']} ({data['reason']}): {now}"
    if event.type == "CaseForgotten":
        return f"erased: {data['reason']}"
    if event.type == "SourceText":
        return (f"transcript {data.get('name') or data['source']}, part {data['part']} of {data['parts']} "
                f"({len(data['text']):,} code points from {data['start']:,})")
    return data.get("key", "")


def _because(refs: Sequence[str], live: set[str], any_retracted: bool,
             numbers: Mapping[str, str] | None = None) -> str:
    """A step's causes, short (`#N`, an event id cited as its step's number where `numbers` has it: a
    REFI-QDA import cites by id); one that is no longer a live event of the case marked retracted."""
    shown = []
    for ref in refs:
        head, _, variable = ref.partition(":")
        if "#" in head:
            text = "#" + ref.split("#", 1)[1]
        elif numbers and head in numbers:
            text = numbers[head] + (f":{variable}" if variable else "")
        else:
            text = ref[:8]
        shown.append(text + (" (retracted)" if any_retracted and head not in live else ""))
    return " ".join(shown)


def log_table(events: Sequence[Event], first: int = 0, case: str | None = None) -> Table:
    """A page of the log; its heading counts the events shown and names the log positions they hold."""
    span = f"positions {events[0].position} to {events[-1].position}" if events else "no positions"
    what = f"events {first + 1} to {first + len(events)}" + (f" of case {case}" if case else "")
    table = Table(title=f"{what}: log {span}", show_lines=False)
    for column in ("pos", "ref", "type", "occurred", "summary", "hash"):
        table.add_column(column, no_wrap=column != "summary")
    for event in events:
        table.add_row(str(event.position), event.ref, event.type, event.occurred or "",
                      Text(_summary(event)), event.hash[:10])
    return table


VALENCE_STYLE = {"favourable": "green", "unfavourable": "red", "mixed": "yellow", "neutral": "grey62",
                 "undetermined": "grey62"}


def _valence(text: str | None) -> Text:
    return Text(text or "", style=VALENCE_STYLE.get(text or "", ""))


LOOP_COLUMNS = (Column("case"), Column("id"), Column("cycle"), Column("polarity", "pol."),
                Column("valence", "val."), Column("change", "chg.", drop=7), Column("opened by", "opened", drop=5),
                Column("closed by", "closed", drop=6), Column("confidence", "conf.", drop=4),
                Column("flags", drop=2), Column("archetypes", "arch.", drop=3), Column("told by", "told", drop=1))


def told_by(loop) -> Text:
    """The accounts that tell a loop; a stitched one (no one account tells all its links) marked."""
    accounts = " + ".join(loop.accounts) or "-"
    return Text(f"{accounts} (stitched)", style="yellow") if loop.stitched else Text(accounts)


def loops_table(loops, title: str = "loops") -> FittedTable:
    """Every word whole at any width: short headers, then the least used columns left out (the caption says)."""
    table = FittedTable(f"{title} ({len(loops)})", LOOP_COLUMNS)
    for loop in loops:
        cycle = " ".join(f"{v} {arrow(s)}" for v, s in zip(loop.variables, loop.signs)) + f" {loop.variables[0]}"
        flags = ", ".join(name for name in ("reset_rooted", "anticipated", "ambiguous") if getattr(loop, name))
        polarity = loop.polarity + (f" ({history_label(loop.polarity_history)})" if loop.turned else "")
        table.add_row(loop.case, loop.id, cycle, polarity, _valence(loop.valence), loop.change,
                      loop.opened_by or "-", loop.closing_event,
                      Text(str(loop.confidence), style="yellow" if is_low(loop.confidence) else ""),
                      flags.replace("_", "-"), ", ".join(loop.archetypes), told_by(loop))
    return table


def floor_note(analyses) -> Text:
    """Which cases' loops are a floor, and what a user can do about it."""
    cases = [f"{a.case} (at least {len(a.loops)})" for a in analyses if not a.loops_complete]
    return Text(f"loops are a floor in {plural(len(cases), 'case')}: {', '.join(cases[:10])}"
                f"{' ...' if len(cases) > 10 else ''}. The enumeration stopped at its budget "
                "(PATHWAYS_LOOP_BUDGET loops or 5 s a case): lower --loop-bound, or split the case's graph.",
                style="yellow")


def readings_table(readings) -> Table:
    table = Table(title="the researchers' readings beside the computed loops")
    for column in ("case", "reading", "cycle", "coded", "computed", "status", "coder", "note"):
        table.add_column(column, overflow="fold")
    for reading in readings:
        coded = "no loop" if reading.none else f"{reading.polarity} {reading.valence or ''} {reading.change or ''}".strip()
        style = {"agrees": "green", "disagrees": "red", "not-found": "yellow"}[reading.status]
        wrong = [field for field, ok in reading.agreement.items() if not ok]
        table.add_row(reading.case, reading.ref, " > ".join(reading.variables) or "-", coded, reading.matched or "-",
                      Text(reading.status + (f" ({', '.join(wrong)})" if wrong else ""), style=style),
                      reading.recorded_by or "-", Text(reading.note or ""))
    return table


UNREAD_CASES = 50


def unread_table(unread) -> Table:
    """The computed loops no reading matches, by case (the first UNREAD_CASES cases; --json has all)."""
    by_case: dict[str, list[str]] = {}
    for case, loop in unread:
        by_case.setdefault(case, []).append(loop)
    more = len(by_case) - UNREAD_CASES
    table = Table(title=f"computed loops no reading covers: {len(unread)}",
                  caption=f"... and {more} more cases (summary --json lists them all)" if more > 0 else None)
    table.add_column("case")
    table.add_column("loops", overflow="fold")
    for case, loops in list(by_case.items())[:UNREAD_CASES]:
        table.add_row(case, ", ".join(loops))
    return table


SHOWN_LOOPS = 200
TIMELINE_COLUMNS = (Column("#"), Column("when"), Column("phase", drop=3), Column("regime", drop=2), Column("step"),
                    Column("account", "acct.", drop=4), Column("perceived", "perc."),
                    Column("discretion", "discr.", drop=1), Column("effects"), Column("because", "bec.", drop=5))


def case_view(analysis):
    from rich.console import Group
    from rich.panel import Panel

    profile = analysis.pathway.profile
    head = (f"[bold]{profile.case}[/]  origin {profile.origin}  motive {profile.motive}  "
            f"arrival {profile.arrival or '?'}  cohort {profile.cohort}  "
            f"{plural(profile.events, 'event')} ({profile.retracted} retracted)")
    timeline = FittedTable("pathway", TIMELINE_COLUMNS, expand=True)
    live = {step.ref for step in analysis.pathway.steps} | {step.event_id for step in analysis.pathway.steps}
    numbers = {step.event_id: "#" + step.ref.rsplit("#", 1)[-1] for step in analysis.pathway.steps}
    for step in analysis.pathway.steps:
        effects = " ".join(f"{v}{'+' if d == 'up' else '-' if d == 'down' else '='}" for v, d in step.effects)
        conditions = " ".join(f"{name}={value}" for name, value in step.conditions)
        timeline.add_row(step.ref.split("#")[-1], step.effective or "", step.phase or "", step.regime or "",
                         Text(signed_text(step.label)), step.account, _valence(step.perceived),
                         Text(" ".join(filter(None, [step.discretion, conditions]))), effects,
                         _because(step.because, live, profile.retracted > 0, numbers))
    final = analysis.pathway.steps[-1].state if analysis.pathway.steps else ()
    state = Text("state at the end: " + (", ".join(f"{v} {n:+d}" for v, n in final if n) or "no net change"))
    parts = [Panel(head), timeline, state, loops_table(analysis.loops[:SHOWN_LOOPS])]
    parts += [Text(note) for note in map(analysis.turn_note, analysis.loops[:SHOWN_LOOPS]) if note]
    parts += [Text(note, style="yellow") for note in map(analysis.stitch_note, analysis.loops[:SHOWN_LOOPS]) if note]
    if len(analysis.loops) > SHOWN_LOOPS:
        parts.append(Text(f"... and {len(analysis.loops) - SHOWN_LOOPS:,} more loops: `pathways loops "
                          f"{profile.case}` lists them"))
    if not analysis.loops_complete:
        parts.append(floor_note([analysis]))
    if analysis.beyond_bound:
        parts.append(Text(f"{analysis.beyond_bound}{'+' if analysis.beyond_capped else ''} longer cycles beyond "
                          "the length bound (raise --loop-bound to see them)", style="yellow"))
    if analysis.readings:
        parts.append(readings_table(analysis.readings))
    return Group(*parts)


def _class_table(title: str, column: str, rows: dict[str, dict[str, int]]) -> Table:
    """Loop classes per group, one row per (group, class): narrow enough for any terminal."""
    table = Table(title=title)
    for name in (column, "polarity", "valence", "change", "loops"):
        table.add_column(name, justify="right" if name == "loops" else "left")
    for key, counts in rows.items():
        for index, (label, count) in enumerate(counts.items()):
            polarity, valence, change = label.split("/")
            table.add_row(key if index == 0 else "", polarity, _valence(valence), change, str(count))
    return table


def summary_view(summary):
    from rich.console import Group

    limited = " (only loops whose polarity turned)" if summary.turned_only else ""
    classes = Table(title=f"{plural(summary.loops, 'loop')} in {plural(summary.cases, 'case')}{limited}")
    for column in ("polarity", "valence", "change", "loops"):
        classes.add_column(column, justify="right" if column == "loops" else "left")
    for label, count in summary.classes.items():
        polarity, valence, change = label.split("/")
        classes.add_row(polarity, _valence(valence), change, str(count))
    share = Text(f"cases with at least one dampening-unfavourable loop: {summary.cases_with_dampening_unfavourable}"
                 f" of {summary.cases} ({summary.dampening_unfavourable_share:.0%})", style="bold")
    archetypes = Table(title="archetypes")
    archetypes.add_column("archetype")
    archetypes.add_column("loops", justify="right")
    for key, count in summary.archetypes.items():
        archetypes.add_row(key, str(count))
    transitions = Table(title="contact transitions (directly follows)")
    for column in ("from", "to", "count"):
        transitions.add_column(column, justify="right" if column == "count" else "left")
    for a, b, n in summary.transitions[:15]:
        transitions.add_row(a, b, str(n))
    turned: Table | Text = Text("loops whose polarity turned: none")
    if summary.turned:
        turned = Table(title=f"loops whose polarity turned: {sum(summary.turned.values())}")
        turned.add_column("direction")
        turned.add_column("loops", justify="right")
        for course, count in summary.turned.items():
            turned.add_row(course, str(count))
    parts = [classes, share, turned, _class_table("loops by motive", "motive", summary.by_motive),
             _class_table("loops by arrival cohort", "cohort", summary.by_cohort),
             _class_table("loops by the regime in force when they closed", "regime", summary.by_regime),
             archetypes, transitions]
    if summary.readings or summary.unread:
        agreement = summary.agreement()
        parts += [readings_table(summary.readings)] if summary.readings else []
        parts += [unread_table(summary.unread)] if summary.unread else []
        parts += [Text(f"agreement: {agreement['agrees']} of {agreement['readings']} readings agree, "
                       f"{agreement['disagrees']} disagree, {agreement['not-found']} not found; "
                       f"{agreement['unread']} computed loops unread", style="bold")]
    return Group(*parts)


def leverage_view(ranked, top: int | None = None):
    """The two leverage rankings, unfavourable loops first."""
    from rich.console import Group

    variables = Table(title="variables on most loops (leverage)")
    for column in ("variable", "loops", "unfavourable", "favourable", "cases"):
        variables.add_column(column, justify="left" if column == "variable" else "right")
    for row in ranked.variables[:top]:
        variables.add_row(row.variable, str(row.loops), Text(str(row.unfavourable), style="red"),
                          Text(str(row.favourable), style="green"), str(row.cases))
    kinds = Table(title="contact kinds on loops, and the loops they opened")
    for column in ("kind", "actor", "loops", "unfavourable", "opened", "opened unfavourable"):
        kinds.add_column(column, justify="left" if column in ("kind", "actor") else "right")
    for row in ranked.kinds[:top]:
        kinds.add_row(row.kind, row.actor or "-", str(row.loops), Text(str(row.unfavourable), style="red"),
                      str(row.opened), Text(str(row.opened_unfavourable), style="red"))
    return Group(variables, kinds)


def _truth_table(result, rows, title: str) -> Table:
    table = Table(title=title)
    for name in result.conditions:
        table.add_column(name, justify="center")
    for column in ("n", "k", "consistency", "sufficient"):
        table.add_column(column, justify="right")
    for row in rows:
        marks = [Text("●", style="bold green") if bit else Text("○", style="grey62") for bit in row.config]
        table.add_row(*marks, str(row.contacts), str(row.outcome), f"{row.consistency:.2f}",
                      Text("yes", style="bold") if row.sufficient else Text("no", style="grey62"))
    return table


def _claim(table) -> str:
    if table.claim_consistency is None:
        return "the claim (all conditions present): no contact has that configuration" + (
            f"; coverage {table.claim_coverage:.2f}" if table.claim_coverage is not None else "")
    coverage = "-" if table.claim_coverage is None else f"{table.claim_coverage:.2f}"
    return f"the claim (all conditions present): consistency {table.claim_consistency:.2f}, coverage {coverage}"


def discretion_view(result, by_role: bool = True):
    """The truth table at a glance: configurations as rows, ● present, ○ absent."""
    from rich.console import Group

    present = ", ".join(f"{name} {value}" for name, value in result.present.items())
    title = f"going beyond the rules ({' or '.join(result.outcome)}): "
    counted = sum(row.contacts for row in result.table.rows)
    parts = [_truth_table(result, result.table.rows, title + "truth table of " + plural(counted, "contact"))
             if counted else Text(title + "no contact states every one of these conditions", style="bold"),
             Text(f"present means: {present}. Left out: {plural(result.uncoded, 'contact')} without discretion coded, "
                  f"{result.incomplete} missing a condition. Sufficient: consistency >= {result.cut}."),
             Text(_claim(result.table), style="bold"),
             Text("solution (conservative): " + (" + ".join(result.solution) or "none sufficient"), style="bold")]
    for role, table in result.by_role.items() if by_role else ():
        parts += [_truth_table(result, table.rows, f"role: {role}"), Text(_claim(table))]
    return Group(*parts)


def catalogue_view(listed):
    """Each catalogue as a table of its entries (key first, then whatever the entries hold)."""
    from rich.console import Group

    tables = []
    for name, entries in listed.items():
        columns = list(dict.fromkeys(column for entry in entries for column in entry))
        table = Table(title=f"{name} ({len(entries)})")
        for column in columns:
            table.add_column(column, overflow="fold")
        for entry in entries:
            table.add_row(*(Text(_cell(entry.get(column))) for column in columns))
        tables.append(table)
    return Group(*tables)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_cell(item) if not isinstance(item, dict) else
                         f"{item.get('from')} {arrow(item.get('sign'))} {item.get('to')}" for item in value)
    return str(value)


def several_coders_note(several: int) -> Text:
    """The summary's line on cases with more than one coder, and how to read them apart."""
    return Text(f"{plural(several, 'case')} with more than one coder: `--by CODER` gives one coder's reading, "
                "`pathways agree --coders A,B` compares two")


def agreement_columns(first: str, second: str) -> tuple[Column, ...]:
    """`agree`'s columns, fitted as `loops` fits its own: at 80 columns no word (`reliable`, a coder's
    name) is broken; the unit count, then the reading, are left out of a narrower table."""
    return (Column("case"), Column("units of", "of"), Column("units", "n", drop=1, justify="right"),
            Column("same", justify="right"), Column("differ", "diff.", justify="right"),
            Column(f"only {first}", justify="right"), Column(f"only {second}", justify="right"),
            Column("alpha", "α", justify="right"), Column("reading", "read.", drop=2))


def agreement_view(result):
    """`pathways agree`: a row per case and kind of unit, the pooled rows last, and Krippendorff's reading."""
    from rich.console import Group

    from pathways.analysis.agreement import verdict

    first, second = result.coders
    table = FittedTable(f"agreement between {first} and {second}", agreement_columns(first, second))
    pooled = result.pooled
    for one in (*result.cases, pooled):
        kinds = [("links", one.links), ("loops", one.loops),
                 ("perceived", one.contacts.on(0, "perceived")), ("discretion", one.contacts.on(1, "discretion"))]
        for index, (name, compared) in enumerate(kinds):
            only, value = compared.only(), compared.alpha
            style = {"good": "green", "tentative": "yellow", "not reliable": "red"}.get(verdict(value), "grey62")
            table.add_row(one.case if index == 0 else "", name, str(len(compared.units)), str(compared.same),
                          str(compared.other), str(only[first]), str(only[second]),
                          "-" if value is None else f"{value:.3f}", Text(verdict(value), style=style))
    parts = [table]
    if not result.cases:
        parts.append(Text(f"no case coded by both {first} and {second}"))
    links = pooled.links.alpha
    parts.append(Text(f"pooled links: alpha {'undefined' if links is None else f'{links:.3f}'}, "
                      f"{verdict(links)}. Krippendorff: 0.8 or more good, from 0.667 tentative conclusions only, "
                      "below that not reliable; undefined where the units take one value throughout."))
    if result.single_coded:
        parts.append(Text(f"coded by one of them alone: {', '.join(result.single_coded)}"))
    return Group(*parts)
