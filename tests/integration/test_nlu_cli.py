"""``kefu nlu`` commands end to end, and kefu's shipped model on English/Chinese/mixed text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.nlu import load_interpreter

DATA = """\
version: "3.1"
nlu:
  - intent: greet
    examples: |
      - hi
      - hello there
      - hey
      - good morning
      - 你好
      - 您好
  - intent: goodbye
    examples: |
      - bye
      - see you later
      - goodbye
      - talk soon
      - 再见
      - 拜拜
"""


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "nlu.yml"
    path.write_text(DATA, encoding="utf-8")
    return path


def test_train_test_parse_commands(tmp_path: Path, data_file: Path) -> None:
    runner = CliRunner()
    model = tmp_path / "model"
    result = runner.invoke(main, ["nlu", "train", "--data", str(data_file), "--config",
                                  "config/nlu/config-tfidf.yml", "--out", str(model)])
    assert result.exit_code == 0, result.output
    assert (model / "metadata.json").is_file() and (model / "model.joblib").is_file()

    test_csv = tmp_path / "test.csv"
    test_csv.write_text("text,intent\nhello,greet\nbye now,goodbye\nwhat is the weather,"
                        "out_of_scope\n", encoding="utf-8")
    out = tmp_path / "report"
    result = runner.invoke(main, ["nlu", "test", "--model", str(model), "--data", str(test_csv),
                                  "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "intent_report.json").read_text())
    assert 0.0 <= report["accuracy"] <= 1.0
    assert {"greet", "goodbye", "nlu_fallback", "macro avg"} <= set(report)
    assert "confused_with" in report["greet"]
    assert report["out_of_scope_detection"]["n_out_of_scope"] == 1
    errors = json.loads((out / "intent_errors.json").read_text())
    assert all({"text", "intent", "intent_prediction"} <= set(e) for e in errors)
    assert (out / "intent_confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"

    result = runner.invoke(main, ["nlu", "parse", "--model", str(model), "hello there"])
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.output)
    assert parsed["intent"]["name"] == "greet"
    assert {"intent", "intent_ranking", "entities", "sentiment", "language"} <= set(parsed)

    lines = tmp_path / "lines.txt"
    lines.write_text("hi\n再见\n\n", encoding="utf-8")
    result = runner.invoke(main, ["nlu", "parse", "--model", str(model), "--file", str(lines)])
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["text"] for r in rows] == ["hi", "再见", ""]
    assert rows[1]["language"] == "zh"

    result = runner.invoke(main, ["nlu", "shell", "--model", str(model)], input="hi\n/exit\n")
    assert result.exit_code == 0 and '"greet"' in result.output


def test_cross_validation(tmp_path: Path, data_file: Path) -> None:
    out = tmp_path / "cv"
    result = CliRunner().invoke(main, ["nlu", "test", "--data", str(data_file), "--out", str(out),
                                       "--cross-validation", "--folds", "2", "--config",
                                       "config/nlu/config-tfidf.yml"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "intent_report.json").read_text())
    assert report["greet"]["support"] == 6 and report["goodbye"]["support"] == 6


def test_cli_errors_are_clean(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("nlu:\n  - intent: greet\n    examples: |\n      hi\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["nlu", "train", "--data", str(bad), "--out",
                                       str(tmp_path / "m")])
    assert result.exit_code == 1
    assert "bad.yml:4" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["nlu", "parse", "--model", str(tmp_path / "none"), "hi"])
    assert result.exit_code == 1 and "kefu nlu train" in result.output


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hello", "greet"), ("where is my order KF-12345?", "order_status"),
        ("我的订单到哪了", "order_status"), ("我要退款", "return_refund"),
        ("can I talk to a real person", "human_handoff"), ("转人工", "human_handoff"),
        ("cancel my order pls", "cancel_order"), ("取消订单", "cancel_order"),
        ("what's your return policy", "faq_returns_policy"), ("营业时间", "faq_opening_hours"),
        ("my email is jane@example.com", "provide_identity"), ("谢谢", "thanks"),
        ("帮我查一下快递 tracking", "track_shipment"), ("我的order什么时候到", "order_status"),
        ("tell me a joke", "out_of_scope"),
    ],
)
def test_shipped_model_understands_english_chinese_and_mixed(
        nlu_model_dir: Path, text: str, intent: str) -> None:
    result = load_interpreter(nlu_model_dir).parse(text)
    assert result.intent.name == intent, result.intent_ranking[:3]


def test_shipped_model_entities_and_language(nlu_model_dir: Path) -> None:
    interpreter = load_interpreter(nlu_model_dir)
    interpreter.set_lookup("product", ["Bamboo Cutting Board"])
    result = interpreter.parse("订单KF-10234的竹子 bamboo cutting board 坏了，退我 ¥59.90，"
                               "email li@example.cn, 电话13800138000, 5月3日买的")
    found = {(e.entity, e.value) for e in result.entities}
    assert {("order_number", "KF-10234"), ("product", "Bamboo Cutting Board"),
            ("money", "¥59.90"), ("email", "li@example.cn"), ("phone", "13800138000"),
            ("date", "5月3日")} <= found
    assert result.language == "zh"
    # a product named in training data, found by the learned extractor / lookups + synonyms
    result = interpreter.parse("is the coffee machine in stock?")
    assert ("product", "coffee maker") in {(e.entity, e.value) for e in result.entities}


async def test_gateway_context_loads_or_trains_the_interpreter(
        tmp_path: Path, nlu_model_dir: Path) -> None:
    from aiohttp import web

    from bot.gateway import keys
    from bot.gateway.app import nlu_ctx
    from bot.settings import Settings

    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "nlu").symlink_to(nlu_model_dir, target_is_directory=True)
    app = web.Application()
    app[keys.SETTINGS] = Settings(data_dir=tmp_path)
    context = nlu_ctx(app)
    await context.__anext__()
    assert app[keys.INTERPRETER].parse("hi").intent.name == "greet"
    with pytest.raises(StopAsyncIteration):
        await context.__anext__()


async def test_crm_products_become_lookup_tables(sqlite_url: str, nlu_model_dir: Path) -> None:
    from decimal import Decimal

    from bot.nlu.crm_lookups import feed_crm_lookups
    from crm_core.db import create_engine, create_session_factory
    from crm_core.models.customers import Product
    from crm_core.schema import upgrade

    await upgrade(sqlite_url)
    engine = create_engine(sqlite_url)
    factory = create_session_factory(engine)
    try:
        async with factory() as session:
            session.add_all([
                Product(sku="A1", name="Bamboo Cutting Board", category="Kitchenware",
                        price=Decimal("19.90"), stock=3),
                Product(sku="A2", name="Retired Lamp", category="Lighting", price=Decimal("5"),
                        active=False),
            ])
            await session.commit()
        interpreter = load_interpreter(nlu_model_dir)
        await feed_crm_lookups(interpreter, factory)
        found = {(e.entity, e.value) for e in
                 interpreter.parse("is the bamboo cutting board in kitchenware? and the retired "
                                   "lamp?").entities}
        assert ("product", "Bamboo Cutting Board") in found
        assert ("category", "Kitchenware") in found
        assert ("product", "Retired Lamp") not in found  # inactive products are not offered
    finally:
        await engine.dispose()


async def test_crm_lookups_tolerate_an_unmigrated_database(sqlite_url: str,
                                                           nlu_model_dir: Path) -> None:
    from bot.nlu.crm_lookups import feed_crm_lookups
    from crm_core.db import create_engine, create_session_factory

    engine = create_engine(sqlite_url)
    try:
        interpreter = load_interpreter(nlu_model_dir)
        await feed_crm_lookups(interpreter, create_session_factory(engine))  # logs, no raise
        assert interpreter.parse("hi").intent.name == "greet"
    finally:
        await engine.dispose()


async def test_gateway_context_trains_when_no_model(tmp_path: Path) -> None:
    from aiohttp import web

    from bot.gateway import keys
    from bot.gateway.app import nlu_ctx
    from bot.settings import Settings

    config_dir = tmp_path / "config"
    (config_dir / "nlu" / "data").mkdir(parents=True)
    (config_dir / "nlu" / "data" / "nlu.csv").write_text(
        "text,intent\nhi,greet\nhello,greet\nhey,greet\nbye,goodbye\nsee you,goodbye\n"
        "goodbye,goodbye\n", encoding="utf-8")
    (config_dir / "nlu" / "config.yml").write_text(
        Path("config/nlu/config-tfidf.yml").read_text(encoding="utf-8"), encoding="utf-8")
    app = web.Application()
    app[keys.SETTINGS] = Settings(data_dir=tmp_path / "var", config_dir=config_dir)
    context = nlu_ctx(app)
    await context.__anext__()
    assert (tmp_path / "var" / "models" / "nlu" / "metadata.json").is_file()
    assert app[keys.INTERPRETER].intents == ["goodbye", "greet"]
