"""A throwaway PostgreSQL cluster for the tests and the benchmarks: initdb and pg_ctl in a temporary
folder, on a free port of 127.0.0.1, run by an unprivileged user when we are root, stopped and
removed on the way out, whatever happened inside."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MISSING = ("no PostgreSQL server programs (initdb, pg_ctl): the PostgreSQL tests are skipped; install them "
           "with `apt-get install postgresql` (or your system's package) to run them")


def server_programs() -> Path | None:
    """The folder of initdb and pg_ctl, from PATH or Debian's versioned folders."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    return Path(folders[-1]) if folders and Path(folders[-1], "initdb").exists() else None


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Yields the cluster's base URL (`postgresql://pathways@127.0.0.1:PORT`); append `/DATABASE`."""
    bin_dir = server_programs()
    if bin_dir is None:
        raise FileNotFoundError(MISSING)
    folder = Path(tempfile.mkdtemp(prefix="pathways-pg-"))
    user: dict = {}
    if os.geteuid() == 0:
        names = {entry.pw_name for entry in pwd.getpwall()}
        account = pwd.getpwnam("postgres" if "postgres" in names else "nobody")
        os.chown(folder, account.pw_uid, account.pw_gid)
        user = {"user": account.pw_uid, "group": account.pw_gid}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = folder / "data"
    run = dict(check=True, capture_output=True, cwd=folder, **user)
    try:
        subprocess.run([str(bin_dir / "initdb"), "-D", str(data), "-U", "pathways", "--auth=trust", "-E", "UTF8",
                        "--no-instructions"], **run)
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        subprocess.run([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w",
                        "start"], **run)
        yield f"postgresql://pathways@127.0.0.1:{port}"
    finally:
        if data.exists():
            subprocess.run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                           capture_output=True, cwd=folder, **user)
        shutil.rmtree(folder, ignore_errors=True)


def create_database(cluster: str, name: str) -> str:
    import psycopg

    with psycopg.connect(f"{cluster}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return f"{cluster}/{name}"
