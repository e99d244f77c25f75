"""A team moving off Rasa keeps its action code: the same ``rasa_sdk.Action`` class runs in
process (``KEFU_ACTION_PACKAGES``) and on its own rasa-sdk action server, which kefu calls
with Rasa's ``/webhook`` protocol (``KEFU_ACTION_ENDPOINT``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.dialogue.team_actions import ActionPackageError, load_action_packages
from tests.e2e.chat_support import chat_app, seed_fast
from tests.e2e.test_chat_action_server import ROOT, _wait_healthy, free_port

INTENT = "faq_opening_hours"


def team_config(tmp_path: Path) -> Path:
    """kefu's config, with the opening-hours rule pointing at the team's action."""
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    domain = yaml.safe_load((config / "domain.yml").read_text(encoding="utf-8"))
    domain["actions"].append("action_store_hours")
    (config / "domain.yml").write_text(yaml.safe_dump(domain, allow_unicode=True))
    rules = yaml.safe_load((config / "rules.yml").read_text(encoding="utf-8"))
    for rule in rules["rules"]:
        if rule.get("steps", [{}])[0].get("intent") == INTENT:
            rule["steps"][1] = {"action": "action_store_hours"}
    (config / "rules.yml").write_text(yaml.safe_dump(rules, allow_unicode=True))
    return config


@pytest.fixture(scope="module")
def action_server():
    """``python -m rasa_sdk --actions tests.e2e.team_actions`` on a free port."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "tests.e2e.team_actions",
         "--port", str(port)], cwd=ROOT, env=dict(os.environ),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(proc, url)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


async def ask_hours(aiohttp_client, sqlite_url: str, tmp_path: Path, nlu_model_dir: Path,
                    **settings: object) -> list[dict]:
    await seed_fast(sqlite_url)
    app = chat_app(sqlite_url, tmp_path / "data", nlu_model_dir,
                   config_dir=team_config(tmp_path), **settings)
    client = await aiohttp_client(app)
    resp = await client.post("/webhooks/rest/webhook",
                             json={"sender": "t1", "message": f"/{INTENT}"})
    assert resp.status == 200, await resp.text()
    return await resp.json()


def test_packages_load_every_action_class_and_reject_bad_names() -> None:
    actions = load_action_packages(["tests.e2e.team_actions"])
    assert list(actions) == ["action_store_hours"]
    with pytest.raises(ActionPackageError, match="cannot import"):
        load_action_packages(["tests.e2e.no_such_module"])
    with pytest.raises(ActionPackageError, match="defines no rasa_sdk.Action"):
        load_action_packages(["tests.e2e.chat_support"])


async def test_team_action_runs_in_process(aiohttp_client, sqlite_url, tmp_path,
                                           nlu_model_dir) -> None:
    items = await ask_hours(aiohttp_client, sqlite_url, tmp_path, nlu_model_dir,
                            action_packages=("tests.e2e.team_actions",))
    assert items == [{"recipient_id": "t1", "text": "Our Riverside store opens 9-18 (en).",
                      "buttons": [{"title": "Thanks", "payload": "/thanks"}]}]


async def test_team_action_runs_on_its_rasa_sdk_server(aiohttp_client, sqlite_url, tmp_path,
                                                       nlu_model_dir, action_server) -> None:
    items = await ask_hours(aiohttp_client, sqlite_url, tmp_path, nlu_model_dir,
                            action_endpoint=f"{action_server}/webhook")
    assert items == [{"recipient_id": "t1", "text": "Our Riverside store opens 9-18 (en).",
                      "buttons": [{"title": "Thanks", "payload": "/thanks"}]}]


async def test_unreachable_action_server_gets_an_apology_not_an_error(
        aiohttp_client, sqlite_url, tmp_path, nlu_model_dir) -> None:
    items = await ask_hours(aiohttp_client, sqlite_url, tmp_path, nlu_model_dir,
                            action_endpoint=f"http://127.0.0.1:{free_port()}/webhook")
    assert len(items) == 1 and "sorry" in items[0]["text"].lower()
