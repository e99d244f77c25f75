"""The NLU worker process: the same answers as the in-process interpreter (run-time lookup
tables included), and the in-process interpreter takes over if the child dies."""

from __future__ import annotations

from pathlib import Path

from bot.nlu import load_interpreter
from bot.nlu.worker import NluWorker

TEXTS = ["hi there", "where is my order KF-10432?", "I want to talk to a human",
         "我的订单到哪了", "is the Zanzibar Teapot in stock?", ""]


async def test_worker_parses_like_the_local_interpreter(nlu_model_dir: Path) -> None:
    local = load_interpreter(nlu_model_dir)
    local.set_lookup("product", ["Zanzibar Teapot"])
    worker = NluWorker(nlu_model_dir, local)
    await worker.start()
    try:
        assert worker.alive
        remote = await worker.parse_batch(TEXTS)
        assert [r.to_dict() for r in remote] == [r.to_dict() for r in local.parse_batch(TEXTS)]
        product = remote[4].entities
        assert ("product", "Zanzibar Teapot") in {(e.entity, e.value) for e in product}
        # A table replaced later reaches the child before the next parse.
        await worker.set_lookup("product", ["Kyoto Kettle"])
        again = await worker.parse_batch(["do you sell the kyoto kettle?"])
        assert ("product", "Kyoto Kettle") in {(e.entity, e.value) for e in again[0].entities}
    finally:
        await worker.close()
    assert not worker.alive


async def test_a_dead_worker_falls_back_in_process(nlu_model_dir: Path) -> None:
    local = load_interpreter(nlu_model_dir)
    worker = NluWorker(nlu_model_dir, local)
    await worker.start()
    assert worker._proc is not None
    worker._proc.kill()
    await worker._proc.wait()
    results = await worker.parse_batch(["where is my order KF-10432?"])
    assert results[0].to_dict() == local.parse("where is my order KF-10432?").to_dict()
    assert not worker.alive
    await worker.close()
