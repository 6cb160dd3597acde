"""The `pathways` command line: parses, calls the core, prints. The only module that prints or exits."""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer
from typer._click import core as click_core, exceptions as click_errors, types as click_types  # typer 0.28 bundles click
from typer.core import TyperGroup

from events.errors import INTERNAL_EXIT, PathwaysError, StorageError
from pathways.outputs.wording import plural


class _OneLineUsage(TyperGroup):
    """The top command group: a usage error (an unknown command or option, a missing or bad value) is one
    line on stderr in our words and exit 2, as every other error is (`friendly`), instead of click's box."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click_errors.NoArgsIsHelpError as error:  # the help was printed: as typer does
            code = error.exit_code
        except click_errors.UsageError as error:
            typer.echo(f"error: {_usage_line(error)}", err=True)
            code = error.exit_code
        except click_errors.ClickException as error:
            typer.echo(f"error: {_one_line(error.format_message())}", err=True)
            code = error.exit_code
        except click_core.Abort:
            typer.echo("aborted", err=True)
            code = 1
        code = code if isinstance(code, int) else 0  # commands return None; an Exit comes back as its code
        if not standalone_mode:
            return code
        sys.exit(code)


def _usage_line(error: click_errors.UsageError) -> str:
    """A usage error in one line: the command, the option or argument, what is wrong with it."""
    ctx = error.ctx
    where = " ".join(["pathways", *(ctx.command_path.split(" ")[1:] if ctx is not None else [])])  # as invoked: `root` in tests
    see = f"(`{where} --help` lists {'the commands' if isinstance(getattr(ctx, 'command', None), TyperGroup) else 'the options'})"
    if isinstance(error, click_errors.NoSuchOption):
        near = f"; did you mean {' or '.join(error.possibilities)}?" if error.possibilities else ""
        return f"{where}: no option {_shorten(error.option_name)}{near} {see}"
    if isinstance(error, click_errors.BadParameter):  # MissingParameter included
        name = _param_name(error)
        if isinstance(error, click_errors.MissingParameter):
            return f"{where}: {name or 'an argument'} is required {see}"
        return f"{where}: {name + ': ' if name else ''}{_bad_value(error)}"
    if error.message == "Missing command.":  # options given (`pathways --db X`) but no command
        return f"{where}: a command is required {see}"
    unknown = re.fullmatch(r"No such command '(.*)'\.", error.message, flags=re.S)
    if unknown:
        return f"{where}: no command '{_shorten(unknown[1])}' {see}"
    extra = re.fullmatch(r"Got unexpected extra arguments?(?:\(s\))? \((.*)\)", error.message, flags=re.S)
    if extra:  # typer says `argument(s)` whatever the count: counted here (space-joined, as click joins them)
        noun = "argument" if len(extra[1].split()) == 1 else "arguments"
        return f"{where}: unexpected {noun} {_shorten(extra[1])} {see}"
    return f"{where}: {_one_line(error.message)}"


def _param_name(error: click_errors.BadParameter) -> str:
    """`--reset-years`, or `--reset-years (from $PATHWAYS_RESET_YEARS)` when the bad value came from there."""
    param, ctx = error.param, error.ctx
    if param is None:
        return str(error.param_hint or "")
    name = "/".join(param.opts) if param.param_type_name == "option" else param.human_readable_name.upper()
    if ctx is not None and param.name and param.param_type_name == "option" and param.envvar and \
            ctx.get_parameter_source(param.name) == click_core.ParameterSource.ENVIRONMENT:
        name += f" (from ${param.envvar})"
    return name


def _bad_value(error: click_errors.BadParameter) -> str:
    """Click's reason in our words: a whole number (and its range) expected, the value shortened."""
    kind = getattr(error.param, "type", None)
    noun = "a number" if isinstance(kind, click_types.FloatParamType) else "a whole number"
    span = ""
    if isinstance(kind, (click_types.IntRange, click_types.FloatRange)):
        low, high = kind.min, kind.max
        span = (f" from {low} to {high}" if low is not None and high is not None else
                f" of at least {low}" if low is not None else f" of at most {high}" if high is not None else "")
    message = error.message
    shape = re.fullmatch(r"'?(.*?)'? is not a valid (int|integer|float)(?: range)?\.", message, flags=re.S)
    if shape:
        return f"'{_shorten(shape[1])}' is not {noun}{span}"
    outside = re.fullmatch(r"(.*?) is not in the range .*", message, flags=re.S)
    if outside:
        return f"{_shorten(outside[1])} is out of range: give {noun}{span}"
    return _one_line(message)


def _shorten(text: str, room: int = 40) -> str:
    """A value echoed back fits a line: a 5,001-digit number is named by its length."""
    text = _one_line(text)
    return text if len(text) <= room else f"{text[:room // 2]}...({len(text):,} characters)"


app = typer.Typer(cls=_OneLineUsage, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Reconstruct migrants' integration pathways and their feedback loops from coded contacts.")
case_app = typer.Typer(no_args_is_help=True, help="Open cases.")
add_app = typer.Typer(no_args_is_help=True, help="Record coded facts on a case.")
catalogue_app = typer.Typer(no_args_is_help=True, help="The catalogue: list its keys, add a project's own.")
keys_app = typer.Typer(no_args_is_help=True, help="The keys of a sealed database: back them up, restore them.")
qda_app = typer.Typer(no_args_is_help=True, help="REFI-QDA projects (ATLAS.ti, NVivo, MAXQDA, QualCoder): look inside.")
app.add_typer(case_app, name="case")
app.add_typer(keys_app, name="keys")
app.add_typer(add_app, name="add")
app.add_typer(catalogue_app, name="catalogue")
app.add_typer(qda_app, name="qda")

DbOption = Annotated[str, typer.Option("--db", envvar="PATHWAYS_DB", help="The database: a file, or a postgresql:// URL.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print only JSON to stdout.")]
OccurredOption = Annotated[Optional[str], typer.Option("--occurred", help="Domain date: YYYY, YYYY-MM or YYYY-MM-DD.")]
ByOption = Annotated[Optional[str], typer.Option("--by", help="The coder recording this.")]
ExpectOption = Annotated[Optional[int], typer.Option("--expect-version", help="Refuse unless the case is at this version.")]
MetaOption = Annotated[Optional[list[str]], typer.Option("--meta", help="Metadata KEY=VALUE (interview, segment, ...).")]
EffectOption = Annotated[Optional[list[str]], typer.Option("--effect", help="VARIABLE:up|down|none (repeatable).")]
BecauseOption = Annotated[Optional[list[str]], typer.Option("--because", help="Cause: CASE#N, #N or an event id, optionally :VARIABLE (repeatable).")]
AccountOption = Annotated[Optional[str], typer.Option("--account", help="Whose account this records: migrant (default), caseworker, file, researcher or other.")]
CoderAccountOption = Annotated[Optional[str], typer.Option("--account", help="Whose account this records: researcher (default), migrant, caseworker, file or other.")]
AccountsOption = Annotated[Optional[str], typer.Option("--account", help="Only these accounts' events, comma-separated (migrant, caseworker, file, researcher, other).")]
ByCodersOption = Annotated[Optional[str], typer.Option("--by", help="Only these coders' events (recorded_by), comma-separated; the case's opening is kept whoever recorded it.")]
UnstitchedOption = Annotated[bool, typer.Option("--unstitched", help="Count only the loops one account tells whole (no stitched loop).")]
PerceivedOption = Annotated[Optional[str], typer.Option("--perceived", help="favourable, unfavourable, mixed or neutral.")]
DEFAULT_DB = "pathways.db"


def _debug() -> bool:
    return os.environ.get("PATHWAYS_DEBUG") == "1"


_OPENED: list[Any] = []
"""The stores the running command opened (`_store`), so that an interrupt can say what they kept."""


def friendly(command: Callable[..., Any]) -> Callable[..., Any]:
    """One line on stderr and an exit code for every error: the error's own for user errors (2 bad
    input, 1 conflict or failed check, 3 the machine refused), 4 for a bug; tracebacks only with --debug."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _OPENED.clear()
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except BrokenPipeError:
            raise typer.Exit(0) from None
        except KeyboardInterrupt:
            typer.echo(_interrupted(), err=True)
            raise typer.Exit(130) from None
        except Exception as error:  # noqa: BLE001 - the one place where every error becomes one line
            if _debug():
                raise
            known = _known(error)
            if known is None:
                typer.echo(f"internal error (a bug in pathways): {type(error).__name__}: {_one_line(error)}; "
                           "run again with --debug for the traceback and report it", err=True)
                raise typer.Exit(INTERNAL_EXIT) from None
            typer.echo(f"error: {_one_line(known)}", err=True)
            raise typer.Exit(known.exit_code) from None

    return wrapper


def _interrupted() -> str:
    """What an interrupted command kept: an interrupt can land after a commit (while the workers
    stop, or the report is printed), and then "nothing was written" would be false (and a second
    import of a file without event ids would append it twice)."""
    kept = sum(store.kept.events for store in _OPENED)
    doubt = sum(store.kept.in_doubt for store in _OPENED)
    if doubt:
        return (f"interrupted while {plural(doubt, 'event')} {'was' if doubt == 1 else 'were'} being committed: whether they were "
                f"kept could not be checked" + (f" ({plural(kept, 'event')} before them {'was' if kept == 1 else 'were'} kept)" if kept else "")
                + "; see `pathways log` before running it again")
    if kept:
        return (f"interrupted after {plural(kept, 'event')} {'was' if kept == 1 else 'were'} committed: they are kept (see `pathways log`); "
                "nothing after them was written")
    return "interrupted: nothing of the unfinished command was written"


def _known(error: Exception) -> PathwaysError | None:
    """A user error as it is, a storage or file-system error translated; None for a bug."""
    if isinstance(error, PathwaysError):
        return error
    from events.store import shown_target, translate

    translated = translate(error, shown_target(os.environ.get("PATHWAYS_DB", "the database")))
    if translated is not None:
        return translated
    if isinstance(error, OSError) and error.strerror:
        where = f"{error.filename}: " if error.filename else ""
        return StorageError(f"{where}{error.strerror}")
    return None


def _one_line(error: Exception) -> str:
    """Never more than one line, and nothing a terminal would run as an escape."""
    text = " ".join(str(error).split())
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


@app.callback()
def _global(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
            db: Annotated[Optional[str], typer.Option("--db", help="The database, a file or a postgresql:// URL (also after the command).")] = None) -> None:
    if debug:
        os.environ["PATHWAYS_DEBUG"] = "1"
    if db is not None:  # `pathways --db x show ...`: the command's own --db reads PATHWAYS_DB
        os.environ["PATHWAYS_DB"] = str(db)


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def _exists(db: str) -> bool:
    """A database file that exists, or a server (whose database is checked on connecting)."""
    from events.store import is_server

    return is_server(db) or Path(db).exists()


def _store(db: str | Path, *, create: bool, seal: bool = True):
    from events.store import EventStore

    store = EventStore(db, create=create, seal=seal)
    _OPENED.append(store)
    return store


# -- writing -----------------------------------------------------------------------------------

@app.command()
@friendly
def init(
    open_: Annotated[bool, typer.Option("--open", help="Store payloads in clear: for public data only (the demo).")] = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Create an empty database (nothing happens to an existing one): sealed, each case encrypted under
    its own key kept apart from the log; `--open` for public data."""
    with _store(db, create=True, seal=not open_) as store:  # on a server: an empty database gets the log
        count, where, sealed, created = store.last_position(), store.path, store.sealed, store.log.created
        keys = store.log.keyring().where
    kind = f"sealed; keys in {keys}: back them up with `pathways keys backup FILE`" if sealed else "open"
    said = "created the event log" if created else "an event log exists already"
    typer.echo(f"{said}: {where} ({plural(count, 'event')}, {kind})")


@app.command()
@friendly
def forget(
    case: Annotated[str, typer.Argument(help="The case to erase.")],
    reason: Annotated[str, typer.Option(help="Why (kept in clear in the log: name no person).")],
    by: ByOption = None, as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """Erase a case: its key is destroyed, so its events can never be read again; the log keeps their
    envelopes and still verifies. Nothing can be added to the case afterwards."""
    from pathways.application import service

    with _store(db, create=False) as store:
        done = service.forget(store, case, reason, recorded_by=by, waiting=_Waiting())
    if as_json:
        _print_json({"case": done.case, "position": done.position, "events": done.events,
                     "keys_destroyed": done.keys_destroyed, "already_erased": done.already, "note": done.note,
                     "left": done.left})
    said = (f"case {case} was already erased (position {done.position})" if done.already else
            f"erased case {case}: CaseForgotten at position {done.position}; its {plural(done.events - 1, 'event')} can no "
            "longer be read")
    if done.left:  # a role that may not rewrite the tables: one line, what is left and for whom
        typer.echo(f"error: {said} and {plural(done.keys_destroyed, 'key')} destroyed, but this role could not "
                   f"finish the erasure: {done.left}", err=True)
        raise typer.Exit(3)
    if as_json:
        return
    typer.echo(f"{said}; {plural(done.keys_destroyed, 'key')} destroyed, its rows removed from every table")
    if done.note:
        typer.echo(f"note: {done.note}", err=True)


@keys_app.command("backup")
@friendly
def keys_backup(
    file: Annotated[Path, typer.Argument(help="The backup file to write (mode 0600; keep it apart from the log).")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Write every key of a sealed database to FILE: the only way back after the key file is lost."""
    from events.sealing import backup as keybackup

    with _store(db, create=False) as store:
        done = keybackup.backup(store, file)
    typer.echo(f"wrote {plural(done.keys, 'case key')} to {file}; keep it as safe as the key file, apart from the log")
    _say_cut_short(done.finished, done.left_out)


def _say_cut_short(finished: Any, left: Any) -> None:
    """A forget cut short (its key still held) that a command finished, or left its key out of."""
    if finished:
        typer.echo(f"note: {_cases(finished)} erased by a forget cut short: {'its key was' if len(finished) == 1 else 'their keys were'} "
                   "still held, and destroyed now, before anything was written", err=True)
    if left:
        typer.echo(f"note: {_cases(left)} erased, but {'its key is' if len(left) == 1 else 'their keys are'} still held "
                   "and could not be destroyed here: left out; `pathways forget CASE` again (with write access) "
                   "finishes the erasure", err=True)


def _cases(cases: Any) -> str:
    return ("case " if len(cases) == 1 else "cases ") + ", ".join(cases)


@keys_app.command("restore")
@friendly
def keys_restore(
    file: Annotated[Path, typer.Argument(help="A file written by `pathways keys backup`.")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Bring keys back from a backup; the keys of cases erased since it was taken are destroyed again."""
    from events.sealing import backup as keybackup

    with _store(db, create=False) as store:
        restored = keybackup.restore(store, file)
    typer.echo(f"restored {plural(restored.keys, 'case key')} from {file}"
               + (f"; {restored.erased} belonged to cases erased since the backup and were destroyed again"
                  if restored.erased else "")
               + (f"; {plural(restored.missing, 'case')} of the log {'has' if restored.missing == 1 else 'have'} no key in it (opened after the backup): they "
                  "cannot be read" if restored.missing else ""))


def _record(db: Path, case: str, type_: str, data: dict, *, occurred: str | None = None, by: str | None = None,
            meta: list[str] | None = None, expect_version: int | None = None, as_json: bool = False) -> None:
    """Build one event from a command's options, append it, print its ref (or its envelope)."""
    from pathways.application import recording as r

    _append(db, r.new_event(case, type_, data, occurred=occurred, recorded_by=by,
                            meta=r.parse_pairs(meta or [], flag="--meta"), expected_version=expect_version), as_json)


class _Waiting:
    """A writer waiting on another writer (or for a lock, `what`) says so at once, then about every five seconds."""

    def __init__(self) -> None:
        self.said: dict[str | None, int] = {}

    def __call__(self, seconds: float, what: str | None = None) -> None:
        if what not in self.said or int(seconds) // 5 > self.said[what]:
            self.said[what] = int(seconds) // 5
            typer.echo(f"waiting for {what or 'another writer to finish'} ({seconds:.0f}s so far)...", err=True)


OPTION_OF = {"effects": "effect", "conditions": "condition", "links": "link", "data": "data"}
"""A payload field whose command-line option is named otherwise (`--effect` fills `effects`)."""


def _as_option(error: PathwaysError) -> PathwaysError:
    """A recording command's error names the option the user typed, not the payload's field
    (`--perceived`, not `data.perceived`; an amendment's `data.data.role` is `--role`)."""
    found = re.match(r"(?:data\.)+([A-Za-z_]+)", error.field or "")
    if found and not error.file:
        error.field = "--" + OPTION_OF.get(found[1], found[1]).replace("_", "-")
    return error


def _append(db: Path, event: Any, as_json: bool) -> None:
    from events.store import VersionConflict

    with _store(db, create=False) as store:  # only init, demo, import and copy make a database
        try:
            report = store.append([event], waiting=_Waiting())
        except VersionConflict:
            if event.type != "CaseOpened":
                raise
            raise VersionConflict(f"case '{event.stream.split(':', 1)[-1]}' is already open "
                                  "(a case is opened once; `pathways show` gives it)", field="CASE") from None
        except PathwaysError as error:
            raise _as_option(error) from None
        if not report.appended:  # a definition already in force exactly as given: nothing to record
            if as_json:
                _print_json(None)
            else:
                typer.echo(f"nothing recorded: {event.type} {event.data.get('key', '')} is already in force as given")
            return
        stored = next(store.read(after=report.first_position - 1, until=report.first_position))
    if as_json:
        _print_json(stored.envelope())
    else:
        typer.echo(f"recorded {stored.ref} {stored.type}")


@case_app.command("open")
@friendly
def case_open(
    case: Annotated[str, typer.Argument(help="Case id: letters, digits, '.', '_', '-'.")],
    origin: Annotated[str, typer.Option(help="Country of origin, ISO 3166 alpha-2 (IR, MA, TR, ...).")],
    motive: Annotated[str, typer.Option(help="asylum, family, labour, study, eu or other.")],
    arrival: Annotated[Optional[str], typer.Option(help="Arrival date: YYYY, YYYY-MM or YYYY-MM-DD.")] = None,
    notes: Annotated[Optional[str], typer.Option(help="Free notes.")] = None,
    occurred: OccurredOption = None, by: ByOption = None, meta: MetaOption = None,
    as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """Open a migrant's case."""
    from pathways.application import recording as r

    data = r.payload(origin=origin, arrival=arrival, motive=motive, notes=notes)
    _record(db, case, "CaseOpened", data, occurred=occurred, by=by, meta=meta, expect_version=0, as_json=as_json)


@add_app.command("contact")
@friendly
def add_contact(
    case: Annotated[str, typer.Argument(help="The case (its id, as opened with `pathways case open`).")],
    actor: Annotated[str, typer.Option(help="Organisation key (ind, coa, municipality, ...).")],
    kind: Annotated[str, typer.Option(help="Contact kind key (permit-decision, coaching, ...).")],
    role: Annotated[Optional[str], typer.Option(help="Street-level role (counsellor, client-manager, ...).")] = None,
    outcome: Annotated[Optional[str], typer.Option(help="What the contact decided or did.")] = None,
    perceived: PerceivedOption = None,
    discretion: Annotated[Optional[str], typer.Option(help="by-the-rules, extra-mile, bending, breaking, distancing.")] = None,
    condition: Annotated[Optional[list[str]], typer.Option(help="NAME=VALUE, repeatable; the project's conditions and values: `pathways catalogue list conditions` (bundled: motivation=high|low, distress=high|low, policy-assessment=negative|neutral|positive).")] = None,
    effect: EffectOption = None, because: BecauseOption = None,
    quote: Annotated[Optional[str], typer.Option(help="A short quote from the interview.")] = None,
    source: Annotated[Optional[str], typer.Option(help="Where the quote comes from.")] = None,
    occurred: OccurredOption = None, by: ByOption = None, expect_version: ExpectOption = None,
    account: AccountOption = None, meta: MetaOption = None, as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """Record a bureaucratic contact and its effects."""
    from pathways.application import recording as r

    data = r.payload(actor=actor, role=role, kind=kind, outcome=outcome, perceived=perceived,
                     discretion=discretion, conditions=r.parse_pairs(condition or [], flag="--condition"),
                     effects=[r.parse_effect(item) for item in effect or []],
                     because=r.expand_refs(case, because, flag="--because"),
                     quote=quote, source=source, account=account)
    _record(db, case, "ContactRecorded", data, occurred=occurred, by=by, meta=meta, expect_version=expect_version,
            as_json=as_json)


@add_app.command("absence")
@friendly
def add_absence(
    case: Annotated[str, typer.Argument(help="The case (its id, as opened with `pathways case open`).")],
    start: Annotated[str, typer.Option("--from", help="Start of the period without contact.")],
    end: Annotated[Optional[str], typer.Option("--to", help="End of the period (open if omitted).")] = None,
    actor: Annotated[Optional[str], typer.Option(help="The actor whose contact was expected.")] = None,
    effect: EffectOption = None, perceived: PerceivedOption = None, because: BecauseOption = None,
    occurred: OccurredOption = None, by: ByOption = None, expect_version: ExpectOption = None,
    account: AccountOption = None, meta: MetaOption = None, as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """Record a period in which the bureaucracy made no contact (its absence), with its consequences."""
    from pathways.application import recording as r

    data = r.payload(actor=actor, perceived=perceived, effects=[r.parse_effect(item) for item in effect or []],
                     because=r.expand_refs(case, because, flag="--because"), account=account)
    data["from"] = start
    if end is not None:
        data["to"] = end
    _record(db, case, "ContactAbsent", data, occurred=occurred or start, by=by, meta=meta, expect_version=expect_version,
            as_json=as_json)


@add_app.command("expectation")
@friendly
def add_expectation(
    case: Annotated[str, typer.Argument(help="The case (its id, as opened with `pathways case open`).")],
    link: Annotated[list[str], typer.Option(help="FROM:TO:+ or FROM:TO:- (repeatable).")],
    statement: Annotated[Optional[str], typer.Option(help="The mini-theory in words.")] = None,
    occurred: OccurredOption = None, by: ByOption = None, expect_version: ExpectOption = None,
    account: AccountOption = None, meta: MetaOption = None, as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """Record a mini-theory the migrant holds (links expected without a contact)."""
    from pathways.application import recording as r

    data = r.payload(statement=statement, links=[r.parse_link(item) for item in link], account=account)
    _record(db, case, "ExpectationFormed", data, occurred=occurred, by=by, meta=meta, expect_version=expect_version,
            as_json=as_json)


@add_app.command("state")
@friendly
def add_state(
    case: Annotated[str, typer.Argument(help="The case (its id, as opened with `pathways case open`).")],
    variable: Annotated[str, typer.Option(help="The variable observed.")],
    direction: Annotated[Optional[str], typer.Option(help="up, down or none.")] = None,
    level: Annotated[Optional[str], typer.Option(help="A level, in words or a number.")] = None,
    because: BecauseOption = None,
    quote: Annotated[Optional[str], typer.Option(help="A short quote from the interview.")] = None,
    source: Annotated[Optional[str], typer.Option(help="Where the quote comes from.")] = None,
    occurred: OccurredOption = None, by: ByOption = None, expect_version: ExpectOption = None,
    account: AccountOption = None, meta: MetaOption = None, as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """Record an observed change (or level) of one variable."""
    from pathways.application import recording as r

    data = r.payload(variable=variable, direction=direction, level=level,
                     because=r.expand_refs(case, because, flag="--because"), quote=quote, source=source,
                     account=account)
    _record(db, case, "StateObserved", data, occurred=occurred, by=by, meta=meta, expect_version=expect_version,
            as_json=as_json)


@add_app.command("link")
@friendly
def add_link(
    case: Annotated[str, typer.Argument(help="The case (its id, as opened with `pathways case open`).")],
    source: Annotated[str, typer.Option("--from", help="Cause variable.")],
    target: Annotated[str, typer.Option("--to", help="Effect variable.")],
    sign: Annotated[str, typer.Option(help="+ or -.")],
    evidence: Annotated[Optional[list[str]], typer.Option(help="Supporting event refs (repeatable).")] = None,
    confidence: Annotated[Optional[str], typer.Option(help="low, medium, high or a number 0..1.")] = None,
    occurred: OccurredOption = None, by: ByOption = None, expect_version: ExpectOption = None,
    account: CoderAccountOption = None, meta: MetaOption = None, as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """Record a causal link coded by the researcher."""
    from pathways.application import recording as r

    data = r.payload(sign=sign, evidence=r.expand_refs(case, evidence, flag="--evidence"),
                     confidence=r.parse_confidence(confidence), account=account)
    data.update({"from": source, "to": target})
    _record(db, case, "LinkCoded", data, occurred=occurred, by=by, meta=meta, expect_version=expect_version,
            as_json=as_json)


@add_app.command("loop")
@friendly
def add_loop(
    case: Annotated[str, typer.Argument(help="The case (its id, as opened with `pathways case open`).")],
    variables: Annotated[Optional[str], typer.Option(help="The loop's variables in cycle order, comma-separated.")] = None,
    polarity: Annotated[Optional[str], typer.Option(help="reinforcing or dampening.")] = None,
    none: Annotated[bool, typer.Option("--none", help="The researcher reads no loop in the case (with --note only).")] = False,
    valence: Annotated[Optional[str], typer.Option(help="favourable, unfavourable or undetermined.")] = None,
    change: Annotated[Optional[str], typer.Option(help="change, no-change or unknown (leave out when the source does not say).")] = None,
    note: Annotated[Optional[str], typer.Option(help="The reading in words.")] = None,
    occurred: OccurredOption = None, by: ByOption = None, expect_version: ExpectOption = None,
    account: CoderAccountOption = None, meta: MetaOption = None, as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """Record the researcher's own reading of a loop (kept beside the computed ones), or with --none that
    the researcher reads no loop in the case."""
    from pathways.application import recording as r

    data = r.loop_reading(variables=variables, polarity=polarity, none=none, valence=valence, change=change,
                          note=note, account=account)
    _record(db, case, "LoopCoded", data, occurred=occurred, by=by, meta=meta, expect_version=expect_version,
            as_json=as_json)


CatalogueLabel = Annotated[Optional[str], typer.Option("--label", help="A readable label.")]


def _define(db: Path, type_: str, data: dict, by: str | None, as_json: bool) -> None:
    from events.envelope import CATALOGUE_STREAM, NewEvent
    from pathways.application import recording as r

    _append(db, NewEvent(stream=CATALOGUE_STREAM, type=type_, data=r.payload(**data), recorded_by=by), as_json)


@catalogue_app.command("add")
@friendly
def catalogue_add(
    what: Annotated[str, typer.Argument(help="actor, role, variable, kind, archetype or condition.")],
    key: Annotated[str, typer.Argument(help="The new key: lower-case words joined by '-'.")],
    label_: CatalogueLabel = None,
    family: Annotated[Optional[str], typer.Option(help="actor: state, local, reception, education, civil or market.")] = None,
    desirability: Annotated[Optional[int], typer.Option(help="variable: +1, 0 or -1 for the migrant.")] = None,
    link: Annotated[Optional[list[str]], typer.Option(help="archetype: FROM:TO:+ or FROM:TO:- (repeatable, in cycle order).")] = None,
    polarity: Annotated[Optional[str], typer.Option(help="archetype: reinforcing or dampening.")] = None,
    values: Annotated[Optional[str], typer.Option(help="condition: its values, comma-separated.")] = None,
    present: Annotated[Optional[str], typer.Option(help="condition: the value that counts as present.")] = None,
    definition: Annotated[Optional[str], typer.Option(help="What the code means and when to use it (the codebook).")] = None,
    by: ByOption = None, as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """Add a project's own actor, street-level role, variable, contact kind, loop archetype or discretion
    condition, with its definition (`pathways codebook` lists them)."""
    from pathways.application import recording as r

    label = {"label": label_, "definition": definition}
    if what == "actor":
        _define(db, "ActorDefined", {"key": key, **label, "family": family}, by, as_json)
    elif what == "variable":
        if desirability is None:
            raise PathwaysError("a variable needs --desirability (+1, 0 or -1 for the migrant)", field="--desirability")
        _define(db, "VariableDefined", {"key": key, **label, "desirability": desirability}, by, as_json)
    elif what == "kind":
        _define(db, "KindDefined", {"key": key, **label}, by, as_json)
    elif what == "role":
        _define(db, "RoleDefined", {"key": key, **label}, by, as_json)
    elif what == "archetype":
        _define(db, "ArchetypeDefined", {"key": key, "links": [r.parse_link(item) for item in link or []],
                                         "polarity": polarity, "definition": definition}, by, as_json)
    elif what == "condition":
        if values is None or present is None:
            raise PathwaysError("a condition needs --values (comma-separated) and --present", field="--values")
        _define(db, "ConditionDefined", {"key": key, **label, "present": present,
                                         "values": [v.strip() for v in values.split(",") if v.strip()]}, by, as_json)
    else:
        raise PathwaysError(f"'{what}' is not one of: actor, role, variable, kind, archetype, condition",
                            field="WHAT")


@catalogue_app.command("list")
@friendly
def catalogue_list(
    name: Annotated[Optional[str], typer.Argument(help="actors, roles, kinds, variables, regimes, archetypes or conditions.")] = None,
    as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """The catalogue in force: the shipped keys and the project's own."""
    import schemas

    names = [name] if name else list(schemas.CATALOGUES)
    if name is not None and name not in schemas.CATALOGUES:
        raise PathwaysError(f"'{name}' is not a catalogue (use one of: {', '.join(schemas.CATALOGUES)})", field="NAME")
    from events.rules.catalogue import shipped

    catalogue = shipped()
    if _exists(db):
        with _store(db, create=False) as store:
            catalogue = store.catalogue()
    listed = {n: (list(catalogue.regimes) if n == "regimes" else list(catalogue.entries[n].values())) for n in names}
    if as_json:
        _print_json(listed)
        return
    from pathways.outputs import terminal as views

    _console().print(views.catalogue_view(listed))


@app.command()
@friendly
def retract(
    case: Annotated[str, typer.Argument(help="The case (its id, as opened with `pathways case open`).")],
    ref: Annotated[str, typer.Argument(help="The event to withdraw: #N, CASE#N or an event id.")],
    reason: Annotated[str, typer.Option(help="Why it is withdrawn.")],
    by: ByOption = None, expect_version: ExpectOption = None, as_json: JsonOption = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Withdraw an earlier event (`amend` corrects one instead); names the live events that cite it."""
    from pathways.application import corrections
    from pathways.application import recording as r

    data = {"ref": r.expand_ref(case, ref, flag="REF"), "reason": reason}
    with _store(db, create=False) as store:
        citers = corrections.citing(store, case, ref)
    _record(db, case, "EventRetracted", data, by=by, expect_version=expect_version, as_json=as_json)
    for citer in citers:
        typer.echo(f"note: {citer} cites the retracted {data['ref']}", err=True)


@app.command()
@friendly
def amend(
    case: Annotated[str, typer.Argument(help="The case of the event.")],
    ref: Annotated[str, typer.Argument(help="The event to correct: #N, CASE#N or an event id.")],
    reason: Annotated[str, typer.Option(help="Why it is corrected.")],
    actor: Annotated[Optional[str], typer.Option(help="Contact, absence: organisation key.")] = None,
    role: Annotated[Optional[str], typer.Option(help="Contact: street-level role.")] = None,
    kind: Annotated[Optional[str], typer.Option(help="Contact: contact kind key.")] = None,
    outcome: Annotated[Optional[str], typer.Option(help="Contact: what it decided or did.")] = None,
    perceived: PerceivedOption = None,
    discretion: Annotated[Optional[str], typer.Option(help="Contact: by-the-rules, extra-mile, bending, breaking, distancing.")] = None,
    condition: Annotated[Optional[list[str]], typer.Option(help="Contact: CONDITION=VALUE (repeatable; replaces them all).")] = None,
    effect: Annotated[Optional[list[str]], typer.Option("--effect", help="VARIABLE:up|down|none (repeatable; replaces them all).")] = None,
    because: Annotated[Optional[list[str]], typer.Option("--because", help="Causes (repeatable; replaces them all).")] = None,
    quote: Annotated[Optional[str], typer.Option(help="Contact, state: the quote.")] = None,
    source: Annotated[Optional[str], typer.Option(help="Contact, state: where the quote comes from.")] = None,
    start: Annotated[Optional[str], typer.Option("--from", help="Absence: start of the period; link: cause variable.")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Absence: end of the period; link: effect variable.")] = None,
    link: Annotated[Optional[list[str]], typer.Option(help="Expectation: FROM:TO:+|- (repeatable; replaces them all).")] = None,
    statement: Annotated[Optional[str], typer.Option(help="Expectation: the mini-theory in words.")] = None,
    variable: Annotated[Optional[str], typer.Option(help="State: the variable.")] = None,
    direction: Annotated[Optional[str], typer.Option(help="State: up, down or none.")] = None,
    level: Annotated[Optional[str], typer.Option(help="State: a level.")] = None,
    sign: Annotated[Optional[str], typer.Option(help="Link: + or -.")] = None,
    evidence: Annotated[Optional[list[str]], typer.Option(help="Link: supporting refs (repeatable; replaces them all).")] = None,
    confidence: Annotated[Optional[str], typer.Option(help="Link: low, medium, high or 0..1.")] = None,
    variables: Annotated[Optional[str], typer.Option(help="Loop reading: its variables, comma-separated.")] = None,
    polarity: Annotated[Optional[str], typer.Option(help="Loop reading: reinforcing or dampening.")] = None,
    valence: Annotated[Optional[str], typer.Option(help="Loop reading: favourable, unfavourable, undetermined.")] = None,
    change: Annotated[Optional[str], typer.Option(help="Loop reading: change, no-change or unknown.")] = None,
    note: Annotated[Optional[str], typer.Option(help="Loop reading: the reading in words.")] = None,
    origin: Annotated[Optional[str], typer.Option(help="Case opening: country of origin.")] = None,
    arrival: Annotated[Optional[str], typer.Option(help="Case opening: arrival date.")] = None,
    motive: Annotated[Optional[str], typer.Option(help="Case opening: motive.")] = None,
    notes: Annotated[Optional[str], typer.Option(help="Case opening: free notes.")] = None,
    account: AccountOption = None,
    unset: Annotated[Optional[list[str]], typer.Option(help="Remove this optional field (repeatable).")] = None,
    occurred: Annotated[Optional[str], typer.Option("--occurred", help="Move the event to this date (YYYY[-MM[-DD]]).")] = None,
    by: ByOption = None, as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """Correct an event: each option given replaces that field (the options of the event's `add` command),
    `--unset` removes one. The event keeps its ref, its place and what cites it; `log` keeps both versions."""
    from pathways.application import corrections, recording

    given = recording.correction_fields(case, {
        "actor": actor, "role": role, "kind": kind, "outcome": outcome, "perceived": perceived,
        "discretion": discretion, "condition": condition, "effect": effect, "because": because, "quote": quote,
        "source": source, "from": start, "to": end, "link": link, "statement": statement, "variable": variable,
        "direction": direction, "level": level, "sign": sign, "evidence": evidence, "confidence": confidence,
        "variables": variables, "polarity": polarity, "valence": valence, "change": change, "note": note,
        "origin": origin, "arrival": arrival, "motive": motive, "notes": notes, "account": account})
    with _store(db, create=False) as store:
        try:
            done = corrections.amend(store, case, ref, reason=reason, given=given, unset=unset or [],
                                     occurred=occurred, recorded_by=by)
        except PathwaysError as error:
            raise _as_option(error) from None
    _say_amended(done, as_json)


@app.command()
@friendly
def edit(
    case: Annotated[str, typer.Argument(help="The case of the event.")],
    ref: Annotated[str, typer.Argument(help="The event to correct: #N, CASE#N or an event id.")],
    reason: Annotated[str, typer.Option(help="Why it is corrected.")],
    by: ByOption = None, as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """Correct an event in your editor ($VISUAL or $EDITOR): its payload as JSON; saved unchanged, nothing is
    written. The file lives in a private temporary folder, removed when the command ends."""
    from pathways.application import corrections

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise PathwaysError("set $VISUAL or $EDITOR to the editor to use (e.g. EDITOR=nano)", field="EDITOR")
    with _store(db, create=False) as store:
        done = corrections.edit(store, case, ref, reason=reason, editor=editor, recorded_by=by)
    _say_amended(done, as_json)


def _say_amended(done: Any, as_json: bool) -> None:
    if as_json:
        _print_json({"ref": done.ref, "type": done.type, "changed": list(done.changed), "correction": done.correction})
    elif done.correction is None:
        typer.echo(f"no change to {done.ref}: nothing written")
    else:
        typer.echo(f"recorded {done.correction} EventAmended: {done.ref} ({done.type}) {', '.join(done.changed)}")


@app.command("import")
@friendly
def import_(
    file: Annotated[Path, typer.Argument(help="JSON Lines or CSV in the import format, or a REFI-QDA project (.qdpx).")],
    fmt: Annotated[Optional[str], typer.Option("--format", help="jsonl or csv (default: by file suffix).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate everything, write nothing.")] = False,
    map_file: Annotated[Optional[Path], typer.Option("--map", help=".qdpx: a TOML file mapping the project's own codes and case variables onto the pathways codebook.")] = None,
    sync: Annotated[bool, typer.Option("--sync", help=".qdpx: amend the events of selections whose codes changed, retract those of selections gone from the project.")] = False,
    with_sources: Annotated[bool, typer.Option("--with-sources", help=".qdpx: also keep each source's plain text with its case (sealed, erased with it), for `show --context` and the report.")] = False,
    as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """Import events from a file: one transaction, all or nothing."""
    from events.ingest import readers as io

    if not file.is_file():
        raise PathwaysError(f"{file}: no such file")
    # A dry run against a database that does not exist yet checks against an empty log in memory.
    target = ":memory:" if dry_run and not _exists(db) else db
    if _is_qda(file):
        return _import_qda(file, target, map_file, sync, dry_run, as_json, with_sources)
    if map_file is not None or sync or with_sources:
        option = "--map" if map_file is not None else "--sync" if sync else "--with-sources"
        raise PathwaysError(f"{option} goes with a REFI-QDA project (.qdpx)", field=option)
    with _store(target, create=True) as store, _progress("importing", io.count_records(file)) as advance:
        try:
            report = store.import_file(file, fmt, dry_run=dry_run, progress=advance, waiting=_Waiting())
        except BaseException:
            store.abandon()  # refused into a new path: no empty database left behind
            raise
    if as_json:
        _print_json({"appended": report.appended, "skipped": report.skipped, "other_coder": report.other_coder,
                     "dry_run": dry_run,
                     "first_position": report.first_position, "last_position": report.last_position})
    else:
        verb = "would import" if dry_run else "imported"
        typer.echo(f"{verb} {plural(report.appended, 'event')} from {file}"
                   + (f" ({report.skipped} already stored, skipped" if report.skipped else "")
                   + (f"; {report.other_coder} of them stored under another recorded_by, kept as stored"
                      if report.other_coder else "")
                   + (")" if report.skipped else ""))


def _is_qda(file: Path) -> bool:
    from pathways.application import qda

    return qda.is_project(file)


def _import_qda(file: Path, target: str, map_file: Path | None, sync: bool, dry_run: bool, as_json: bool,
                with_sources: bool = False) -> None:
    from pathways.application import qda

    with _store(target, create=True) as store:
        try:
            done = qda.import_project(store, file, map_file=map_file, sync=sync, dry_run=dry_run,
                                      with_sources=with_sources, waiting=_Waiting())
        except BaseException:
            store.abandon()  # refused into a new path: no empty database left behind
            raise
    if as_json:
        _print_json({"appended": done.appended, "skipped": done.skipped, "retracted": done.retracted,
                     "cases": done.cases, "selections": done.selections, "transcripts": done.transcripts,
                     "transcripts_known": done.transcripts_known,
                     "dry_run": dry_run, "first_position": done.first_position, "last_position": done.last_position})
        return
    verb = "would import" if dry_run else "imported"
    typer.echo(f"{verb} {plural(done.appended, 'event')} from {file} ({plural(done.selections, 'coded selection')} "
               f"in {plural(done.cases, 'case')}" + (f"; {done.skipped} already stored, skipped" if done.skipped else "")
               + (f"; {done.retracted} retracted: gone from the project" if done.retracted else "")
               + (f"; the text of {plural(done.transcripts, 'source')} {'would be kept' if dry_run else 'kept'}"
                  if done.transcripts else "")
               + (f"; the text of {plural(done.transcripts_known, 'source')} already kept" if done.transcripts_known
                  else "") + ")")


@qda_app.command("inspect")
@friendly
def qda_inspect(
    file: Annotated[Path, typer.Argument(help="A REFI-QDA project (.qdpx or .qde) or codebook (.qdc).")],
    map_file: Annotated[Optional[Path], typer.Option("--map", help="A TOML file mapping the project's own codes onto the pathways codebook.")] = None,
    as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """Users, cases and their variables, sources, codes with how often each is used, and what an import
    would record (or why it would refuse). Reads the database's catalogue when there is one; writes nothing."""
    from pathways.application import qda

    if not file.is_file():
        raise PathwaysError(f"{file}: no such file")
    if _exists(db):
        with _store(db, create=False) as store:
            found = qda.inspect(file, map_file, store)
    else:
        found = qda.inspect(file, map_file)
    if as_json:
        _print_json(found)
        return
    from pathways.outputs.qda_view import qda_view

    _console().print(qda_view(found))


class _progress:
    """A rich progress bar on a terminal, nothing when piped; yields an `advance(n)` callback."""

    def __init__(self, label: str, total: int | None) -> None:
        self.label, self.total, self.bar = label, total, None

    def __enter__(self) -> Callable[[int], None]:
        console = _console(stderr=True)
        if not console.is_terminal:
            return lambda n: None
        from rich.progress import Progress

        self.bar = Progress(console=console, transient=True)
        self.bar.__enter__()
        task = self.bar.add_task(self.label, total=self.total)
        return lambda n: self.bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


# -- reading -----------------------------------------------------------------------------------

@app.command()
@friendly
def log(
    case: Annotated[Optional[str], typer.Argument(help="Only this case (its id); all cases without it.")] = None,
    limit: Annotated[int, typer.Option(min=0, help="Table form: show the first N events (0: all, page by page).")] = 1000,
    as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """The events in log order (JSON Lines with --json: the import format, every event, streamed)."""
    from itertools import islice

    with _store(db, create=False) as store:
        streams = [store.require_case(case, field="CASE", erased_ok=True)] if case is not None else None
        if as_json:
            from events.ingest import readers as io

            io.write_jsonl(store.read(streams=streams, raw=True, keyless=True), sys.stdout)
            return
        from pathways.outputs import terminal as views

        console, events, shown = _console(), store.read(streams=streams, keyless=True), 0
        while page := list(islice(events, min(500, limit - shown) if limit else 500)):
            console.print(views.log_table(page, first=shown, case=case))  # a page at a time: memory stays flat
            shown += len(page)
            if limit and shown >= limit:
                break
        more = sum(1 for _ in events) if limit and shown >= limit else 0
        if more:
            console.print(f"... and {more:,} more: --limit 0 shows all, --json streams them as JSON Lines")


@app.command()
@friendly
def copy(
    source: Annotated[str, typer.Argument(help="The log to copy: a file or a postgresql:// URL.")],
    target: Annotated[str, typer.Argument(help="Where to: a file or a postgresql:// URL, empty or holding the start of SOURCE.")],
    as_json: JsonOption = False,
) -> None:
    """Copy a log between a file and a server (either way) with identical hashes, verified at both ends."""
    from events.sealing import backup as keybackup

    with _store(source, create=False) as origin, _store(target, create=True) as destination:
        cut_short = keybackup.finish_erasures(origin)  # a forget cut short: its key goes nowhere, here or there
        with _progress("copying", origin.last_position()) as advance:
            try:
                report = origin.copy_to(destination, progress=advance)
            except BaseException:
                destination.abandon()  # refused into a new path: no empty database left behind
                raise
        check = destination.verify()  # the source was verified by copy_to before a row was taken
        heads = (origin.last(), destination.last())
    if not check.ok or heads[0] != heads[1]:
        raise PathwaysError("the copy does not verify (" + (f"target: {check.reason}" if not check.ok
                                                            else "the heads differ") + ")")
    if as_json:
        _print_json({"copied": report.appended, "head": str(heads[1])})
    else:
        typer.echo(f"copied {plural(report.appended, 'event')}; both ends verify, head {heads[1]}")
    _say_cut_short(*cut_short)


@app.command()
@friendly
def head(as_json: JsonOption = False, db: DbOption = DEFAULT_DB) -> None:
    """Position and hash of the last event: keep it, and `verify --head` later proves the log still holds it."""
    with _store(db, create=False) as store:
        last = store.last()
    if as_json:
        _print_json({"position": last.position, "hash": last.hash, "head": str(last)})
    else:
        typer.echo(str(last))


@app.command()
@friendly
def verify(
    head_: Annotated[Optional[str], typer.Option("--head", help="POSITION:HASH from an earlier `pathways head`: "
                                                "also prove the log still holds it (truncation, rewrites).")] = None,
    as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """Recompute the hash chain; name the first broken position. Exit 1 when broken."""
    from events.store import Head

    expected = Head.parse(head_) if head_ is not None else None
    with _store(db, create=False) as store:
        report = store.verify(expected)
    if as_json:
        _print_json({"ok": report.ok, "checked": report.checked,
                     "broken_position": report.broken_position, "reason": report.reason})
    elif report.ok:
        found = (f"; the recorded head {expected.position} was found, its hash unchanged"
                 if expected is not None and expected.position > 0 else "")
        typer.echo(f"ok: {plural(report.checked, 'event')}, hash chain intact{found}")
    else:
        where = f"position {report.broken_position}: " if report.broken_position else ""
        at_head = expected is not None and report.broken_position == expected.position
        counted = (f"the hash chain itself verifies over {plural(report.checked, 'event')}" if at_head else
                   f"{plural(report.checked, 'event')} verified before it")
        typer.echo(f"broken: {where}{report.reason} ({counted})", err=True)
    if not report.ok:
        raise typer.Exit(1)


# -- projections -------------------------------------------------------------------------------

AsOfOption = Annotated[Optional[str], typer.Option("--as-of", help="Domain date: the state at that point (YYYY[-MM[-DD]]).")]
RecordedOption = Annotated[Optional[str], typer.Option("--recorded-before", help="Only what was recorded before this UTC timestamp, ISO 8601 as events record it (2026-03-01, or 2026-03-01T12:00:00Z; compared as text with recorded_at).")]
ResetOption = Annotated[int, typer.Option("--reset-years", envvar="PATHWAYS_RESET_YEARS", min=0, max=50, help="Length of the reset phase after arrival (0-50 years).")]
BoundOption = Annotated[int, typer.Option("--loop-bound", envvar="PATHWAYS_LOOP_BOUND", min=2, max=64, help="Longest loop (in variables) to enumerate.")]
TurnedOption = Annotated[bool, typer.Option("--turned", help="Only the loops whose polarity turned once they had closed.")]


def _settings(reset_years: int, loop_bound: int):
    from pathways.application.service import settings

    return settings(reset_years, loop_bound, os.environ.get("PATHWAYS_LOOP_BUDGET", "5000"))


def _query(db: Path, query: Callable[..., Any], settings: Any, **options: Any) -> Any:
    """One read of the application layer on the store, with a progress bar while it projects."""
    with _store(db, create=False) as store, _progress("projecting", store.last_position()) as advance:
        return query(store, settings, progress=advance, **options)


def _analyses(db: Path, settings: Any, *, case: str | None = None, as_of: str | None = None,
              recorded_before: str | None = None, account: str | None = None, by: str | None = None) -> list:
    from pathways.application import service

    accounts = service.parse_accounts(account)
    with _store(db, create=False) as store, _progress("projecting", store.last_position()) as advance:
        coders = service.parse_coders(store, by)
        return service.analyses(store, settings, case=case, as_of=as_of, recorded_before=recorded_before,
                                accounts=accounts, coders=coders, progress=advance)


@app.command()
@friendly
def rebuild(reset_years: ResetOption = 3, loop_bound: BoundOption = 8, as_json: JsonOption = False,
            db: DbOption = DEFAULT_DB) -> None:
    """Replay the whole log into the projection tables."""
    import time

    from pathways.application import service

    started = time.perf_counter()
    with _store(db, create=False) as store, _progress("rebuilding", store.last_position()) as advance:
        result = service.rebuild(store, _settings(reset_years, loop_bound), advance)
    seconds = time.perf_counter() - started
    if as_json:
        _print_json({"cases": result.cases, "position": result.position, "seconds": round(seconds, 3)})
    else:
        typer.echo(f"rebuilt {plural(result.cases, 'case')} up to position {result.position} in {seconds:.2f}s")


@app.command()
@friendly
def show(case: Annotated[str, typer.Argument(help="The case to show.")], as_of: AsOfOption = None,
         recorded_before: RecordedOption = None, account: AccountsOption = None, by: ByCodersOption = None,
         reset_years: ResetOption = 3, loop_bound: BoundOption = 8,
         context: Annotated[bool, typer.Option("--context", help="Also each quote in its paragraph of the transcript, highlighted (transcripts kept by `import --with-sources`).")] = False,
         as_json: JsonOption = False, db: DbOption = DEFAULT_DB) -> None:
    """A case: profile, timeline (whose account, discretion and conditions of each step), phases and
    regimes, state, loops with their openers, confidence and whose accounts tell them, and the
    researchers' readings."""
    found = _analyses(db, _settings(reset_years, loop_bound), case=case, as_of=as_of, recorded_before=recorded_before,
                      account=account, by=by)
    passages = _passages(db, found[0].case) if context else None
    if as_json:
        shown = {} if passages is None else {"passages": [
            {"ref": step.ref, **attrs_dict(passages[step.event_id])}
            for step in found[0].pathway.steps if step.event_id in passages]}
        _print_json({**found[0].to_json(), **shown})
        return
    from pathways.outputs import terminal as views

    _console().print(views.case_view(found[0]))
    if passages is not None:
        from pathways.outputs.passages_view import passages_view

        _console().print(passages_view(found[0], passages))


def _passages(db: str, case: str) -> dict:
    """The case's quotes in their paragraphs (by step ref) from its kept transcripts."""
    from pathways.application.passages import case_passages

    with _store(db, create=False) as store:
        return case_passages(store, case)


def attrs_dict(value: Any) -> dict:
    import attrs

    return attrs.asdict(value)


@app.command()
@friendly
def loops(case: Annotated[Optional[str], typer.Argument(help="Only this case (its id); all cases without it.")] = None, as_of: AsOfOption = None,
          recorded_before: RecordedOption = None, reset_years: ResetOption = 3, loop_bound: BoundOption = 8,
          limit: Annotated[int, typer.Option(min=0, help="Table form: show the first N loops (0: all).")] = 500,
          account: AccountsOption = None, by: ByCodersOption = None, as_json: JsonOption = False,
          db: DbOption = DEFAULT_DB) -> None:
    """The feedback loops of one case or of all, classified, with whose accounts tell them (--json: every
    loop, and per link the accounts, coders and sources that assert it)."""
    found = _analyses(db, _settings(reset_years, loop_bound), case=case, as_of=as_of, recorded_before=recorded_before,
                      account=account, by=by)
    if as_json:
        _print_json([{**analysis.loop_json(loop), "loops_complete": analysis.loops_complete}
                     for analysis in found for loop in analysis.loops])
        return
    from pathways.outputs import terminal as views

    console = _console()
    every = [loop for analysis in found for loop in analysis.loops]
    console.print(views.loops_table(every[:limit] if limit else every))
    if limit and len(every) > limit:
        console.print(f"... and {len(every) - limit:,} more loops: --limit 0 shows all, --json prints them all")
    if not all(analysis.loops_complete for analysis in found):
        console.print(views.floor_note(found))


@app.command()
@friendly
def summary(as_of: AsOfOption = None, recorded_before: RecordedOption = None, account: AccountsOption = None,
            by: ByCodersOption = None, turned: TurnedOption = False, unstitched: UnstitchedOption = False,
            reset_years: ResetOption = 3, loop_bound: BoundOption = 8,
            as_json: JsonOption = False, db: DbOption = DEFAULT_DB) -> None:
    """Cross-case patterns: loop classes by motive, cohort and regime; archetypes; loops that turned, by
    direction; transitions; agreement; the top of the leverage ranking."""
    from pathways.application import queries
    from pathways.application.queries import TOP

    result, ranked, vignettes = _query(db, queries.summary, _settings(reset_years, loop_bound), as_of=as_of,
                                       recorded_before=recorded_before, account=account, by=by, turned=turned,
                                       unstitched=unstitched)
    if as_json:
        _print_json({**result.to_json(), "leverage": ranked.to_json(top=TOP), "vignettes": vignettes})
        return
    from pathways.outputs import terminal as views

    console = _console()
    console.print(views.summary_view(result))
    console.print(views.leverage_view(ranked, top=TOP))
    if vignettes:
        console.print(f"{plural(vignettes, 'street-level vignette')} (every contact in a caseworker's account) "
                      "not counted as cases here; their contacts count in `pathways discretion`")
    if result.several_coders:
        console.print(views.several_coders_note(result.several_coders))


@app.command()
@friendly
def leverage(
    as_of: AsOfOption = None, account: AccountsOption = None, by: ByCodersOption = None,
    min_confidence: Annotated[Optional[str], typer.Option("--min-confidence", help="Leave out loops resting on a coded link weaker than this (low, medium, high).")] = None,
    turned: TurnedOption = False, unstitched: UnstitchedOption = False,
    top: Annotated[int, typer.Option(min=0, help="Table form: the first N rows of each ranking (0: all).")] = 15,
    reset_years: ResetOption = 3, loop_bound: BoundOption = 8, as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """Across cases: the variables and contact kinds (with actors) on most loops, and the contacts that opened
    them, unfavourable loops first."""
    from pathways.application import queries

    ranked = _query(db, queries.ranking, _settings(reset_years, loop_bound), as_of=as_of, account=account, by=by,
                    min_confidence=min_confidence, turned=turned, unstitched=unstitched)
    if as_json:
        _print_json(ranked.to_json())
        return
    from pathways.outputs import terminal as views

    _console().print(views.leverage_view(ranked, top=top or None))


@app.command()
@friendly
def discretion(
    as_of: AsOfOption = None, account: AccountsOption = None, by: ByCodersOption = None,
    outcome: Annotated[str, typer.Option(help="Discretion values that count as the outcome, comma-separated.")] = "bending,breaking",
    cut: Annotated[float, typer.Option(min=0.0, max=1.0, help="Consistency at which a configuration is sufficient.")] = 0.8,
    min_n: Annotated[int, typer.Option("--min-n", min=1, help="Fewest contacts for a configuration to count as sufficient.")] = 1,
    conditions: Annotated[Optional[str], typer.Option(help="Only these conditions, comma-separated (default: every one in the catalogue).")] = None,
    reset_years: ResetOption = 3, loop_bound: BoundOption = 8, as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """The street-level question: which conditions go with going beyond the rules, as a crisp-set truth table
    (consistency, coverage of the study's claim, the minimised solution), over all contacts and per role."""
    from pathways.application import queries

    result = _query(db, queries.truth_table, _settings(reset_years, loop_bound), as_of=as_of, account=account, by=by,
                    outcome=outcome, conditions=conditions, cut=cut, min_n=min_n)
    if as_json:
        _print_json(result.to_json())
        return
    from pathways.outputs import terminal as views

    _console().print(views.discretion_view(result))


@app.command()
@friendly
def agree(
    coders: Annotated[str, typer.Option("--coders", help="The two coders to compare (recorded_by), as A,B.")],
    case: Annotated[Optional[str], typer.Argument(help="Only this case (its id); every case both coded without it.")] = None,
    reset_years: ResetOption = 3, loop_bound: BoundOption = 8, as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """How far two coders of the same cases agree: on links, loops and contacts, per case both coded and
    pooled, with Krippendorff's alpha (0.8 or more good, from 0.667 tentative, below not reliable)."""
    from pathways.application.agreement import agreement

    with _store(db, create=False) as store:
        result = agreement(store, _settings(reset_years, loop_bound), coders, case)
    if as_json:
        _print_json(result.to_json())
        return
    from pathways.outputs import terminal as views

    _console().print(views.agreement_view(result))


# -- diagrams ----------------------------------------------------------------------------------

@app.command()
@friendly
def render(
    case: Annotated[Optional[str], typer.Argument(help="The case to draw (or --all, --map).")] = None,
    all_cases: Annotated[bool, typer.Option("--all", help="Every case.")] = False,
    case_map: Annotated[bool, typer.Option("--map", help="The cross-case map of contact kinds.")] = False,
    kind: Annotated[str, typer.Option(help="pathway, loops or both.")] = "both",
    each_loop: Annotated[bool, typer.Option("--each-loop", help="One loop diagram per loop (CASE-loop-R1...): its variables, links, label and class.")] = False,
    fmt: Annotated[str, typer.Option("--format", help="svg (default), pdf, png (144 dpi) or dot; none needs a system Graphviz.")] = "svg",
    out: Annotated[Path, typer.Option(help="Folder for the files.")] = Path("diagrams"),
    force: Annotated[bool, typer.Option(help="Overwrite existing files.")] = False,
    as_of: AsOfOption = None, account: AccountsOption = None, by: ByCodersOption = None, reset_years: ResetOption = 3,
    loop_bound: BoundOption = 8, as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """Draw pathway and causal loop diagrams (SVG without any system Graphviz)."""
    from pathways.application import queries
    from pathways.outputs.render import engine, files

    if (case is not None) + all_cases == 0 and not case_map:
        raise PathwaysError("name a CASE, or use --all or --map", field="CASE")
    if case is not None and all_cases:
        raise PathwaysError("give either a CASE or --all, not both", field="CASE")
    engine.check_format(fmt)  # before any work
    diagrams = _query(db, queries.diagrams, _settings(reset_years, loop_bound), case=case, all_cases=all_cases,
                      case_map=case_map, kind=kind, as_of=as_of, account=account, by=by,
                      each_loop=each_loop)
    removed: list[Path] = []
    with _progress("rendering", len(diagrams)) as advance:
        paths = files.write_diagrams(diagrams, out, fmt, force=force, progress=advance, whole=all_cases,
                                     removed=removed)
    renderer = None if fmt == "dot" else engine.renderer_name()  # DOT source is written, not laid out
    if as_json:
        _print_json({"files": [str(path) for path in paths], "renderer": renderer,
                     "removed": [str(path) for path in removed]})
    else:
        typer.echo(f"wrote {len(paths)} file{'' if len(paths) == 1 else 's'} to {out}/"
                   + (f" with the {renderer} renderer" if renderer else "") + _removed(removed))


def _removed(removed: list[Path]) -> str:
    return (f"; removed {plural(len(removed), 'file')} an earlier run wrote there and this one did not"
            if removed else "")


@app.command()
@friendly
def report(
    out: Annotated[Path, typer.Option(help="Folder for the report (index.html and its pages).")] = Path("report"),
    as_of: AsOfOption = None, account: AccountsOption = None, by: ByCodersOption = None,
    unstitched: UnstitchedOption = False,
    pseudonymise: Annotated[bool, typer.Option("--pseudonymise", help="Keyed pseudonyms for case ids, no free text, dates to the year.")] = False,
    force: Annotated[bool, typer.Option(help="Write over an earlier report.")] = False,
    reset_years: ResetOption = 3, loop_bound: BoundOption = 8, db: DbOption = DEFAULT_DB,
) -> None:
    """Write a static HTML report to read and share: cases, pathways and loop diagrams, quotes, loops across
    cases, leverage, the discretion truth table, the case map. Opens from the file system; no network."""
    from pathways.application import queries
    from pathways.outputs.report import write_report
    from pathways.outputs.render.engine import render

    # The cases are read one at a time as the pages are written: the store stays open until the last.
    removed: list[Path] = []
    with _store(db, create=False) as store:
        with _progress("projecting", store.last_position()) as advance:
            contents = queries.report_contents(store, _settings(reset_years, loop_bound), as_of=as_of,
                                               account=account, by=by, unstitched=unstitched,
                                               pseudonymise=pseudonymise, progress=advance)
        with _progress("writing the report", contents.cases + 5) as advance:
            pages = write_report(contents, out, lambda graph: render(graph, "svg"), force=force, progress=advance,
                                 removed=removed)
    figures = sum(1 for page in pages if page.suffix == ".svg")
    typer.echo(f"wrote {plural(len(pages) - figures, 'page')} and {plural(figures, 'figure')} to {out}/ "
               f"(open {out / 'index.html'})" + _removed(removed))


# -- exchange ------------------------------------------------------------------------------------

@app.command()
@friendly
def export(
    fmt: Annotated[str, typer.Option("--format", help="jsonl, csv, xes, spell, sts, graphml, xmile or qdpx (REFI-QDA).")],
    case: Annotated[Optional[str], typer.Option("--case", help="Only this case.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write here (default: standard output).")] = None,
    pooled: Annotated[bool, typer.Option("--pooled", help="graphml: one graph pooled over all cases.")] = False,
    pseudonymise: Annotated[bool, typer.Option("--pseudonymise", help="Keyed pseudonyms for case ids, no free text, dates to the year.")] = False,
    reset_years: ResetOption = 3, loop_bound: BoundOption = 8, db: DbOption = DEFAULT_DB,
) -> None:
    """Export the events or the projections for other tools (streams; constant memory in cases); `qdpx`
    writes a REFI-QDA project for ATLAS.ti, NVivo, MAXQDA or QualCoder (needs --out)."""
    from pathways.application import exports

    settings = _settings(reset_years, loop_bound)
    if fmt == "qdpx":
        return _export_qdpx(db, settings, out, case, pseudonymise)
    exports.check_format(fmt)  # before any work
    with _store(db, create=False) as store:
        count = exports.export(store, settings, fmt, out=out, stdout=sys.stdout, case=case, pooled=pooled,
                               pseudonymise=pseudonymise)
        last = store.last()
    if out is None:
        return
    typer.echo(f"wrote {plural(count, exports.counted(fmt))} as {fmt} to {out} "
               f"(log head {last}: `pathways verify --head {last}` proves the log still holds it)", err=True)


def _export_qdpx(db: str, settings: Any, out: Optional[Path], case: Optional[str], pseudonymise: bool) -> None:
    from pathways.application import qda_export

    if out is None:
        raise PathwaysError("--format qdpx writes a zip: give --out FILE.qdpx", field="--out")
    with _store(db, create=False) as store:
        secret = store.log.keyring().project_secret() if pseudonymise else None
        done = qda_export.export_project(store, settings, out, case=case, secret=secret)
    typer.echo(f"wrote {plural(done.cases, 'case')}, {plural(done.selections, 'coded selection')}, "
               f"{plural(done.links, 'because link')}, {plural(done.sets, 'loop set')} and "
               f"{plural(done.graphs, 'diagram')} as REFI-QDA to {out}"
               + (f" ({done.skipped} researcher readings have no REFI-QDA form and were left out)" if done.skipped
                  else ""), err=True)


@app.command()
@friendly
def codebook(
    out: Annotated[Optional[Path], typer.Option("--out", help="The codebook file to write (.qdc).")] = None,
    fmt: Annotated[Optional[str], typer.Option("--format", help="qdc: a REFI-QDA codebook (with --out).")] = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="The listing as Markdown, for a methods appendix.")] = False,
    as_json: JsonOption = False, db: DbOption = DEFAULT_DB,
) -> None:
    """The codebook: every key in force (shipped and the project's own) with its definition, who added it
    and how many live events use it. With --out, the catalogue in force as a REFI-QDA codebook (.qdc), to
    import into ATLAS.ti, NVivo, MAXQDA or QualCoder before coding with it."""
    if out is None and fmt is not None:
        raise PathwaysError(f"--format {fmt} writes a codebook file: give --out FILE (without both, the "
                            "codebook is listed)", field="--out")
    if out is not None and (fmt or "qdc") != "qdc":
        raise PathwaysError(f"unknown codebook format '{fmt}' (use qdc)", field="--format")
    with _store(db, create=False) if _exists(db) else _store(":memory:", create=True) as store:
        if out is not None:
            from pathways.application import qda_export

            count = qda_export.export_codebook(store, out)
        else:
            from pathways.application.codebook import codebook as listing

            found = listing(store)
    if out is not None:
        typer.echo(f"wrote the pathways codebook ({count} codes) to {out}: import it into your QDA tool and code "
                   "with it")
        return
    if as_json:
        _print_json(found.to_json())
        return
    from pathways.outputs import codebook_views

    if markdown:
        typer.echo(codebook_views.codebook_markdown(found))
        return
    _console().print(codebook_views.codebook_table(found))


# -- demo ----------------------------------------------------------------------------------------

@app.command()
@friendly
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the diagrams.")] = Path("pathways-demo"),
    db: Annotated[Optional[Path], typer.Option("--db", help="Keep the database here (default: a temporary one).")] = None,
) -> None:
    """Load the study's cases and the street-level vignettes, rebuild, print the cross-case loop summary and
    the discretion truth table, and write every diagram."""
    import tempfile
    import time

    from pathways.application.demo_run import run_demo
    from pathways.application.queries import TOP
    from pathways.outputs import terminal as views
    from pathways.outputs.render import engine, files

    started = time.perf_counter()
    console = _console()
    with tempfile.TemporaryDirectory() as scratch:
        path = db or Path(scratch) / "demo.db"
        with _store(path, create=True, seal=False) as store:  # the study's published cases: public data
            run = run_demo(store, _settings(3, 8))
        console.print(views.summary_view(run.summary))
        console.print(views.leverage_view(run.leverage, top=TOP))
        console.print(views.discretion_view(run.discretion))
        console.print("\nThe same over the condition the sources state most often (`pathways discretion "
                      "--conditions policy-assessment`):")
        console.print(views.discretion_view(run.single, by_role=False))
        with _progress("rendering", len(run.diagrams)) as advance:
            paths = files.write_diagrams(run.diagrams, out, "svg", force=True, progress=advance, whole=True)
    seconds = time.perf_counter() - started
    agreement = run.summary.agreement()
    found, every = run.found, run.every
    typer.echo(f"\n{len(found)} study cases and {len(every) - len(found)} street-level vignettes, "
               f"{run.events} events, {run.summary.loops} loops; "
               f"{agreement['agrees']} of {agreement['readings']} researcher readings agree, "
               f"{agreement['unread']} computed loops unread. "
               f"{len(paths)} diagrams in {out}/ ({engine.renderer_name()} renderer), {seconds:.1f}s in all.")
    where = f" --db {db or 'demo.db'}"
    prog = sys.argv[0] if sys.argv[0].endswith("pathways") else "pathways"  # as invoked: .venv/bin/pathways
    typer.echo(f"Next: open {out}/ir-1995-loops.svg, or keep a database with `{prog} demo --db demo.db` and try "
               f"`{prog} show ir-1995{where}`, `{prog} loops --json{where}`, `{prog} discretion{where}`.")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
