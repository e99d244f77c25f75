"""The recommender on the real CRM database (SQLite and PostgreSQL) and in the real app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from crm_core.db import create_engine, create_session_factory
from crm_core.domain.enums import OrderStatus
from crm_core.models import Customer, Order, OrderLine, Product
from recommend.artifact import artifact_dir, save
from recommend.crm_source import CrmPurchaseSource
from recommend.service import RecommendationService
from recommend.training import train
from tests.integration.crm_support import crm_templates, migrated_url  # noqa: F401 - fixtures

T0 = datetime(2024, 1, 1, tzinfo=UTC)


async def seed(url: str) -> dict[str, int]:
    """Lights (L*) bought together in the UK, tea things (T*) in France; one cancelled
    order; one product out of stock; one consumable re-buyable."""
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    ids: dict[str, int] = {}
    async with sessions() as session:
        specs = {"L0": (5, False), "L1": (5, False), "L2": (5, True), "L3": (5, False),
                 "T0": (5, False), "T1": (5, False), "T2": (0, False), "T3": (5, False),
                 "X": (5, False)}
        products = {sku: Product(sku=sku, name=f"Item {sku}", price=Decimal("2.50"),
                                 stock=stock, rebuyable=rebuy)
                    for sku, (stock, rebuy) in specs.items()}
        session.add_all(products.values())
        await session.flush()
        ids.update({sku: p.id for sku, p in products.items()})
        n_order = 0
        for group, country in (("L", "United Kingdom"), ("T", "France")):
            for n in range(8):
                customer = Customer(name=f"{group}{n}", email=f"{group.lower()}{n}@example.com",
                                    country=country)
                session.add(customer)
                await session.flush()
                ids[f"c{group}{n}"] = customer.id
                for step in range(3):
                    n_order += 1
                    order = Order(number=f"K{n_order:05d}", customer_id=customer.id,
                                  status=OrderStatus.DELIVERED,
                                  placed_at=T0 + timedelta(days=n_order))
                    order.lines = [OrderLine(product_id=ids[f"{group}{(n + step) % 4}"],
                                             quantity=1, unit_price=Decimal("2.50"))]
                    session.add(order)
        # A cancelled order says nothing about taste.
        cancelled = Order(number="K99999", customer_id=ids["cL0"], status=OrderStatus.CANCELLED,
                          placed_at=T0 + timedelta(days=200))
        cancelled.lines = [OrderLine(product_id=ids["X"], quantity=1, unit_price=Decimal("1"))]
        session.add(cancelled)
        newcomer = Customer(name="new", email="new@example.com", country="France")
        islander = Customer(name="far", email="far@example.com", country="Iceland")
        session.add_all([newcomer, islander])
        await session.flush()
        ids["cnew"], ids["cfar"] = newcomer.id, islander.id
        await session.commit()
    await engine.dispose()
    return ids


async def test_crm_source_and_service(migrated_url: str) -> None:  # noqa: F811
    ids = await seed(migrated_url)
    engine = create_engine(migrated_url)
    try:
        source = CrmPurchaseSource(create_session_factory(engine))
        log = await source.purchase_log()
        assert len(log) == 48                              # the cancelled line is left out
        assert str(ids["X"]) not in set(log.frame["product"])
        history = await source.customer_history(ids["cL0"])
        assert sorted(history.product_ids) == sorted(str(ids[f"L{i}"]) for i in range(3))
        assert history.country == "United Kingdom"
        assert await source.customer_history(10**6) is None
        catalogue = await source.catalogue()
        assert not catalogue.items[str(ids["T2"])].in_stock
        assert catalogue.items[str(ids["L2"])].rebuyable

        service = RecommendationService(source, train(log))
        recs = await service.for_customer(ids["cL0"], 3)
        assert recs[0].product_id == ids["L3"] and recs[0].name == "Item L3"
        assert recs[0].explanation.startswith("because you bought Item L")
        got = {r.product_id for r in recs}
        assert ids["L2"] in got                            # bought, but re-buyable
        assert not {ids["L0"], ids["L1"]} & got            # bought, not re-buyable
        french = await service.for_customer(ids["cT1"], 9)
        assert ids["T2"] not in {r.product_id for r in french}   # out of stock
        cold = await service.for_customer(ids["cnew"], 2)
        assert cold and all(r.explanation == "popular in France" for r in cold)
        far = await service.for_customer(ids["cfar"], 2)   # no Icelandic buyers: tier
        assert far and all(r.explanation == "popular with standard customers" for r in far)
        similar = await service.similar_to(ids["L0"], 3)
        assert {r.product_id for r in similar} == {ids["L1"], ids["L2"], ids["L3"]}
    finally:
        await engine.dispose()


async def test_app_starts_with_or_without_a_model(aiohttp_client, sqlite_url: str,
                                                  tmp_path: Path, nlu_model_dir: Path) -> None:
    """Start-up wiring (the database-specific parts are covered above, on both)."""
    from bot.gateway import keys
    from bot.gateway.app import create_app
    from bot.settings import Settings

    from crm_core.schema import upgrade

    migrated_url = sqlite_url
    await upgrade(migrated_url)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "nlu").symlink_to(nlu_model_dir)   # the gateway needs one
    settings = Settings(database_url=migrated_url, data_dir=tmp_path,
                        secret_key="test-secret-key-0123456789")
    # Empty CRM, no artifact: the server still starts and serves no model.
    client = await aiohttp_client(create_app(settings))
    assert client.app[keys.RECOMMENDER].model_info is None
    await client.close()

    ids = await seed(migrated_url)
    client = await aiohttp_client(create_app(settings))
    # No artifact but orders: popularity fitted from the database at start-up.
    assert client.app[keys.RECOMMENDER].model_info.model == "kefu.popularity.v1"
    await client.close()

    engine = create_engine(migrated_url)
    log = await CrmPurchaseSource(create_session_factory(engine)).purchase_log()
    await engine.dispose()
    saved = train(log, "kefu.itemknn.v1")
    save(saved, artifact_dir(tmp_path))
    client = await aiohttp_client(create_app(settings))
    service = client.app[keys.RECOMMENDER]
    assert service.model_info.version == saved.meta.version
    assert (await service.for_customer(ids["cT0"], 1))[0].reason == "history"


def test_cli_trains_from_the_crm_and_shows(sqlite_url: str, tmp_path: Path,
                                           monkeypatch) -> None:
    import asyncio
    import json

    from click.testing import CliRunner

    from bot.cli import main
    from crm_core.schema import upgrade

    asyncio.run(upgrade(sqlite_url))
    ids = asyncio.run(seed(sqlite_url))
    monkeypatch.setenv("KEFU_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KEFU_RECOMMENDER", "kefu.itemknn.v1")
    runner = CliRunner()
    result = runner.invoke(main, ["recommend", "train"])
    assert result.exit_code == 0, result.output
    meta = json.loads((artifact_dir(tmp_path) / "current.json").read_text())
    assert meta["model"] == "kefu.itemknn.v1" and meta["n_lines"] == 48
    result = runner.invoke(main, ["recommend", "show", "--customer", str(ids["cL0"]), "-k", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{ids['L3']}\tItem L3\t")
    assert "because you bought Item L" in result.output
    result = runner.invoke(main, ["recommend", "show", "--similar", "999999"])
    assert result.exit_code != 0 and "not found" in result.output
