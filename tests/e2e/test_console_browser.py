"""The agent console in a real browser (Debian chromium driven by Playwright)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from bot.gateway import keys
from tests.e2e.console_world import PASSWORD, console_app, seed

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"{CHROMIUM} not installed "
                       "(Makefile SYSTEM_PACKAGES installs it)"),
]


@pytest.fixture
async def client(aiohttp_client: Any, sqlite_url: str, tmp_path, nlu_model_dir) -> Any:
    await seed(sqlite_url)
    return await aiohttp_client(console_app(sqlite_url, tmp_path / "data", nlu_model_dir))


async def next_event(feed: Any, kind: str) -> Any:
    while True:
        event = await feed.get(timeout=15)
        if event.kind.value == kind:
            return event


async def test_agent_takes_a_customer_in_the_browser(client: Any) -> None:
    from playwright.async_api import async_playwright

    app = client.server.app
    hub = app[keys.LIVE_CHAT]
    url = str(client.make_url("/console"))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            await page.goto(url)
            await page.fill("#email", "alice@kefu.test")
            await page.fill("#password", "wrong")
            await page.click("#login-form button")
            await page.locator("#login-error", has_text="wrong").wait_for(timeout=10_000)
            await page.fill("#password", PASSWORD)
            await page.click("#login-form button")
            await page.locator("#status", has_text="connected").wait_for(timeout=10_000)
            assert await page.is_hidden("#supervisor")

            chat = await client.ws_connect("/ws/chat")
            await chat.send_json({"type": "hello"})
            session = await chat.receive_json(timeout=10)
            sender = session["session_id"]
            async with hub.customer_feed(sender) as customer:
                await chat.send_json({"type": "message", "text": "/human_handoff"})
                await page.locator("#offers button.accept").wait_for(timeout=15_000)
                await page.click("#offers button.accept")
                await next_event(customer, "agent_joined")
                await page.locator("#transcript .msg.customer").first.wait_for(timeout=10_000)

                await page.select_option("#canned", label="Checking")
                assert "patience" in await page.input_value("#reply")
                await page.click("#send")
                said = await next_event(customer, "agent")
                assert "patience" in said.text

                await hub.post_customer_message(sender, '<img src=x onerror="alert(1)">')
                await page.locator("#transcript .msg.customer", has_text="<img src=x").wait_for(
                    timeout=10_000)
                assert await page.locator("#transcript img").count() == 0

                await page.fill("#note", "Customer sounds upset; refund likely")
                await page.click("#note-form button")
                await page.locator("#transcript .msg.note").wait_for(timeout=10_000)

                await page.click("#resolve")
                ask = await next_event(customer, "csat_request")
                assert ask.data["scale"] == [1, 2, 3, 4, 5]
                await page.locator("#chat-title", has_text="No conversation").wait_for()
            await chat.close()
            assert dialogs == []
        finally:
            await browser.close()
