"""Serving: train/save/load/recommend the same, exclusions, explanations, hot swap."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from crm_core.errors import InvalidInput, NotFound
from recommend.artifact import current_version, load, save
from recommend.data import PurchaseLog
from recommend.models import registered_names
from recommend.ranking import Catalogue, CatalogueItem
from recommend.service import RecommendationService
from recommend.sources import MemoryPurchaseSource
from recommend.training import train

NAMES = {"a0": "Lantern", "a1": "Candle", "a2": "Holder", "a3": "Wick",
         "b0": "Mug", "b1": "Teapot", "b2": "Saucer", "b3": "Spoon"}


def purchase_log() -> PurchaseLog:
    """Two taste clusters (a: lights, b: tea), 10 customers each, one order per day."""
    rows, day = [], 0
    for cluster, country in (("a", "United Kingdom"), ("b", "France")):
        for n in range(10):
            for step in range(3):
                day += 1
                rows.append((f"{cluster}{n}", f"{cluster}{(n + step) % 4}", f"o{day}",
                             np.datetime64("2024-01-01") + np.timedelta64(day, "h"), 1.0,
                             country))
    return PurchaseLog.from_records(rows)


def catalogue(**overrides: CatalogueItem) -> Catalogue:
    items = {p: CatalogueItem(p, name) for p, name in NAMES.items()}
    items.update(overrides)
    return Catalogue.of(list(items.values()))


def service(model: str = "kefu.ease.v1", cat: Catalogue | None = None) -> RecommendationService:
    log = purchase_log()
    return RecommendationService(MemoryPurchaseSource(log, cat or catalogue()), train(log, model))


@pytest.mark.parametrize("name", registered_names())
async def test_train_save_load_recommends_the_same(name: str, tmp_path: Path) -> None:
    log = purchase_log()
    artifact = train(log, name)
    path = save(artifact, tmp_path)
    assert path.is_file() and (tmp_path / "current.npz").is_file()
    assert current_version(tmp_path) == artifact.meta.version
    loaded = load(tmp_path)
    assert loaded.meta == artifact.meta and loaded.meta.data_hash == log.content_hash()
    source = MemoryPurchaseSource(log, catalogue())
    before, after = RecommendationService(source, artifact), RecommendationService(source, loaded)
    for customer in ("a0", "b3"):
        assert await before.for_customer(customer, 3) == await after.for_customer(customer, 3)
    assert await before.similar_to("a1", 3) == await after.similar_to("a1", 3)


async def test_customer_gets_the_missing_product_of_their_cluster_with_a_reason() -> None:
    recs = await service().for_customer("a0", 2)
    # a0 bought a0, a1, a2 (orders 1-3): a3 is what people like them also bought.
    assert recs[0].product_id == "a3"
    assert recs[0].reason == "history"
    assert recs[0].explanation.startswith("because you bought ")
    assert recs[0].explanation.removeprefix("because you bought ") in {"Lantern", "Candle", "Holder"}
    assert not {"a0", "a1", "a2"} & {r.product_id for r in recs}


async def test_out_of_stock_excluded_and_rebuyable_allowed() -> None:
    cat = catalogue(a3=CatalogueItem("a3", "Wick", in_stock=False),
                    a2=CatalogueItem("a2", "Holder", rebuyable=True))
    recs = await service(cat=cat).for_customer("a0", 8)
    ids = [r.product_id for r in recs]
    assert "a3" not in ids                  # out of stock
    assert "a2" in ids                      # bought, but re-buyable
    assert "a0" not in ids and "a1" not in ids


async def test_itemknn_explains_with_a_bought_product() -> None:
    recs = await service("kefu.itemknn.v1").for_customer("b0", 1)
    assert recs[0].product_id == "b3"
    assert recs[0].because_of in {"b0", "b1", "b2"}
    assert recs[0].explanation == f"because you bought {NAMES[recs[0].because_of]}"


async def test_cold_start_is_popular_in_the_customers_country() -> None:
    log = purchase_log()
    newcomer = PurchaseLog.from_records([
        ("new", "zz", "o-new", np.datetime64("2024-03-01"), 1.0, "France")])
    cat = Catalogue.of([*catalogue().items.values(), CatalogueItem("zz", "Unknown thing")])
    merged = PurchaseLog.from_frame(
        __import__("pandas").concat([log.frame, newcomer.frame]))
    svc = RecommendationService(MemoryPurchaseSource(merged, cat), train(log))
    recs = await svc.for_customer("new", 3)
    assert recs and all(r.explanation == "popular in France" for r in recs)
    assert all(r.product_id.startswith("b") for r in recs)


async def test_basket_and_similar() -> None:
    svc = service()
    basket = await svc.for_basket(["b0", "b1"], 2)
    assert basket[0].product_id in {"b2", "b3"}
    assert basket[0].explanation.startswith("goes well with ")
    assert not {"b0", "b1"} & {r.product_id for r in basket}
    similar = await svc.similar_to("a0", 3)
    assert {r.product_id for r in similar} == {"a1", "a2", "a3"}
    assert similar[0].explanation == "customers who bought Lantern also bought this"


async def test_errors_are_typed() -> None:
    svc = service()
    with pytest.raises(NotFound):
        await svc.for_customer("nobody", 3)
    with pytest.raises(NotFound):
        await svc.similar_to("no-such-product", 3)
    for bad in (0, 51, "3", True):
        with pytest.raises(InvalidInput):
            await svc.for_customer("a0", bad)  # type: ignore[arg-type]


async def test_no_model_serves_nothing_but_still_checks_customers() -> None:
    log = purchase_log()
    svc = RecommendationService(MemoryPurchaseSource(log, catalogue()))
    assert await svc.for_customer("a0", 3) == []
    with pytest.raises(NotFound):
        await svc.for_customer("nobody", 3)


async def test_retrain_saves_and_swaps_and_reload_picks_up_new_files(tmp_path: Path) -> None:
    log = purchase_log()
    source = MemoryPurchaseSource(log, catalogue())
    svc = RecommendationService(source, train(log, "kefu.popularity.v1"))
    old = svc.model_info
    meta = await svc.retrain(tmp_path, model="kefu.itemknn.v1")
    assert svc.model_info == meta and meta.model == "kefu.itemknn.v1" != old.model
    assert current_version(tmp_path) == meta.version
    assert (await svc.for_customer("a0", 1))[0].reason == "history"
    # Another process writes a newer artifact: the running service installs it.
    other = RecommendationService(source)
    assert await other.reload_if_changed(tmp_path) is True
    assert other.model_info.version == meta.version
    assert await other.reload_if_changed(tmp_path) is False


async def test_history_cap_still_excludes_every_bought_product(monkeypatch) -> None:
    import recommend.ranking

    monkeypatch.setattr(recommend.ranking, "MAX_HISTORY", 1)
    recs = await service().for_customer("a0", 8)
    assert recs[0].explanation == "because you bought Holder"   # only the latest counts
    assert not {"a0", "a1", "a2"} & {r.product_id for r in recs}


async def test_cold_start_falls_back_to_the_customers_segment() -> None:
    import pandas as pd

    frame = purchase_log().frame.copy()
    frame["segment"] = np.where(frame["customer"].str.startswith("a"), "vip", "standard")
    log = PurchaseLog.from_frame(frame)
    newcomer = pd.DataFrame([{"customer": "new", "product": "zz", "order": "o-new",
                              "time": pd.Timestamp("2024-03-01"), "quantity": 1.0,
                              "country": "Iceland", "segment": "vip"}])
    merged = PurchaseLog.from_frame(pd.concat([frame, newcomer]))
    cat = Catalogue.of([*catalogue().items.values(), CatalogueItem("zz", "Unknown thing")])
    svc = RecommendationService(MemoryPurchaseSource(merged, cat), train(log))
    recs = await svc.for_customer("new", 3)
    # Nobody else is from Iceland: the vip segment (cluster a) decides.
    assert recs and all(r.explanation == "popular with vip customers" for r in recs)
    assert all(r.product_id.startswith("a") for r in recs)
