"""No user input gives a 500: every operation of the route table gets hostile input."""

from __future__ import annotations

import json
import random

from bot.gateway.api import all_operations
import pytest

from tests.e2e.api_world import Api, api_on_both, seeded_sqlite_template  # noqa: F401

HOSTILE_VALUES = [
    None, True, -1, 0, 2**64, 1e308, "", " ", "x" * 20_000, "\u0000", "😀漢字", "' OR 1=1 --",
    [], [1, 2], {}, {"$gt": ""}, "2026-13-45", "NaN", "-0", "1e999",
]
HOSTILE_QUERY = ["", "-1", "0", "2147483648", "999999999999999999999999", "abc", "%00", "1.5",
                 "true",
                 "漢字", "' OR 1=1 --", "x" * 2000]


def concrete_path(path: str, api: Api) -> list[str]:
    """The templated path with real, unknown and absurd parameter values."""
    fills = {
        "customer_id": [str(api.world.customers["ann"]), "0", "2147483648",
                        "18446744073709551616"],
        "product_id": [str(api.world.products["MUG-1"]), "999999"],
        "agent_id": [str(api.world.agents["agent"]), "999999"],
        "number": [api.world.orders["paid"], api.world.tickets["new"], "漢字", "%2e%2e", "x" * 300],
    }
    paths = [path]
    for name, values in fills.items():
        for template in [p for p in paths if "{" + name in p]:
            paths.remove(template)
            start = template.index("{" + name)
            end = template.index("}", start) + 1
            paths += [template[:start] + v + template[end:] for v in values]
    return ["/api/v1" + p for p in paths]


@pytest.mark.postgres
async def test_hostile_bodies_and_queries_never_500(api_on_both: Api) -> None:
    api = api_on_both
    rng = random.Random(7)
    headers = {"Authorization": f"Bearer {api.token('admin')}"}
    checked = 0
    for op in all_operations():
        for path in concrete_path(op.path, api):
            inputs: list[dict] = []
            if op.body is not None:
                fields = list(op.body.model_fields)
                inputs += [{"data": raw, "headers": {"Content-Type": "application/json"}}
                           for raw in (b"", b"{", b"[]", b'"x"', b"\xff", b'{"a":' * 500)]
                for _ in range(5):
                    body = {f: rng.choice(HOSTILE_VALUES) for f in fields if rng.random() < 0.7}
                    inputs.append({"json": body})
            if op.query is not None:
                for _ in range(4):
                    params = {f: rng.choice(HOSTILE_QUERY) for f in op.query.model_fields
                              if rng.random() < 0.5}
                    inputs.append({"params": params})
            inputs.append({})
            for kwargs in inputs:
                resp = await api.client.request(op.method, path, headers={
                    **headers, **kwargs.pop("headers", {})}, **kwargs)
                text = await resp.text()
                assert resp.status < 500, (op.method, path, kwargs, text[:300])
                assert "Traceback" not in text
                if resp.status >= 400:
                    assert set(json.loads(text)["error"]) == {"code", "message", "details"}
                checked += 1
    assert checked > 250
