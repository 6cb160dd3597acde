"""One sign notation in the terminal (issue 33): every signed arrow is `─+→` or `─−→` (a true minus),
as in the report and the figures; no hyphen-minus arrow (`->`, `─-→`) in a cycle, a link or a reading."""

from __future__ import annotations

from .conftest import Cli, write_jsonl
from .figures import FIGURE_1, FIGURE_3

MINUS_ARROW = "─\u2212→"


def test_cycles_links_and_readings_use_the_one_notation(tmp_path):
    cli = Cli(tmp_path / "t.db")
    cli.ok("import", str(write_jsonl(tmp_path / "cases.jsonl", FIGURE_1 + FIGURE_3)))
    loops = cli.ok("loops")
    log = cli.ok("log", "--limit", "0")
    shown = cli.ok("show", "fig3")
    assert MINUS_ARROW in loops and "─+→" in loops  # the cycles
    assert f"integration {MINUS_ARROW} discrepancy" in log  # a coded link in the log
    assert "effort ─→ opposition ─→ effort" in log  # a reading's cycle, closed
    assert f"link integration {MINUS_ARROW} discrepancy" in shown  # a step's label
    for text in (loops, log, shown):
        assert " -> " not in text and "─-→" not in text


def test_the_reports_step_table_signs_a_negative_link_with_a_true_minus(cli, tmp_path):
    """The step labels come from the analysis: the report's pathway table prints them as they are."""
    cli.ok("case", "open", "c", "--origin", "IR", "--motive", "asylum")
    cli.ok("add", "link", "c", "--from", "trust", "--to", "stress", "--sign", "-")
    cli.ok("report", "--out", str(tmp_path / "r"))
    page = (tmp_path / "r" / "cases" / "c.html").read_text(encoding="utf-8")
    assert "link trust ─−→ stress" in page and "─-→" not in page
