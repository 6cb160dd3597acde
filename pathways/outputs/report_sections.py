"""Sections of the HTML report that say more than one table: the index's two kinds of case and the
discretion page's fallback to one condition at a time when no contact states them all."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

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
