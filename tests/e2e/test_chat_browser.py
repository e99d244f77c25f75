"""The web chat page in a real browser (Debian chromium driven by Playwright)."""

from __future__ import annotations

import shutil

import pytest

from tests.e2e.chat_support import Seeded, chat_app_with_nlu, seed_fast as seed

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"{CHROMIUM} not installed "
                       "(Makefile SYSTEM_PACKAGES installs it)"),
]


@pytest.fixture
async def base_url(aiohttp_client, sqlite_url: str, tmp_path, nlu_model_dir):
    seeded = await seed(sqlite_url)
    client = await aiohttp_client(chat_app_with_nlu(sqlite_url, tmp_path, nlu_model_dir))
    return str(client.make_url("/")).rstrip("/"), seeded


async def bot_says(page, text: str) -> None:
    await page.locator("li.kefu-msg.bot", has_text=text).last.wait_for(timeout=15_000)


async def test_order_status_in_the_browser(base_url: tuple[str, Seeded]) -> None:
    from playwright.async_api import async_playwright

    url, seeded = base_url
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            await page.goto(url + "/")
            await page.wait_for_selector("#kefu-status[data-state=online]")

            await page.fill("#kefu-text", f"Where is my order {seeded.ann_shipped}?")
            await page.press("#kefu-text", "Enter")
            await bot_says(page, "email")
            assert "TRACK-ANN-1" not in await page.inner_text("#kefu-log")

            await page.fill("#kefu-text", "ann@example.com")
            await page.click("#kefu-send")
            await bot_says(page, "TRACK-ANN-1")
            assert "shipped" in await page.inner_text("#kefu-log")

            # Markup typed by anyone is shown as text, never run.
            await page.fill("#kefu-text", '<img src=x onerror="alert(1)">')
            await page.click("#kefu-send")
            await page.locator("li.kefu-msg.user", has_text="<img src=x").wait_for()
            assert await page.locator("#kefu-log img").count() == 0

            # Quick replies: goodbye brings the 1-5 rating buttons; clicking one answers.
            await page.fill("#kefu-text", "bye")
            await page.click("#kefu-send")
            await page.locator(".kefu-buttons button", has_text="5").wait_for()
            await page.locator(".kefu-buttons button", has_text="5").click()
            await bot_says(page, "feedback")

            # A reload reconnects to the same session and restores the history.
            await page.reload()
            await page.wait_for_selector("#kefu-status[data-state=online]")
            await bot_says(page, "TRACK-ANN-1")
            assert dialogs == []
        finally:
            await browser.close()
