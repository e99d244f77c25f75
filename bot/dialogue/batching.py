"""NLU for concurrent turns in one vectorised call, without waiting for a batch to fill.

Parsing one message at a time spends most of its CPU in per-call overhead (small numpy
arrays, one softmax per message); ``parse_batch`` of 8-32 messages costs ~40% less per
message. ``BatchingParser.parse`` queues the text and schedules one flush on the event
loop: every message queued until the flush runs (the turns whose frames arrived in the
same loop iteration) is parsed together. There is no timer, so an idle server answers as
fast as before; the batches grow only when turns are already waiting for each other.
The parse runs on the loop thread like before (no thread hop: the GIL would serialise it
anyway), unless the interpreter ``offload()``s it to the NLU worker process
(``bot.nlu.worker``): then one batch is in flight at a time, and whatever arrives while it
is parsed goes in the next.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.nlu.types import Interpreter, ParseResult

log = logging.getLogger(__name__)


class BatchingParser:
    """``await parse(text)``: the interpreter's result, parsed with whatever else is queued."""

    def __init__(self, interpreter: Interpreter, max_batch: int = 32) -> None:
        self.interpreter = interpreter
        self.max_batch = max_batch
        self._pending: list[tuple[str, asyncio.Future[ParseResult]]] = []
        self._scheduled = False
        self._offloading: asyncio.Task[None] | None = None
        self.batches = 0  # parse_batch calls made (tests and metrics)

    async def parse(self, text: str) -> ParseResult:
        """Parse ``text`` in the next flush."""
        if getattr(self.interpreter, "parse_batch", None) is None:
            return self.interpreter.parse(text)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[ParseResult] = loop.create_future()
        self._pending.append((text, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return await future

    def _take(self) -> list[tuple[str, asyncio.Future[ParseResult]]]:
        """The next batch of turns still waiting ([] when none is left)."""
        while self._pending:
            batch = self._pending[:self.max_batch]
            del self._pending[:self.max_batch]
            live = [(t, f) for t, f in batch if not f.cancelled()]
            if live:
                self.batches += 1
                return live
        return []

    def _flush(self) -> None:
        self._scheduled = False
        offload = getattr(self.interpreter, "offload", lambda: None)()
        if offload is not None:
            if self._offloading is None or self._offloading.done():
                self._offloading = asyncio.get_running_loop().create_task(
                    self._run_offloaded(offload))
            return
        while live := self._take():
            try:
                results: list[Any] = self.interpreter.parse_batch(  # type: ignore[attr-defined]
                    [t for t, _ in live])
            except Exception as exc:  # noqa: BLE001 - every waiting turn gets the error
                _fail(live, exc)
                continue
            _deliver(live, results)

    async def _run_offloaded(self, offload: Any) -> None:
        """Parse queued batches in the worker process, one in flight at a time."""
        while live := self._take():
            try:
                results = await offload([t for t, _ in live])
            except Exception as exc:  # noqa: BLE001 - every waiting turn gets the error
                _fail(live, exc)
                continue
            _deliver(live, results)


def _deliver(live: list[tuple[str, asyncio.Future[ParseResult]]], results: list[Any]) -> None:
    if len(results) != len(live):
        _fail(live, RuntimeError(f"parse_batch returned {len(results)} results "
                                 f"for {len(live)} texts"))
        return
    for (_, future), result in zip(live, results, strict=True):
        if not future.done():
            future.set_result(result)


def _fail(live: list[tuple[str, asyncio.Future[ParseResult]]], exc: BaseException) -> None:
    log.error("NLU batch of %d failed", len(live), exc_info=exc)
    for _, future in live:
        if not future.done():
            future.set_exception(exc)
