"""The /api/docs page really renders in a browser (Debian chromium, offline) and its
sign-in and "Try it" work against the real app."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.e2e.api_world import PASSWORD, Api, api, seeded_sqlite_template  # noqa: F401

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.browser
async def test_docs_page_lists_every_operation_and_tries_one(api: Api) -> None:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is required in CI")
        pytest.skip(f"chromium not found at {CHROMIUM}")
    from playwright.async_api import async_playwright

    doc = await (await api.client.get("/api/openapi.json")).json()
    operations = sum(len(ops) for ops in doc["paths"].values())
    base = str(api.client.make_url("/")).rstrip("/")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = await browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            await page.goto(base + "/api/docs")
            await page.wait_for_selector("details.op")
            rendered = await page.locator("details.op > summary .m").count()
            assert rendered == operations
            await page.fill("#email", "agent@kefu.test")
            await page.fill("#password", PASSWORD)
            await page.click("#login button")
            # Polled from here: the page's CSP forbids eval, which wait_for_function needs.
            await poll(page, "document.getElementById('token').value.length > 20")
            listing = page.locator("details.op", has_text="List customers")
            await listing.locator("summary").click()
            await listing.locator("button", has_text="Try it").click()
            await poll(page,
                       "[...document.querySelectorAll('pre.out')].some(p => p.textContent.length)")
            out = await listing.locator("pre.out").text_content()
            assert out.startswith("200") and "Ann Lee" in out
            assert errors == []
        finally:
            await browser.close()


async def poll(page, expression: str, timeout: float = 10.0) -> None:
    """Wait until ``expression`` is true in the page (``page.evaluate`` runs through the
    DevTools protocol, so it works under a CSP without 'unsafe-eval')."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await page.evaluate(expression):
        assert loop.time() < deadline, f"timed out waiting for {expression}"
        await asyncio.sleep(0.1)
