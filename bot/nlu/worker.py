"""NLU in a process of its own, so parsing runs on another core beside the event loop.

One kefu worker is one event loop: its turns' NLU, dialogue, database calls and
WebSocket frames share one core (the GIL), and NLU is about half of that CPU. With
``nlu_worker`` on, the dialogue engine's micro-batches are parsed by ``NluWorker``: a
child process (``python -m bot.nlu.worker MODEL_DIR``) that loads the same model folder
and gets the same run-time lookup tables. While it parses one batch, the loop goes on
with other turns, and messages arriving meanwhile form the next batch.

The two talk over the child's stdin and stdout, read and written by the event loop itself
(length-prefixed pickles, one request answered before the next is sent). A process pool
was tried first: its result-handling thread has to win the GIL from the busy loop twice
per batch, which added tens of milliseconds to every turn under load.

The in-process interpreter stays loaded (the REST API's parse endpoint, voice and the
fallback use it). If the child dies or fails, batches are parsed in process from then on
and the error is logged: a customer's message is never lost to it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import signal
import struct
import sys
from pathlib import Path
from typing import Any, BinaryIO

from bot.nlu.types import ParseResult

log = logging.getLogger(__name__)
_LENGTH = struct.Struct(">I")


class NluWorker:
    """``await parse_batch(texts)`` in the child process; ``local`` when it is gone."""

    def __init__(self, model_dir: str | Path, local: Any, start_timeout: float = 300.0) -> None:
        """``local``: the in-process ``KefuInterpreter`` of the same model (its run-time
        lookup tables are copied to the child)."""
        self.model_dir = str(model_dir)
        self.local = local
        self.start_timeout = start_timeout
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Start the child and wait until it has loaded the model and the lookups."""
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.nlu.worker", self.model_dir,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        try:
            await asyncio.wait_for(
                self._call("lookups", self.local.runtime_lookups()), self.start_timeout)
        except BaseException:
            await self.close()
            raise

    @property
    def alive(self) -> bool:
        """Whether batches still go to the child process."""
        return self._proc is not None

    async def _call(self, kind: str, payload: Any) -> Any:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdout is None:
            raise RuntimeError("the NLU worker is not running")
        async with self._lock:  # one request at a time: replies come back in order
            body = pickle.dumps((kind, payload), protocol=pickle.HIGHEST_PROTOCOL)
            proc.stdin.write(_LENGTH.pack(len(body)) + body)
            await proc.stdin.drain()
            size = _LENGTH.unpack(await proc.stdout.readexactly(_LENGTH.size))[0]
            ok, value = pickle.loads(await proc.stdout.readexactly(size))  # noqa: S301 - our child
        if not ok:
            raise RuntimeError(f"NLU worker: {value}")
        return value

    async def parse_batch(self, texts: list[str]) -> list[ParseResult]:
        """Parse in the child (in process once it has failed)."""
        if self._proc is not None:
            try:
                return await self._call("parse", texts)
            except (OSError, EOFError, RuntimeError, asyncio.IncompleteReadError,
                    pickle.PickleError):
                log.exception("the NLU worker process failed; parsing in process from now on")
                await self.close()
        return self.local.parse_batch(texts)

    async def set_lookup(self, name: str, values: list[str]) -> None:
        """Replace a run-time lookup table here and in the child (before later parses)."""
        self.local.set_lookup(name, values)
        if self._proc is not None:
            await self._call("lookups", {name: list(values)})

    async def close(self) -> None:
        """Stop the child process."""
        proc, self._proc = self._proc, None
        if proc is None or proc.returncode is not None:
            return
        if proc.stdin is not None:
            proc.stdin.close()  # the child exits at end of input
        try:
            await asyncio.wait_for(proc.wait(), 5)
        except TimeoutError:
            proc.kill()
            await proc.wait()


def _read(stream: BinaryIO) -> tuple[str, Any] | None:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    return pickle.loads(stream.read(_LENGTH.unpack(head)[0]))  # noqa: S301 - our parent


def serve(model_dir: str, requests: BinaryIO, replies: BinaryIO) -> None:
    """The child's loop: load the model, answer requests until the input ends."""
    from bot.nlu import load_interpreter

    interpreter = load_interpreter(model_dir)
    while (request := _read(requests)) is not None:
        kind, payload = request
        try:
            if kind == "parse":
                reply: tuple[bool, Any] = (True, interpreter.parse_batch(payload))
            elif kind == "lookups":
                for name, values in payload.items():
                    interpreter.set_lookup(name, values)
                reply = (True, None)
            else:
                reply = (False, f"unknown request {kind!r}")
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which falls back
            reply = (False, f"{type(exc).__name__}: {exc}")
        body = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        replies.write(_LENGTH.pack(len(body)) + body)
        replies.flush()


def main() -> None:
    """``python -m bot.nlu.worker MODEL_DIR`` (started by ``NluWorker``)."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # Ctrl-C reaches the whole process group: the parent decides, and closes our input.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Replies get the real stdout; anything a library prints goes to stderr instead.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve(sys.argv[1], sys.stdin.buffer, replies)


if __name__ == "__main__":
    main()
