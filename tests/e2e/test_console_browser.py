"""The agent console in a real browser (Debian chromium driven by Playwright)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.gateway import keys
from tests.e2e.console_world import PASSWORD, console_app, seed
from tests.e2e.test_console_supervisor import seed_history

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
HISTORY_MONDAY = today - timedelta(days=today.weekday() + 21)
HISTORY_END = HISTORY_MONDAY + timedelta(days=13)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"{CHROMIUM} not installed "
                       "(Makefile SYSTEM_PACKAGES installs it)"),
]


@pytest.fixture
async def client(aiohttp_client: Any, sqlite_url: str, tmp_path, nlu_model_dir) -> Any:
    world = await seed(sqlite_url)
    # Two recent weeks for the staffing page (it forecasts from the last 12 weeks).
    await seed_history(sqlite_url, world.agents, monday=HISTORY_MONDAY)
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
            assert await page.is_hidden("#nav")  # no supervisor pages for agents

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
            # Alice steps away, so the customer below is offered to the supervisor.
            await page.select_option("#presence", "away")
            await wait_until_away(client, "Alice")
            await supervisor_pages(browser, url, client)
        finally:
            await browser.close()


async def wait_until_away(client: Any, name: str) -> None:
    import asyncio

    router = client.server.app[keys.ROUTER]
    for _ in range(100):
        agents = (await router.snapshot()).agents
        if all(a.presence.value != "available" for a in agents if a.profile.name == name):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{name} is still available")


async def supervisor_pages(browser: Any, url: str, client: Any) -> None:
    """A supervisor opens the staffing page (bad input, then a plan with its chart), the
    service report (table, chart, CSV download) and a customer's panel (analytics and
    recommendations)."""
    page = await browser.new_page()
    await page.goto(url)
    await page.fill("#email", "sue@kefu.test")
    await page.fill("#password", PASSWORD)
    await page.click("#login-form button")
    await page.locator("#nav").wait_for(timeout=10_000)

    await page.click("#nav button[data-page=staffing-page]")
    assert await page.is_hidden("#desk")
    await page.fill("#st-zone", "Mars/Base")
    await page.click("#st-plan")
    await page.locator("#staffing-message", has_text="unknown timezone").wait_for(timeout=10_000)
    await page.fill("#st-zone", "UTC")
    await page.fill("#st-hours", "4")
    await page.click("#st-plan")
    # Either outcome ends the wait; a refusal (thin history, ...) then fails with its text.
    await page.locator("#staffing-summary:has-text('Optimal'), #staffing-message:not(:empty)"
                       ).first.wait_for(timeout=30_000)
    assert await page.text_content("#staffing-message") == ""
    await page.locator("#staffing-chart[src^=blob]").wait_for(timeout=15_000)
    assert await page.locator("#staffing-table tbody tr").count() > 0
    assert await page.evaluate("document.getElementById('staffing-chart').naturalWidth") > 100

    await page.click("#nav button[data-page=report-page]")
    await page.fill("#rp-from", f"{HISTORY_MONDAY:%Y-%m-%d}")
    await page.fill("#rp-to", f"{HISTORY_END:%Y-%m-%d}")
    await page.select_option("#rp-by", "team")
    await page.click("#rp-show")
    await page.locator("#report-table tbody td", has_text="orders").wait_for(timeout=15_000)
    await page.locator("#report-chart[src^=blob]").wait_for(timeout=15_000)
    async with page.expect_download(timeout=15_000) as download:
        await page.click("#rp-csv")
    assert (await download.value).suggested_filename == \
        f"service-report-{HISTORY_MONDAY:%Y-%m-%d}-{HISTORY_END:%Y-%m-%d}.csv"

    import time

    from routing.model import Task

    await page.click("#nav button[data-page=desk]")
    router = client.server.app[keys.ROUTER]
    # Ann, the seeded world's only customer, is customer 1.
    await router.enqueue(Task("ann-1", customer_id=1, enqueued_at=time.time()))
    await router.dispatch()
    await page.click("#offers button.accept", timeout=15_000)
    await page.locator("#insight", has_text="Why this segment").wait_for(timeout=15_000)
    await page.locator("#recommendations", has_text="popularity fallback").wait_for()
    await page.close()
