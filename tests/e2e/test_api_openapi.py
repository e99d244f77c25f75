"""The OpenAPI document matches the app's real router, both ways, and is valid 3.1."""

from __future__ import annotations

import re

import pytest
from aiohttp import web

from bot.gateway.app import create_app
from bot.settings import Settings
from tests.e2e.api_world import data_dir_with_nlu

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def make_app(tmp_path, nlu_model_dir):
    """A factory of the real app on an empty SQLite file (the document needs no data)."""
    data_dir = data_dir_with_nlu(tmp_path, nlu_model_dir)
    return lambda: create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/k.db",
                                       secret_key="test-secret-key-0123456789abcdef",
                                       data_dir=data_dir))


def router_operations(app: web.Application) -> set[tuple[str, str]]:
    """(METHOD, path) of every /api/v1 route actually registered, as OpenAPI writes it."""
    found = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if path and path.startswith("/api/v1/") and route.method in METHODS:
            found.add((route.method, path))
    return found


def documented_operations(doc: dict) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}


async def fetch_doc(aiohttp_client, make_app) -> dict:
    client = await aiohttp_client(make_app())
    resp = await client.get("/api/openapi.json")
    assert resp.status == 200
    assert resp.content_type == "application/json"
    return await resp.json()


async def test_every_route_is_documented_and_every_documented_path_exists(
        aiohttp_client, make_app) -> None:
    app = make_app()
    client = await aiohttp_client(app)
    doc = await (await client.get("/api/openapi.json")).json()
    routed, documented = router_operations(app), documented_operations(doc)
    assert len(routed) >= 25
    assert routed - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routed == set(), "documented operations the router does not serve"


async def test_document_is_valid_openapi_31(aiohttp_client, make_app) -> None:
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation import OpenAPIV31SpecValidator

    doc = await fetch_doc(aiohttp_client, make_app)
    assert doc["openapi"].startswith("3.1")
    validate(doc, cls=OpenAPIV31SpecValidator)


async def test_every_ref_resolves(aiohttp_client, make_app) -> None:
    doc = await fetch_doc(aiohttp_client, make_app)
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', str(doc).replace("'", '"')))
    assert refs and refs <= set(doc["components"]["schemas"])


async def test_security_and_error_schema(aiohttp_client, make_app) -> None:
    doc = await fetch_doc(aiohttp_client, make_app)
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    error = doc["components"]["schemas"]["Error"]["properties"]["error"]
    assert error["required"] == ["code", "message", "details"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            public = path == "/api/v1/auth/login"
            assert (op["security"] == []) is public, (method, path)
            assert "400" in op["responses"]
            if not public:
                assert {"401", "403"} <= set(op["responses"]), (method, path)


async def test_bodies_queries_and_pages_come_from_models(aiohttp_client, make_app) -> None:
    doc = await fetch_doc(aiohttp_client, make_app)
    listing = doc["paths"]["/api/v1/customers"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"limit", "offset", "name", "email", "phone", "country", "tier"} <= names
    limit = next(p for p in listing["parameters"] if p["name"] == "limit")["schema"]
    assert (limit["default"], limit["maximum"]) == (50, 200)
    page = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(page["required"]) == {"items", "total", "limit", "offset", "next_cursor"}
    create = doc["paths"]["/api/v1/customers"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CustomerCreate"}
    schema = doc["components"]["schemas"]["CustomerCreate"]
    assert schema["additionalProperties"] is False and "name" in schema["required"]
    cancel = doc["paths"]["/api/v1/orders/{number}/cancel"]["post"]
    assert cancel["requestBody"]["required"] is False and "422" in cancel["responses"]


async def test_docs_page_is_self_contained_html(aiohttp_client, make_app) -> None:
    client = await aiohttp_client(make_app())
    resp = await client.get("/api/docs")
    assert resp.status == 200 and resp.content_type == "text/html"
    html = await resp.text()
    assert "/api/openapi.json" in html
    # Offline machine: nothing may be loaded from another host.
    assert not re.search(r'(src|href)="https?://', html)


async def test_large_lists_document_cursor_pagination(aiohttp_client, make_app) -> None:
    doc = await fetch_doc(aiohttp_client, make_app)
    for path in ("/api/v1/customers", "/api/v1/orders", "/api/v1/tickets"):
        listing = doc["paths"][path]["get"]
        cursor = next(p for p in listing["parameters"] if p["name"] == "cursor")
        assert cursor["required"] is False and cursor["schema"]["type"] == "string"
        assert {"limit", "offset"} <= {p["name"] for p in listing["parameters"]}
        page = listing["responses"]["200"]["content"]["application/json"]["schema"]
        assert page["properties"]["next_cursor"]["type"] == ["string", "null"], path
    # Small lists page by offset only: no cursor parameter, no next_cursor in the reply.
    products = doc["paths"]["/api/v1/products"]["get"]
    assert "cursor" not in {p["name"] for p in products["parameters"]}
    page = products["responses"]["200"]["content"]["application/json"]["schema"]
    assert "next_cursor" not in page["properties"]
