"""A static HTML report: an index of cases, a page per case, and the cross-case pages.

Self-contained and offline: one style sheet inside every page (screen, phone and print), diagrams as
inline SVG, no script, no font or image fetched from anywhere. Built from result objects only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

import attrs

from events.rules.catalogue import Catalogue
from events.errors import PathwaysError

from pathways.analysis.case import CaseAnalysis
from pathways.analysis.casekinds import is_vignette
from pathways.analysis.discretion import Contacts, Discretion
from pathways.analysis.discretion import Table as TruthTable
from pathways.analysis.leverage import Leverage
from pathways.analysis.patterns import Summary
from pathways.analysis.polarity import history_label
from pathways.outputs.render.loopstyle import labelled, labelled_note
from pathways.outputs.report_passages import in_paragraphs, quoted
from pathways.outputs.report_sections import (agreement_body, index_sections, one_condition_at_a_time,
                                              several_coders_note, told_by)

STYLE = """
:root { color-scheme: light; --fav: #2e8b3a; --unf: #c0392b; --muted: #666; }
* { box-sizing: border-box; }
body { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0 auto;
       max-width: 68rem; padding: 1rem; color: #222; }
nav { display: flex; flex-wrap: wrap; gap: .4rem 1rem; padding: .5rem 0; border-bottom: 1px solid #ddd; }
h1 { font-size: 1.6rem; margin: .8rem 0 .3rem; } h2 { font-size: 1.25rem; margin-top: 1.8rem; }
.meta { color: var(--muted); font-size: .9rem; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; } table.wide { min-width: 52rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .92rem; }
th, td { border-bottom: 1px solid #e3e3e3; padding: .3rem .55rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.favourable { color: var(--fav); } .unfavourable { color: var(--unf); } .undetermined { color: var(--muted); }
figure { margin: 1rem 0; } figure svg { max-width: none; height: auto; display: block; }
.nw { white-space: nowrap; }
figcaption { color: var(--muted); font-size: .85rem; }
blockquote { margin: .3rem 0 .3rem 1rem; padding-left: .6rem; border-left: 3px solid #ccc; }
blockquote.passage { white-space: pre-line; }
figure.pathway svg { max-width: 100%; } figure.pathway .narrow { display: none; }
@media (max-width: 40rem) { figure.pathway .wide { display: none; } figure.pathway .narrow { display: block; } } mark { background: #fff1a8; padding: 0 .1em; }
@media (max-width: 40rem) { body { font-size: 15px; padding: .6rem; } th, td { padding: .25rem .35rem; } }
@media print {
  nav { display: none; } body { max-width: none; padding: 0; font-size: 11pt; }
  h2 { break-after: avoid; } figure, table { break-inside: avoid; } a { color: inherit; text-decoration: none; }
}
"""


@attrs.frozen
class CrossCase:
    """What the report's cross-case pages show, once every case has gone past."""

    summary: Summary
    leverage: Leverage
    discretion: Discretion
    contacts: Contacts
    """The contacts the truth table was made of, for the same question over one condition at a time."""


@attrs.frozen
class Contents:
    """What the report shows: the analyses (already pseudonymised where asked), read once, one at a
    time; and the cross-case results, folded from them as they go past (`totals`, called after the
    last)."""

    analyses: Iterable[CaseAnalysis]
    cases: int
    """How many analyses there are (a progress bar's total)."""
    totals: Callable[[], CrossCase]
    catalogue: Catalogue
    head: str | None
    """The log head the report was made from; None when pseudonymised (a hash ties a page to the log)."""
    title: str = "pathways report"
    note: str | None = None
    """Said on every page (the as-of point, the accounts, that it is pseudonymised)."""
    passages: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    """Case -> event id -> its quote in its paragraph (`refi.transcripts.Passage`), where a transcript is kept."""
    agreements: Sequence[Any] = ()
    """Each pair of coders who coded the same cases, compared (`pathways agree`): the agreement page."""


def _made_from(head: str | None) -> str:
    if head is None:
        return '<p class="meta">Made by pathways; pseudonymised: no hash or position of the log is named.</p>'
    return (f'<p class="meta">Made by pathways from the log up to its head {escape(head)} '
            f"(<code>pathways verify --head {escape(head)}</code> proves the log still holds it).</p>")


def write_report(contents: Contents, out: Path, render_svg: Callable[[object], bytes], *, force: bool = False,
                 progress: Callable[[int], None] | None = None, removed: list[Path] | None = None) -> list[Path]:
    """Write every page under `out` (refusing to overwrite a report without `force`); the file paths.
    Each case's page is written as its analysis comes, and only its row of the index kept. The folder
    is the report's: the files an earlier report wrote there and this one does not (the pages and
    figures of a case erased since) are removed, and added to `removed`."""
    from pathways.outputs.manifest import Manifest
    from pathways.outputs.render.files import case_diagrams, map_diagram, report_pathways

    index = out / "index.html"
    if index.exists() and not force:
        raise PathwaysError(f"{index} exists (use --force to write the report again)", field="--out")
    manifest = Manifest(out, "report")
    manifest.check([], force=force)  # an earlier report's files are there: only --force writes over them
    try:
        (out / "cases").mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PathwaysError(f"cannot create {out}: {error.strerror}", field="--out") from None
    written = []
    rows: tuple[list[tuple], list[tuple]] = ([], [])  # the index's rows: study cases, vignettes
    for analysis in contents.analyses:
        wide, narrow = report_pathways(analysis, contents.catalogue, render_svg)
        stem = f"{analysis.case}-pathway"
        written.append(_write_bytes(out / "cases" / f"{stem}.svg", wide))  # the full size, a click away
        figures = [(stem, pathway_figure(stem, _inline(wide), _inline(narrow)))]
        for stem, graph in case_diagrams([analysis], "loops", contents.catalogue):
            if not analysis.loops:
                continue  # no loop, no empty figure
            svg = render_svg(graph)
            written.append(_write_bytes(out / "cases" / f"{stem}.svg", svg))
            figures.append((stem, _inline(svg)))
        written.append(_write(out / "cases" / f"{analysis.case}.html", _page(
            contents, f"Case {analysis.case}", _case_body(analysis, figures, contents.passages.get(analysis.case, {})),
            depth=1)))
        rows[is_vignette(analysis)].append(_index_row(analysis))
        if progress:
            progress(1)
    cross = contents.totals()
    _, graph = map_diagram(cross.summary.transitions, contents.catalogue)
    pages = {
        "index.html": ("Cases", _index_body(cross.summary, *rows)),
        "summary.html": ("Loops across cases", _summary_body(cross.summary)),
        "discretion.html": ("The street-level question", _discretion_body(cross.discretion, cross.contacts)),
        "leverage.html": ("Leverage", _leverage_body(cross.leverage)),
        "map.html": ("Contact kinds across cases", _map_body(cross.summary, _inline(render_svg(graph)))),
    }
    if contents.agreements:
        pages["agreement.html"] = ("Agreement between coders", agreement_body(contents.agreements))
    for name, (title, body) in pages.items():
        written.append(_write(out / name, _page(contents, title, body, depth=0)))
        if progress:
            progress(1)
    gone = manifest.finish(written, whole=True)
    if removed is not None:
        removed.extend(gone)
    return written


def _write_bytes(path: Path, data: bytes) -> Path:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)
    return path


def _write(path: Path, text: str) -> Path:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return path


INLINE_SCALE = 1.2
"""Inline diagrams drawn 1.2 times their size: their 10-point text then reads at 16 px, the body text's size."""


def _inline(svg: bytes) -> str:
    """An SVG document as an element for inline use: no XML declaration, doctype or comments; scaled."""
    text = re.sub(r"<\?xml[^>]*>|<!DOCTYPE[^>]*>|<!--.*?-->", "", svg.decode("utf-8"), flags=re.S).strip()
    head = re.search(r"<svg\b[^>]*>", text)
    if head is None:
        return text
    scaled = re.sub(r'\b(width|height)="([\d.]+)pt"',
                    lambda m: f'{m[1]}="{float(m[2]) * INLINE_SCALE:.2f}pt"', head[0])
    return text[:head.start()] + scaled + text[head.end():]


def pathway_figure(stem: str, wide: str, narrow: str) -> str:
    """The pathway twice, each linking to the full-size file: in rows for a page, in one column for a
    phone (the style sheet shows the one that fits, so neither scrolls sideways nor shrinks its words)."""
    narrow = re.sub(r'\bid="', 'id="narrow-', narrow).replace("url(#", "url(#narrow-")  # ids stay unique
    return (f'<a class="wide" href="{escape(stem)}.svg">{wide}</a>'
            f'<a class="narrow" href="{escape(stem)}.svg">{narrow}</a>')


def _page(contents: Contents, title: str, body: str, *, depth: int) -> str:
    up = "../" * depth
    links = [("index.html", "Cases"), ("summary.html", "Loops"), ("leverage.html", "Leverage"),
             ("discretion.html", "Discretion"), ("map.html", "Case map")]
    if contents.agreements:
        links.append(("agreement.html", "Agreement"))
    nav = "".join(f'<a href="{up}{href}">{escape(text)}</a>' for href, text in links)
    note = f'<p class="meta">{escape(contents.note)}</p>' if contents.note else ""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)} · {escape(contents.title)}</title><style>{STYLE}</style></head>\n"
            f"<body><nav>{nav}</nav><h1>{escape(title)}</h1>{note}\n{body}\n"
            f"{_made_from(contents.head)}"
            f"</body></html>\n")


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: Sequence[int] = (),
           css: str | None = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(
        f'<td class="n">{_cell(v)}</td>' if i in numeric else f"<td>{_cell(v)}</td>" for i, v in enumerate(row))
        + "</tr>" for row in rows)
    classes = f' class="{css}"' if css else ""
    return f'<div class="scroll"><table{classes}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


class Raw(str):
    """HTML already escaped (a link, a coloured word)."""


def _cell(value: object) -> str:
    if isinstance(value, Raw):
        return str(value)
    return "" if value is None else escape(str(value))


def _valence(text: str | None) -> Raw:
    return Raw(f'<span class="{escape(text or "")}">{escape(text or "")}</span>')


def _link(href: str, text: str) -> Raw:
    return Raw(f'<a href="{escape(href)}">{escape(text)}</a>')


def _index_row(analysis: CaseAnalysis) -> tuple:
    profile = analysis.pathway.profile
    classes = Raw("; ".join(f"{escape(loop.id)} {escape(loop.polarity + _turns(loop))} {_valence(loop.valence)} "
                            f"{escape(loop.change)}" for loop in analysis.loops) or "no loop")
    return (_link(f"cases/{profile.case}.html", profile.case), profile.origin, profile.motive,
            profile.arrival, len(analysis.pathway.steps), len(analysis.loops), classes)


def _index_body(summary: Summary, cases: Sequence[tuple], vignettes: Sequence[tuple]) -> str:
    def table(rows: Sequence[tuple]) -> str:
        return _table(("case", "origin", "motive", "arrival", "steps", "loops", "loop classes"), rows,
                      numeric=(4, 5))

    return (f"<p>{summary.cases} cases, {summary.loops} loops; cases with at least one dampening-unfavourable "
            f"loop: {summary.cases_with_dampening_unfavourable} of {summary.cases} "
            f"({summary.dampening_unfavourable_share:.0%}).</p>" + several_coders_note(summary.several_coders)
            + index_sections(cases, vignettes, table, unknown_origin=any(row[1] == "XX" for row in cases)))


def _case_body(analysis: CaseAnalysis, figures: Sequence[tuple[str, str]],
               passages: Mapping[str, Any] | None = None) -> str:
    profile = analysis.pathway.profile
    parts = [f'<p>Origin {escape(profile.origin or "?")}, motive {escape(profile.motive or "?")}, arrival '
             f'{escape(profile.arrival or "?")}, cohort {escape(profile.cohort)}; {profile.events} events '
             f"({profile.retracted} retracted).</p>"]
    if profile.notes:
        parts.append(f"<p>{escape(profile.notes)}</p>")
    steps = [(step.ref.rsplit("#", 1)[-1], step.effective, step.phase,
              Raw(f'<span class="nw">{escape(step.regime or "")}</span>'), step.label, step.account,
              _valence(step.perceived), " ".join(filter(None, [step.discretion, " ".join(
                  f"{n}={v}" for n, v in step.conditions)])),
              " ".join(f"{v} {d}" for v, d in step.effects)) for step in analysis.pathway.steps]
    parts += ["<h2>Pathway</h2>", _table(("#", "when", "phase", "regime", "step", "account", "perceived",
                                           "discretion", "effects"), steps, css="wide")]
    capped = labelled_note(len(labelled(analysis.loops)), len(analysis.loops), analysis.loops_complete)
    for stem, svg in figures:
        if stem.endswith("-pathway"):
            parts.append(f'<figure class="diagram pathway">{svg}<figcaption>The pathway of {escape(analysis.case)} '
                         "in rows (the link opens it alone).</figcaption></figure>")
            continue
        shown = f" It shows {capped}; the list below gives every loop." if capped else ""
        parts.append(f'<figure class="diagram"><div class="scroll"><a href="{escape(stem)}.svg">{svg}</a></div>'
                     f"<figcaption>The causal loop diagram of {escape(analysis.case)} (at its own size; the link "
                     f"opens it alone).{shown}</figcaption></figure>")
    parts.append("<h2>Loops</h2>")
    if not analysis.loops:
        parts.append("<p>No loop.</p>")
    else:
        parts.append("<p>Signs: <code>─+→</code> the two change in the same direction, <code>─−→</code> in "
                     "opposite directions.</p>")
    by_ref = {step.ref: step for step in analysis.pathway.steps}
    for loop in analysis.loops:
        cycle = " ".join(f"{v} ─{'−' if s == '-' else s}→" for v, s in zip(loop.variables, loop.signs)) + (
            f" {loop.variables[0]}")
        parts.append(f'<h3 id="{escape(loop.id)}">{escape(loop.id)}: {escape(loop.polarity + _turns(loop))}, '
                     f'{_valence(loop.valence)}, {escape(loop.change)}</h3><p>{escape(cycle)}. '
                     + (f"Opened by {escape(loop.opened_by)}" if loop.opened_by else
                        "No contact or period without contact among its evidence opened it")
                     + f', closed by {escape(loop.closing_event)}; '
                     f"confidence {escape(loop.confidence)}"
                     + (f"; archetypes: {escape(', '.join(loop.archetypes))}" if loop.archetypes else "") + ". "
                     + told_by(loop.accounts, loop.stitched) + ".</p>")
        if loop.turned:
            parts.append(f'<p class="turned">{escape(analysis.turn_note(loop) or "")}.</p>')
        if loop.stitched:
            parts.append(f'<p class="stitched">{escape(analysis.stitch_note(loop) or "")}.</p>')
        evidence = []
        for ref in loop.evidence:
            step = by_ref.get(ref)
            if step is None:
                continue
            quote = quoted(step, passages or {})
            evidence.append(f"<li>{escape(ref)} {escape(step.effective or '')}: {escape(step.label)}"
                            + (f" — {escape(step.outcome)}" if step.outcome else "") + f"{quote}</li>")
        parts.append(f"<ul>{''.join(evidence)}</ul>")
    if passages:
        parts += ["<h2>Quotes in their paragraphs</h2>", in_paragraphs(analysis.pathway.steps, passages)]
    if not analysis.loops_complete:
        parts.append(f"<p>At least {len(analysis.loops)} loops: the enumeration stopped at its budget.</p>")
    if analysis.readings:
        parts += ["<h2>The researchers' readings beside the computed loops</h2>", _table(
            ("reading", "cycle", "coded", "computed", "status", "coder", "note"),
            [(r.ref, " > ".join(r.variables) or "-",
              "no loop" if r.none else f"{r.polarity} {r.valence or ''} {r.change or ''}", r.matched or "-",
              r.status, r.recorded_by or "-", r.note or "") for r in analysis.readings])]
    return "\n".join(parts)


def _summary_body(summary: Summary) -> str:
    classes = [(*label.split("/"), count) for label, count in summary.classes.items()]
    parts = [_table(("polarity", "valence", "change", "loops"), [(p, _valence(v), c, n) for p, v, c, n in classes],
                    numeric=(3,))]
    for title, column, groups in (("By motive", "motive", summary.by_motive),
                                  ("By arrival cohort", "arrival cohort", summary.by_cohort),
                                  ("By the regime in force when the loop closed", "regime", summary.by_regime)):
        rows = [(key, polarity, _valence(valence), change, count) for key, counts in groups.items()
                for label, count in counts.items() for polarity, valence, change in [label.split("/")]]
        parts += [f"<h2>{escape(title)}</h2>", _table((column, "polarity", "valence", "change", "loops"), rows,
                                                       numeric=(4,))]
    parts += ["<h2>Archetypes</h2>", _table(("archetype", "loops"), summary.archetypes.items(), numeric=(1,))]
    parts += ["<h2>Loops whose polarity turned</h2>",
              _table(("direction", "loops"), summary.turned.items(), numeric=(1,)) if summary.turned
              else "<p>No loop turned.</p>"]
    agreement = summary.agreement()
    parts += ["<h2>Agreement with the researchers' readings</h2>",
              f"<p>{agreement['agrees']} of {agreement['readings']} readings agree, {agreement['disagrees']} "
              f"disagree, {agreement['not-found']} not found; {agreement['unread']} computed loops are unread "
              "(no reading covers them).</p>"]
    if summary.readings:
        parts += [_table(("case", "reading", "cycle", "computed", "status", "coder", "note"),
                         [(r.case, r.ref, " > ".join(r.variables) or "no loop", r.matched or "-", r.status,
                           r.recorded_by or "-", r.note or "") for r in summary.readings])]
    if summary.unread:
        parts += ["<h3>Computed loops no reading covers</h3>",
                  _table(("case", "loop"), summary.unread)]
    return "\n".join(parts)


def _turns(loop) -> str:
    """` (R -> D 2013-06)` after a turned loop's polarity; nothing for one that never turned."""
    return f" ({history_label(loop.polarity_history)})" if loop.turned else ""


def _truth_rows(result: Discretion, table: TruthTable) -> str:
    rows = [(*("●" if bit else "○" for bit in row.config), row.contacts, row.outcome, f"{row.consistency:.2f}",
             "yes" if row.sufficient else "no") for row in table.rows]
    width = len(result.conditions)
    return _table((*result.conditions, "n", "k", "consistency", "sufficient"), rows,
                  numeric=tuple(range(width, width + 3)))


def _claim(table: TruthTable) -> str:
    if table.claim_consistency is None:
        return "<p>The claim (all conditions present): no contact has that configuration.</p>"
    coverage = "–" if table.claim_coverage is None else f"{table.claim_coverage:.2f}"
    return (f"<p>The claim (all conditions present): consistency {table.claim_consistency:.2f}, "
            f"coverage {coverage}.</p>")


def _discretion_body(result: Discretion, contacts: Contacts) -> str:
    present = ", ".join(f"{name} {value}" for name, value in result.present.items())
    parts = [f"<p>Outcome: going beyond the rules ({escape(' or '.join(result.outcome))}). Present means: "
             f"{escape(present)}. ● present, ○ absent. Sufficient: consistency ≥ {result.cut}. Left out: "
             f"{result.uncoded} contacts without discretion coded, {result.incomplete} missing a condition.</p>",
             _truth_rows(result, result.table), _claim(result.table),
             f"<p>Solution (conservative): {escape(' + '.join(result.solution) or 'none sufficient')}.</p>"]
    parts.append(one_condition_at_a_time(result, contacts, lambda single: _truth_rows(single, single.table),
                                         lambda single: _claim(single.table)))
    for role, table in result.by_role.items():
        parts += [f"<h2>Role: {escape(role)}</h2>", _truth_rows(result, table), _claim(table)]
    return "\n".join(parts)


def _leverage_body(ranked: Leverage) -> str:
    return ("<h2>Variables on most loops</h2>"
            + _table(("variable", "loops", "unfavourable", "favourable", "cases"),
                     [(r.variable, r.loops, r.unfavourable, r.favourable, r.cases) for r in ranked.variables],
                     numeric=(1, 2, 3, 4))
            + "<h2>Contact kinds on loops, and the loops they opened</h2>"
            + _table(("kind", "actor", "loops", "unfavourable", "opened", "opened unfavourable"),
                     [(r.kind, r.actor or "–", r.loops, r.unfavourable, r.opened, r.opened_unfavourable)
                      for r in ranked.kinds], numeric=(2, 3, 4, 5)))


def _map_body(summary: Summary, svg: str) -> str:
    return (f'<figure class="diagram">{svg}<figcaption>Contact kinds across cases: which kind directly follows '
            "which, with counts.</figcaption></figure>"
            + _table(("from", "to", "count"), summary.transitions, numeric=(2,)))
