"""Micro-batching: concurrent parses are grouped and run as one vectorised batch.

Under load, encoding sentences one at a time wastes the vectorised paths (TF-IDF rows,
embedding matrices, ONNX batches). ``MicroBatchingInterpreter.parse_async`` queues the
message; a worker takes whatever arrived within ``max_wait_ms`` (up to ``max_batch``) and
parses it with one ``parse_batch`` call in a thread, so the event loop never blocks.
"""

from __future__ import annotations

import asyncio
import contextlib

from bot.nlu.interpreter import KefuInterpreter
from bot.nlu.types import ParseResult


class MicroBatchingInterpreter:
    """Wraps a ``KefuInterpreter``; ``parse`` stays synchronous, ``parse_async`` batches."""

    def __init__(self, interpreter: KefuInterpreter, max_batch: int = 32,
                 max_wait_ms: float = 2.0) -> None:
        self.interpreter = interpreter
        self.max_batch = max_batch
        self.max_wait = max_wait_ms / 1000
        self._queue: asyncio.Queue[tuple[str, asyncio.Future[ParseResult]]] | None = None
        self._worker: asyncio.Task[None] | None = None
        self.batches = 0  # number of parse_batch calls made (for tests and metrics)

    def parse(self, text: str) -> ParseResult:
        """Synchronous parse (the ``Interpreter`` protocol)."""
        return self.interpreter.parse(text)

    def set_lookup(self, name: str, values: list[str]) -> None:
        """Feed a run-time lookup table to the wrapped interpreter."""
        self.interpreter.set_lookup(name, values)

    async def parse_async(self, text: str) -> ParseResult:
        """Parse in the next micro-batch."""
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._worker = asyncio.create_task(self._run())
        future: asyncio.Future[ParseResult] = asyncio.get_running_loop().create_future()
        await self._queue.put((text, future))
        return await future

    async def _run(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            deadline = loop.time() + self.max_wait
            while len(batch) < self.max_batch:
                timeout = deadline - loop.time()
                if timeout <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(self._queue.get(), timeout))
                except TimeoutError:
                    break
            texts = [t for t, _ in batch]
            self.batches += 1
            results = await loop.run_in_executor(None, self.interpreter.parse_batch, texts)
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def close(self) -> None:
        """Stop the worker."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
            self._queue = None
