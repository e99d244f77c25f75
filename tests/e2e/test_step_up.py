"""The second factor before an order change, through the real app and a real SMTP server
(aiosmtpd): the code is mailed to the email on file, a wrong code changes nothing, the
right one lets the change through, and with no mail server nothing changes either."""

from __future__ import annotations

import email
import re
import socket

import pytest
from aiosmtpd.controller import Controller

from tests.e2e.chat_support import Seeded, chat_app, seed_fast as seed


class Inbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def code_for(self, address: str) -> str:
        [message] = [m for m in self.messages if m["To"] == address][-1:]
        body = message.get_payload(decode=True).decode()
        return re.search(r"\b(\d{6})\b", body).group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
async def seeded(sqlite_url: str) -> Seeded:
    return await seed(sqlite_url)


@pytest.fixture
async def client(aiohttp_client, sqlite_url, seeded, tmp_path, nlu_model_dir, smtp):
    controller, _ = smtp
    return await aiohttp_client(chat_app(
        sqlite_url, tmp_path, nlu_model_dir, email_smtp_host="127.0.0.1",
        email_smtp_port=controller.port, email_from="Shop <help@shop.example>"))


async def say(client, sender: str, text: str) -> str:
    resp = await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
    assert resp.status == 200, await resp.text()
    return "\n".join(i.get("text", "") for i in await resp.json())


async def order_status(url: str, number: str) -> str:
    from crm_core.db import create_engine, create_session_factory
    from crm_core.services import orders
    from crm_core.unit_of_work import SqlUnitOfWork

    engine = create_engine(url)
    try:
        order = await orders.get_order(SqlUnitOfWork(create_session_factory(engine)), number)
    finally:
        await engine.dispose()
    return str(order.status)


async def test_cancel_needs_the_code_mailed_to_the_email_on_file(client, seeded, smtp,
                                                                 sqlite_url) -> None:
    _, inbox = smtp
    await say(client, "c1", f'/cancel_order{{"order_number": "{seeded.ann_paid}"}}')
    said = await say(client, "c1", "ann@example.com")
    assert "emailed a 6-digit code to a***@example.com" in said
    [mail] = inbox.messages
    assert mail["To"] == "ann@example.com" and mail["From"] == "Shop <help@shop.example>"
    code = inbox.code_for("ann@example.com")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    said = await say(client, "c1", wrong)
    assert "isn't right" in said and "4 more tries" in said
    assert await order_status(sqlite_url, seeded.ann_paid) == "paid"
    said = await say(client, "c1", f"the code is {code}")
    assert "code is right" in said and f"Cancel order {seeded.ann_paid}" in said
    assert await order_status(sqlite_url, seeded.ann_paid) == "paid"  # not before the yes
    said = await say(client, "c1", "/affirm")
    assert "is cancelled" in said
    assert await order_status(sqlite_url, seeded.ann_paid) == "cancelled"


async def test_without_the_mailbox_nothing_changes(client, seeded, smtp, sqlite_url) -> None:
    """The attacker knows the email and an order number, not the mailbox's contents."""
    _, inbox = smtp
    await say(client, "c2", f'/change_address{{"order_number": "{seeded.ann_paid}"}}')
    await say(client, "c2", "ann@example.com")
    code = inbox.code_for("ann@example.com")
    guesses = [f"{(int(code) + k) % 1_000_000:06d}" for k in range(1, 6)]
    said = ""
    for guess in guesses:
        said = await say(client, "c2", guess)
    assert "can't be used any more" in said and "haven't changed anything" in said
    # Even the right code is now refused: it was used up by the wrong ones.
    said = await say(client, "c2", code)
    assert "will now ship to" not in said
    assert await order_status(sqlite_url, seeded.ann_paid) == "paid"


async def test_chinese_conversation_gets_the_code_in_chinese(client, seeded, smtp) -> None:
    _, inbox = smtp
    await say(client, "c3", '/greet')
    await say(client, "c3", f'我要取消订单 {seeded.ann_paid}')
    said = await say(client, "c3", "我的邮箱是 ann@example.com")
    if "验证码" not in said:  # NLU may ask for the order first; the flow is the same
        said = await say(client, "c3", seeded.ann_paid)
    assert "验证码" in said
    assert "验证码" in inbox.messages[-1].get_payload(decode=True).decode()
    said = await say(client, "c3", inbox.code_for("ann@example.com"))
    assert "验证码正确" in said and f"确定取消订单 {seeded.ann_paid}" in said
    said = await say(client, "c3", "是的")
    assert "已取消" in said


async def test_no_mail_server_means_no_change(aiohttp_client, sqlite_url, seeded, tmp_path,
                                              nlu_model_dir) -> None:
    client = await aiohttp_client(chat_app(sqlite_url, tmp_path, nlu_model_dir,
                                           email_smtp_host="127.0.0.1",
                                           email_smtp_port=free_port(),
                                           email_smtp_timeout_seconds=2))
    await say(client, "c4", f'/cancel_order{{"order_number": "{seeded.ann_paid}"}}')
    said = await say(client, "c4", "ann@example.com")
    assert "can't send you a confirmation code" in said
    assert await order_status(sqlite_url, seeded.ann_paid) == "paid"


async def test_no_mail_configured_means_no_change(aiohttp_client, sqlite_url, seeded, tmp_path,
                                                  nlu_model_dir) -> None:
    """Neither an SMTP server nor the development outbox: refused, and nothing is written."""
    client = await aiohttp_client(chat_app(sqlite_url, tmp_path, nlu_model_dir,
                                           email_outbox=False))
    await say(client, "c5", f'/change_address{{"order_number": "{seeded.ann_paid}"}}')
    said = await say(client, "c5", "ann@example.com")
    assert "can't send you a confirmation code" in said
    assert "will now ship to" not in said
    assert not (tmp_path / "outbox").exists()
    assert await order_status(sqlite_url, seeded.ann_paid) == "paid"
