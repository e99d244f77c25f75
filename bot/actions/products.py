"""Product questions (price, stock, description) and recommendations. Neither needs
identity; personalised recommendations are used only for a verified customer."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import DomainDict, KefuAction, language


def _price(product: Any) -> str:
    return f"${product.price:.2f}"


def _stock(product: Any, lang: str) -> str:
    if product.stock > 0:
        return f"有货（{product.stock} 件）" if lang == "zh" else f"In stock ({product.stock})"
    return "暂时缺货" if lang == "zh" else "Out of stock"


class ActionProductInfo(KefuAction):
    """Price, stock and description of the product the customer names."""

    def name(self) -> str:
        """For product_question."""
        return "action_product_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Look the product up by name (or SKU) and describe it."""
        from crm_core.services import customers

        query = str(tracker.get_slot("product") or "").strip()
        if not query:
            dispatcher.utter_message(response="utter_ask_product")
            return []
        page = await customers.list_products((await self.services()).uow(), q=query, limit=1)
        if not page.items:
            dispatcher.utter_message(response="utter_product_not_found", product=query)
            return []
        product, lang = page.items[0], language(tracker)
        description = (product.description or "").strip()
        dispatcher.utter_message(
            response="utter_product_info", name=product.name, price=_price(product),
            stock=_stock(product, lang),
            description=description[:280] + ("…" if len(description) > 280 else ""),
        )
        return []


async def popular_products(session_factory: Any, limit: int = 3,
                           category: str | None = None) -> list[Any]:
    """Active, in-stock products by units sold (the fallback recommender)."""
    from sqlalchemy import func, select

    from crm_core.models import OrderLine, Product

    sold = func.coalesce(func.sum(OrderLine.quantity), 0)
    stmt = (select(Product).outerjoin(OrderLine, OrderLine.product_id == Product.id)
            .where(Product.active.is_(True), Product.stock > 0)
            .group_by(Product.id).order_by(sold.desc(), Product.id).limit(limit))
    if category:
        stmt = stmt.where(Product.category == category)
    async with session_factory() as session:
        return list((await session.scalars(stmt)).all())


class ActionRecommend(KefuAction):
    """Recommendations through ``recommend/`` when it runs, else the best sellers.

    A verified customer gets personal picks; a named product gets similar ones; anyone
    else (or when the recommender has nothing) gets the most popular products.
    """

    def name(self) -> str:
        """For recommendation."""
        return "action_recommend"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Suggest three products."""
        services = await self.services()
        items = await self._from_recommender(services, tracker)
        if not items:
            category = tracker.get_slot("category")
            products = await popular_products(services.session_factory, 3, category)
            if not products and category:
                products = await popular_products(services.session_factory, 3)
            items = [f"{p.name} ({_price(p)})" for p in products]
        if not items:
            dispatcher.utter_message(response="utter_product_not_found",
                                     product=tracker.get_slot("category") or "")
            return []
        dispatcher.utter_message(response="utter_recommendations", items="; ".join(items))
        return []

    async def _from_recommender(self, services: Any, tracker: Tracker) -> list[str]:
        service = services.recommender() if services.recommender else None
        if service is None:
            return []
        from crm_core.errors import KefuError
        from crm_core.services import customers

        try:
            if tracker.get_slot("identity_verified") and tracker.get_slot("customer_id"):
                picks = await service.for_customer(int(tracker.get_slot("customer_id")), k=3)
            elif tracker.get_slot("product"):
                page = await customers.list_products(services.uow(),
                                                     q=str(tracker.get_slot("product")), limit=1)
                picks = await service.similar_to(page.items[0].id, k=3) if page.items else []
            else:
                return []
        except KefuError:
            return []
        return [p.name for p in picks]
