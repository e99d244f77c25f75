"""``/api/v1/products``: the catalogue. Everyone signed in reads; only admins write."""

from __future__ import annotations

from aiohttp import web

from bot.gateway.api.common import actor, changes, render, render_page, unit_of_work
from bot.gateway.api.routes import Operation
from bot.gateway.api.schemas import ProductCreate, ProductOut, ProductPatch, ProductQuery
from bot.gateway.api.validation import parse_body, parse_query, path_id
from crm_core.domain import AgentRole
from crm_core.services import customers as service


async def list_products(request: web.Request) -> web.Response:
    """Active products matching the filters, by id."""
    query = parse_query(request, ProductQuery)
    page = await service.list_products(unit_of_work(request), q=query.search,
                                       category=query.category, limit=query.limit,
                                       offset=query.offset)
    return render_page(ProductOut, page, query)


async def get_product(request: web.Request) -> web.Response:
    """One product."""
    product = await service.get_product(unit_of_work(request),
                                        product_id=path_id(request, "product_id"))
    return render(ProductOut, product)


async def create_product(request: web.Request) -> web.Response:
    """Add a product (409 if the SKU exists)."""
    body = await parse_body(request, ProductCreate)
    product = await service.create_product(unit_of_work(request),
                                           service.NewProduct(**body.model_dump()),
                                           actor=actor(request))
    return render(ProductOut, product, status=201)


async def patch_product(request: web.Request) -> web.Response:
    """Change the given fields of a product."""
    product_id = path_id(request, "product_id")
    body = await parse_body(request, ProductPatch)
    product = await service.update_product(unit_of_work(request), product_id,
                                           service.ProductChanges(**changes(body)),
                                           actor=actor(request))
    return render(ProductOut, product)


_ID = r"/products/{product_id:\d+}"
OPERATIONS = [
    Operation("GET", "/products", list_products, "List products", "products",
              query=ProductQuery, response=ProductOut, paginated=True),
    Operation("POST", "/products", create_product, "Create a product", "products",
              least_role=AgentRole.ADMIN, body=ProductCreate, response=ProductOut, status=201,
              errors=(409,)),
    Operation("GET", _ID, get_product, "Get a product", "products", response=ProductOut),
    Operation("PATCH", _ID, patch_product, "Update a product", "products",
              least_role=AgentRole.ADMIN, body=ProductPatch, response=ProductOut),
]
