"""Schemathesis against every REST operation of the real app (aiohttp test server, a
migrated and seeded SQLite database, a token from a real sign-in): valid and invalid
inputs generated from the OpenAPI document, bounded so the run takes about a minute.

Passes when no request got a 5xx, every response matched its documented status, schema,
headers and content type, and no request that breaks the schema was accepted (2xx).
Figures (requests, 5xx): SECURITY.md, "Edge limits".
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.gateway.app import create_app
from bot.settings import Settings
from tests.e2e.api_world import PASSWORD, SECRET, data_dir_with_nlu, seeded_sqlite_template  # noqa: F401

# positive_data_acceptance is left out: valid-by-schema inputs the services refuse with a
# 400 remain (see SECURITY.md); ST_CHECKS=all / ST_PHASES override for a local run.
CHECKS = os.environ.get("ST_CHECKS") or ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance", "negative_data_rejection",
    "missing_required_header", "unsupported_method", "ignored_auth", "use_after_free",
    "ensure_resource_availability",
])
# Test cases per operation and phase; KEFU_SCHEMATHESIS_EXAMPLES raises it for a long run.
MAX_EXAMPLES = int(os.environ.get("KEFU_SCHEMATHESIS_EXAMPLES", "50"))


async def run_schemathesis(base: str, token: str, out: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "schemathesis.cli", "run", f"{base}/api/openapi.json",
        "--checks", CHECKS, "-H", f"Authorization: Bearer {token}",
        "--max-examples", str(MAX_EXAMPLES), "--seed", "15", "--workers", "1",
        "--phases", os.environ.get("ST_PHASES", "examples,coverage,fuzzing,stateful"), "--no-shrink",
        "--request-timeout", "20", "--suppress-health-check", "all",
        "--report", "ndjson", "--report-ndjson-path", str(out / "events.ndjson"),
        "--output-truncate", "false", "--warnings", "off",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""}, cwd=out)
    stdout, _ = await asyncio.wait_for(proc.communicate(), timeout=400)
    return proc.returncode or 0, stdout.decode(errors="replace")


def count_requests(events: Path) -> tuple[int, int]:
    """(requests sent, answers with a 5xx status) recorded in the ndjson report."""
    sent = server_errors = 0
    for line in events.read_text().splitlines():
        for status in _statuses(json.loads(line)):
            sent += 1
            server_errors += status >= 500
    return sent, server_errors


def _statuses(event: Any) -> list[int]:
    found: list[int] = []
    stack = [event]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "response" in item and isinstance(item["response"], dict) \
                    and isinstance(item["response"].get("status_code"), int):
                found.append(item["response"]["status_code"])
            stack.extend(v for k, v in item.items() if k != "response")
        elif isinstance(item, list):
            stack.extend(item)
    return found


@pytest.mark.slow
async def test_schemathesis_finds_no_5xx_and_no_schema_violation_accepted(
        aiohttp_server, tmp_path: Path, nlu_model_dir: Path,
        seeded_sqlite_template) -> None:
    template, world = seeded_sqlite_template
    db = tmp_path / "kefu.sqlite3"
    shutil.copyfile(template, db)
    settings = Settings(database_url=f"sqlite+aiosqlite:///{db}", secret_key=SECRET,
                        data_dir=data_dir_with_nlu(tmp_path / "data", nlu_model_dir),
                        rate_limit_api="", rate_limit_login="", rate_limit_chat="")
    server = await aiohttp_server(create_app(settings))
    base = str(server.make_url("")).rstrip("/")
    from aiohttp import ClientSession

    async with ClientSession() as http, http.post(f"{base}/api/v1/auth/login", json={
            "email": "admin@kefu.test", "password": PASSWORD}) as resp:
        assert resp.status == 200
        token = (await resp.json())["access_token"]
    out = tmp_path / "schemathesis"
    out.mkdir()
    # Valid data may still break a business rule: that is a documented 422, not a bug.
    (out / "schemathesis.toml").write_text(
        '[checks.positive_data_acceptance]\n'
        'expected-statuses = ["2xx", "401", "403", "404", "409", "422"]\n')
    code, output = await run_schemathesis(base, token, out)
    sent, server_errors = count_requests(out / "events.ndjson")
    print(f"schemathesis: {sent} requests, {server_errors} with a 5xx", file=sys.stderr)
    print(output, file=sys.stderr)
    assert server_errors == 0, output[-6000:]
    assert code == 0, output[-6000:]
    assert sent > 1000
