"""``kefu db backup PATH`` / ``kefu db restore PATH``: SQLite through its online backup
API (a consistent copy while the server writes), PostgreSQL through pg_dump/pg_restore
(custom format). Backups hold encrypted PII but also password hashes: written 0600."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from crm_core.db import ensure_private_file
from crm_core.errors import ServiceUnavailable, InvalidInput


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    u = make_url(url)
    args = ["--host", u.host or "127.0.0.1", "--port", str(u.port or 5432),
            "--username", u.username or "postgres", "--dbname", u.database or ""]
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = u.password
    return args, env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    if shutil.which(cmd[0]) is None:
        raise ServiceUnavailable(f"{cmd[0]} is not installed (apt-get install postgresql-client)")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode != 0:
        raise ServiceUnavailable(f"{cmd[0]} failed: {done.stderr.strip()[-500:]}")


def backup(url: str, path: Path) -> Path:
    """Write a backup of the database at ``url`` to ``path`` (mode 0600)."""
    path = Path(path)
    if path.exists() and path.is_dir():
        raise InvalidInput(f"{path} is a directory")
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        src_path = Path(u.database or "")
        if not src_path.is_file():
            raise InvalidInput(f"no database file at {src_path}")
        tmp = path.with_name(path.name + ".part")
        tmp.unlink(missing_ok=True)
        ensure_private_file(tmp)
        with sqlite3.connect(src_path) as src, sqlite3.connect(tmp) as dst:
            src.backup(dst)
        os.replace(tmp, path)
        return path
    args, env = _pg_args(url)
    ensure_private_file(path)
    _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(path), *args], env)
    return path


def restore(url: str, path: Path) -> None:
    """Replace the database at ``url`` with the backup at ``path``."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"no backup file at {path}")
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        dst_path = Path(u.database or "")
        ensure_private_file(dst_path)
        with sqlite3.connect(path) as src:
            if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise InvalidInput(f"{path} is not a sound SQLite database")
            with sqlite3.connect(dst_path) as dst:
                src.backup(dst)
        return
    args, env = _pg_args(url)
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
          *args, str(path)], env)
