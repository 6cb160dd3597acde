"""Sections of the HTML report that say more than one table: the index's two kinds of case and the
discretion page's fallback to one condition at a time when no contact states them all."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from pathways.analysis.agreement import Agreement, CaseAgreement, Comparison, verdict
from pathways.analysis.discretion import Contacts, Discretion


def index_sections(cases: Sequence[tuple], vignettes: Sequence[tuple], table: Callable[[Sequence[tuple]], str], *,
                   unknown_origin: bool) -> str:
    """Study cases first, then the vignettes, each under its own heading; `table` draws one group's rows;
    `unknown_origin`: a study case's origin is XX."""
    parts = [f"<h2>Study cases ({len(cases)})</h2>", table(cases) if cases else "<p>None.</p>"]
    if vignettes:
        parts += [f"<h2>Street-level vignettes ({len(vignettes)})</h2>",
                  "<p>Each is one client in a street-level bureaucrat's account: a contact and the discretion "
                  "the bureaucrat used, with no pathway before or after it, so no loop. Origin XX means the "
                  "source does not give one.</p>", table(vignettes)]
    elif unknown_origin:
        parts.append("<p>Origin XX means the source does not give one.</p>")
    return "\n".join(parts)


def one_condition_at_a_time(result: Discretion, contacts: Contacts,
                            rows: Callable[[Discretion], str], claim: Callable[[Discretion], str]) -> str:
    """When no contact states every condition, the same question over each condition alone, with why."""
    if sum(row.contacts for row in result.table.rows):
        return ""
    parts = [f"<h2>One condition at a time</h2><p>No contact has all {len(result.conditions)} conditions "
             f"coded ({result.incomplete} contacts miss at least one), so the table above is empty. The sources "
             "rarely state every condition for one story; here is the same question over each condition alone "
             "(<code>pathways discretion --conditions NAME</code>).</p>"]
    for name in result.conditions:
        single = contacts.table({name: result.present[name]}, outcome=result.outcome, cut=result.cut)
        counted = sum(row.contacts for row in single.table.rows)
        parts += [f"<h3>{escape(name)} {escape(result.present[name])}: {counted} "
                  f"contact{'' if counted == 1 else 's'}</h3>", rows(single), claim(single),
                  f"<p>Solution (conservative): {escape(' + '.join(single.solution) or 'none sufficient')}.</p>"]
    return "\n".join(parts)


def told_by(accounts: Sequence[str], stitched: bool) -> str:
    """Whose account tells a loop, in words: a stitched one named as such, with the accounts it joins."""
    joined = " and ".join(accounts) or "no account"
    if stitched:
        return (f"<strong>Stitched</strong>: it joins the {escape(joined)} accounts; no one account tells "
                "every link of it")
    return f"Told whole by the {escape(joined)} account{'s' if len(accounts) > 1 else ''}"


def several_coders_note(several: int) -> str:
    """The index's line on cases coded by more than one coder ("" when none is)."""
    if not several:
        return ""
    return (f"<p>{several} case{' has' if several == 1 else 's have'} more than one coder: "
            "<code>pathways loops --by CODER</code> shows one coder's reading, "
            '<code>pathways agree --coders A,B</code> compares two (<a href="agreement.html">agreement</a>).</p>')


def _alpha(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.3f}"


def _rows(one: CaseAgreement, coders: tuple[str, str]) -> list[str]:
    first, second = coders
    kinds: list[tuple[str, Comparison]] = [("links", one.links), ("loops", one.loops)]
    kinds += [(f"contacts: {name}", one.contacts.on(field, name)) for field, name in ((0, "perceived"),
                                                                                     (1, "discretion"))]
    rows = []
    for name, compared in kinds:
        only = compared.only()
        value = compared.alpha
        rows.append(f"<tr><td>{escape(one.case)}</td><td>{escape(name)}</td><td class=\"n\">{len(compared.units)}</td>"
                    f"<td class=\"n\">{compared.same}</td><td class=\"n\">{compared.other}</td>"
                    f"<td class=\"n\">{only[first]}</td><td class=\"n\">{only[second]}</td>"
                    f"<td class=\"n\">{_alpha(value)}</td><td>{escape(verdict(value))}</td></tr>")
    return rows


def agreement_body(agreements: Sequence[Agreement]) -> str:
    """The agreement page: each pair of coders who coded the same cases, per case and pooled."""
    parts = ["<p>Krippendorff's alpha (nominal) between two coders of the same cases: 0.8 or more is good, "
             "from 0.667 tentative, below that not reliable. Units are the links and loops either coder's "
             "graph holds and the contacts either records (matched on actor, kind and date); a unit one "
             "coder lacks counts as the value <em>none</em>. Undefined: the units take a single value, so "
             "nothing tells agreement from chance. Over the whole log, whatever the report's other options.</p>"]
    for agreement in agreements:
        first, second = agreement.coders
        head = (f"<tr><th>case</th><th>units of</th><th>units</th><th>same</th><th>differ</th>"
                f"<th>only {escape(first)}</th><th>only {escape(second)}</th><th>alpha</th><th>reading</th></tr>")
        rows = [row for one in (*agreement.cases, agreement.pooled) for row in _rows(one, agreement.coders)]
        parts += [f"<h2>{escape(first)} and {escape(second)}</h2>",
                  f'<div class="scroll"><table><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table></div>']
        if agreement.single_coded:
            parts.append(f"<p>Coded by one of them alone: {escape(', '.join(agreement.single_coded))}.</p>")
    return "\n".join(parts)
