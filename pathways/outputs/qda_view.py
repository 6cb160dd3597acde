"""The rich renderable of `pathways qda inspect`, fed by the same document `--json` prints."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from pathways.outputs.wording import plural


def qda_view(found: dict[str, Any], top: int = 15) -> Group:
    head = Text(f"{found['name']} ({found['origin'] or 'tool not named'}): {plural(len(found['users']), 'user')}, "
                f"{plural(len(found['cases']), 'case')}, {plural(len(found['sources']), 'source')}, "
                f"{plural(found['pathways_coded'], 'selection')} with pathways codes")
    cases = Table(title="cases", title_justify="left")
    for column in ("case", "variables", "sources", "selection refs"):
        cases.add_column(column)
    for case in found["cases"]:
        cases.add_row(case["name"], ", ".join(f"{k}={v}" for k, v in case["variables"].items()),
                      ", ".join(case["sources"]), str(case["selections"]))
    codes = Table(title=f"codes (the {top} most used)", title_justify="left")
    codes.add_column("code")
    codes.add_column("selections", justify="right")
    for code in found["codes"][:top]:
        codes.add_row(code["path"], str(code["used"]))
    would = ", ".join(f"{count} {kind}" for kind, count in found["would_record"].items()) or "nothing"
    users = ", ".join(f"{user['name']} ({user['codings']} codings)" for user in found["users"]) or "none"
    tail = Text(f"users: {users}\nan import would record: {would}")
    if found["refusal"]:
        tail.append(f"\nan import would refuse: {found['refusal']}", style="red")
        if len(found["problems"]) > 1:
            tail.append("\n" + "\n".join(found["problems"][1:]), style="red")
    return Group(head, cases, codes, tail)
