"""What a command wrote into an output folder (`report`, `render`), kept in the folder itself.

A folder written again must hold no file of a case that is no longer there (erased by `forget`, or no
longer asked for): the command that writes the whole folder removes the files an earlier run listed
here that it did not write again. Only files listed here, inside the folder, are ever removed: a
file the user put beside them is never touched.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from events.errors import PathwaysError

NAME = ".pathways-manifest.json"
FORMAT = "pathways-output-manifest"


class Manifest:
    """The files an earlier run of `writer` (`report`, `render`) listed in `out`, and the rewrite of
    that list. Each writer has its own list: a report written into a folder of diagrams removes
    none of them."""

    def __init__(self, out: Path, writer: str) -> None:
        self.out, self.writer = out, writer
        self.others = {name: files for name, files in _read(out).items() if name != writer}
        self.listed = set(_read(out).get(writer, ()))

    def _inside(self, name: str) -> Path | None:
        """The listed file, when the name is a plain relative path that stays inside the folder."""
        pure = PurePosixPath(name)
        if pure.is_absolute() or not pure.parts or any(part in ("", ".", "..") for part in pure.parts):
            return None
        path = self.out.joinpath(*pure.parts)
        try:
            path.resolve().relative_to(self.out.resolve())
        except ValueError:  # through a symlinked folder, out of `out`
            return None
        return path

    def stale(self, kept: Iterable[Path]) -> list[Path]:
        """Files listed before, still there, that this run does not write again."""
        names = {self._name(path) for path in kept}
        found = (self._inside(name) for name in sorted(self.listed - names))
        return [path for path in found if path is not None and path.is_file() and not path.is_symlink()]

    def check(self, kept: Iterable[Path], *, force: bool) -> None:
        """Without --force nothing of an earlier run is removed (nor overwritten, checked by the caller)."""
        stale = self.stale(kept)
        if stale and not force:
            raise PathwaysError(f"{stale[0]} was written by an earlier run and would be removed "
                                f"({len(stale)} file{'' if len(stale) == 1 else 's'}; use --force)", field="--out")

    def finish(self, written: Iterable[Path], *, whole: bool) -> list[Path]:
        """List what this run wrote; when it wrote the whole folder, remove what an earlier run wrote
        and this one did not. Returns the files removed."""
        written = list(written)
        names = {self._name(path) for path in written}
        self._write(self.listed | names)  # a run cut short below still lists every file it may leave
        if not whole:
            self.listed |= names
            return []
        removed = []
        for path in self.stale(written):
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            except OSError as error:
                raise PathwaysError(f"cannot remove {path}, written by an earlier run: {error.strerror}",
                                    field="--out") from None
            removed.append(path)
        self.listed = names
        self._write(names)
        return removed

    def _name(self, path: Path) -> str:
        return path.relative_to(self.out).as_posix()

    def _write(self, names: set[str]) -> None:
        partial = self.out / f".{NAME}.partial"
        writers = {**self.others, self.writer: sorted(names)}
        partial.write_text(json.dumps({"format": FORMAT, "version": 1, "files": dict(sorted(writers.items()))},
                                      indent=1) + "\n", encoding="utf-8")
        os.replace(partial, self.out / NAME)


def _read(out: Path) -> dict[str, list[str]]:
    """The names each writer listed; none when there is no manifest or it is not ours (then nothing
    is removed: a file is removed only on the word of a manifest pathways wrote)."""
    try:
        document = json.loads((out / NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = document.get("files") if isinstance(document, dict) and document.get("format") == FORMAT else None
    if not isinstance(files, dict):
        return {}
    return {writer: [name for name in names if isinstance(name, str)]
            for writer, names in files.items() if isinstance(writer, str) and isinstance(names, list)}
