"""Order changes a customer can trust (#18), through the real app in English and Chinese:
"are you sure?" before cancel / address change / return, a no changes nothing, a return
asks which items and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.e2e.chat_support import Seeded, chat_app, mailed_code
from tests.e2e.chat_support import seed_fast as seed


@pytest.fixture
async def seeded(sqlite_url: str) -> Seeded:
    return await seed(sqlite_url)


@pytest.fixture
async def two_items(sqlite_url: str, seeded: Seeded) -> str:
    """A delivered order of Ann's with two lines: a mug and a tin of green tea."""
    from crm_core.db import create_engine, create_session_factory
    from crm_core.domain.enums import OrderStatus
    from crm_core.services import customers, orders
    from crm_core.unit_of_work import SqlUnitOfWork

    engine = create_engine(sqlite_url)
    factory = create_session_factory(engine)
    try:
        await customers.create_product(SqlUnitOfWork(factory), customers.NewProduct(
            sku="TEA-1", name="Green Tea Tin", price=Decimal("6.00"), category="food",
            stock=10), actor="test")
        placed = await orders.place_order(
            SqlUnitOfWork(factory), seeded.ann_id,
            [orders.NewOrderLine("MUG-1", 2), orders.NewOrderLine("TEA-1", 1)],
            "1 Old Street", actor="test")
        for step in (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
            await orders.advance_order(SqlUnitOfWork(factory), placed.number, step,
                                       actor="test", now=datetime.now(UTC) - timedelta(days=1))
    finally:
        await engine.dispose()
    return placed.number


@pytest.fixture
async def client(aiohttp_client, sqlite_url, seeded, tmp_path, nlu_model_dir):
    return await aiohttp_client(chat_app(sqlite_url, tmp_path, nlu_model_dir))


async def say(client, sender: str, text: str) -> list[dict]:
    resp = await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
    assert resp.status == 200, await resp.text()
    return await resp.json()


def texts(items: list[dict]) -> str:
    return "\n".join(i.get("text", "") for i in items)


async def order(url: str, number: str):  # noqa: ANN201
    from crm_core.db import create_engine, create_session_factory
    from crm_core.services import orders
    from crm_core.unit_of_work import SqlUnitOfWork

    engine = create_engine(url)
    try:
        return await orders.get_order(SqlUnitOfWork(create_session_factory(engine)), number)
    finally:
        await engine.dispose()


async def verified(client, sender: str, tmp_path, first: str) -> str:
    """Start with ``first``, give Ann's email and the mailed code; the bot's last answer."""
    await say(client, sender, first)
    said = texts(await say(client, sender, "ann@example.com"))
    if "6-digit code" in said or "验证码" in said:
        said = texts(await say(client, sender, mailed_code(tmp_path)))
    return said


@pytest.mark.parametrize(("no", "lang"), [("/deny", "en"), ("no, keep it", "en"),
                                          ("不用了", "zh")])
async def test_a_no_changes_nothing(client, seeded, sqlite_url, tmp_path, no, lang) -> None:
    first = (f'/cancel_order{{"order_number": "{seeded.ann_paid}"}}' if lang == "en"
             else f"我要取消订单 {seeded.ann_paid}")
    said = await verified(client, f"no-{lang}-{no}", tmp_path, first)
    if seeded.ann_paid not in said:  # the Chinese NLU may ask which order first
        said = texts(await say(client, f"no-{lang}-{no}", seeded.ann_paid))
    assert ("确定取消订单" if lang == "zh" else "Cancel order") in said
    said = texts(await say(client, f"no-{lang}-{no}", no))
    assert (f"订单 {seeded.ann_paid} 保持不变" if lang == "zh"
            else f"haven't changed order {seeded.ann_paid}") in said
    assert str((await order(sqlite_url, seeded.ann_paid)).status) == "paid"
    # Saying yes later confirms nothing: the question is gone.
    await say(client, f"no-{lang}-{no}", "/affirm")
    assert str((await order(sqlite_url, seeded.ann_paid)).status) == "paid"


async def test_a_yes_counts_only_for_its_own_change(client, seeded, sqlite_url,
                                                   tmp_path) -> None:
    said = await verified(client, "k1", tmp_path,
                          f'/cancel_order{{"order_number": "{seeded.ann_paid}"}}')
    assert f"Cancel order {seeded.ann_paid}" in said
    await say(client, "k1", "/deny")
    # A new request asks again, even for the same order.
    said = texts(await say(client, "k1", f'/cancel_order{{"order_number": "{seeded.ann_paid}"}}'))
    assert f"Cancel order {seeded.ann_paid}" in said
    assert str((await order(sqlite_url, seeded.ann_paid)).status) == "paid"
    said = texts(await say(client, "k1", "yes"))
    assert "is cancelled" in said
    assert str((await order(sqlite_url, seeded.ann_paid)).status) == "cancelled"


async def test_an_off_topic_answer_asks_again(client, seeded, sqlite_url, tmp_path) -> None:
    await verified(client, "k2", tmp_path,
                   f'/cancel_order{{"order_number": "{seeded.ann_paid}"}}')
    said = texts(await say(client, "k2", "/nlu_fallback"))
    assert f"Cancel order {seeded.ann_paid}" in said
    assert str((await order(sqlite_url, seeded.ann_paid)).status) == "paid"


async def test_return_asks_which_items_and_why(client, seeded, two_items, sqlite_url,
                                               tmp_path) -> None:
    said = await verified(client, "r1", tmp_path,
                          f'/return_refund{{"order_number": "{two_items}"}}')
    assert "1) 2 × Blue Ceramic Mug; 2) 1 × Green Tea Tin" in said
    items = await say(client, "r1", "the lamp")
    assert "couldn't match that" in texts(items)
    items = await say(client, "r1", "the green tea")  # a product name, in words
    assert "What's wrong with it?" in texts(items)
    items = await say(client, "r1", "!!")
    assert "few words" in texts(items)
    items = await say(client, "r1", "it tastes stale")
    assert (f'Return 1 × Green Tea Tin from order {two_items}, because: "it tastes stale"?'
            in texts(items))
    await say(client, "r1", "/affirm")
    returned = await order(sqlite_url, two_items)
    assert str(returned.status) == "returned"
    assert returned.return_reason == "it tastes stale (items: 1 × Green Tea Tin)"


@pytest.mark.parametrize(("pick", "expected"), [
    ("2", "1 × Green Tea Tin"), ("all", "2 × Blue Ceramic Mug, 1 × Green Tea Tin"),
    ("the mugg", "2 × Blue Ceramic Mug"),
])
async def test_items_by_number_all_or_with_a_typo(client, seeded, two_items, tmp_path, pick,
                                                  expected) -> None:
    await verified(client, f"r-{pick}", tmp_path,
                   f'/return_refund{{"order_number": "{two_items}"}}')
    await say(client, f"r-{pick}", pick)
    said = texts(await say(client, f"r-{pick}", "wrong colour"))
    assert f"Return {expected} from order {two_items}" in said


async def test_return_in_chinese(client, seeded, two_items, sqlite_url, tmp_path) -> None:
    await say(client, "r-zh", "你好")
    said = await verified(client, "r-zh", tmp_path,
                          f'/return_refund{{"order_number": "{two_items}"}}')
    assert "您要退回订单" in said and "全部" in said
    said = texts(await say(client, "r-zh", "全部"))
    assert "退货原因" in said
    said = texts(await say(client, "r-zh", "杯子有裂缝"))
    assert f"确定退回订单 {two_items} 中的 2 × Blue Ceramic Mug, 1 × Green Tea Tin 吗" in said
    said = texts(await say(client, "r-zh", "是的"))
    assert "退货申请" in said
    assert str((await order(sqlite_url, two_items)).status) == "returned"


async def test_an_order_that_cannot_be_returned_asks_nothing(client, seeded,
                                                             tmp_path) -> None:
    said = await verified(client, "r2", tmp_path,
                          f'/return_refund{{"order_number": "{seeded.ann_paid}"}}')
    assert "can't be returned" in said and "only delivered orders" in said
    assert "Which items" not in said


async def test_chinese_address_change_asks_for_the_postcode(client, seeded, sqlite_url,
                                                            tmp_path) -> None:
    await say(client, "a-zh", "你好")
    said = await verified(client, "a-zh", tmp_path,
                          f'/change_address{{"order_number": "{seeded.ann_paid}"}}')
    assert "新收货地址" in said
    said = texts(await say(client, "a-zh", "新地址是浙江省杭州市西湖区文三路100号"))
    assert "还需要邮政编码" in said and "邮编示例" in said
    said = texts(await say(client, "a-zh", "浙江省杭州市西湖区文三路100号 310012"))
    assert f"订单 {seeded.ann_paid} 改寄到" in said and "文三路100号" in said
    said = texts(await say(client, "a-zh", "是的"))
    assert "将寄往新地址" in said
    changed = await order(sqlite_url, seeded.ann_paid)
    assert "310012" in changed.shipping_address and "西湖区" in changed.shipping_address


@pytest.fixture
async def late_order(sqlite_url: str, seeded: Seeded) -> str:
    """Shipped three weeks ago to London, never delivered."""
    from crm_core.db import create_engine, create_session_factory
    from crm_core.domain.enums import OrderStatus
    from crm_core.services import orders
    from crm_core.unit_of_work import SqlUnitOfWork

    engine = create_engine(sqlite_url)
    factory = create_session_factory(engine)
    try:
        placed = await orders.place_order(SqlUnitOfWork(factory), seeded.ann_id,
                                          [orders.NewOrderLine("MUG-1", 1)],
                                          "10 Downing Street, London SW1A 2AA, UK", actor="test")
        when = datetime.now(UTC) - timedelta(days=21)
        for step in (OrderStatus.PAID, OrderStatus.SHIPPED):
            await orders.advance_order(SqlUnitOfWork(factory), placed.number, step,
                                       actor="test", now=when, tracking_number="TRK-LATE")
    finally:
        await engine.dispose()
    return placed.number


async def test_when_will_it_arrive_gives_a_window_or_says_it_is_late(
        client, seeded, late_order, sqlite_url) -> None:
    from bot.actions.orders import delivery_text
    from bot.gateway import keys
    from crm_core.delivery import estimate_delivery
    from crm_core.models import utcnow
    from crm_core.policies import load_policy

    policy = load_policy(client.server.app[keys.SETTINGS].config_dir)
    said = await verified(client, "eta", None,
                          f'/order_status{{"order_number": "{seeded.ann_shipped}"}}')
    assert "TRACK-ANN-1" in said
    window = estimate_delivery(await order(sqlite_url, seeded.ann_shipped), policy, utcnow())
    assert window is not None and not window.late
    assert delivery_text(window, "en") in said and "Expected " in said
    said = texts(await say(client, "eta",
                           f'/order_status{{"order_number": "{late_order}"}}'))
    assert "it is late" in said and "open a ticket" in said
