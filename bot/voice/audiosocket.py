"""Asterisk AudioSocket server: a phone call as a TCP stream of small typed frames.

Frame = 1 byte type, 2 bytes big-endian payload length, payload. Types: 0x00 hang-up,
0x01 call id (16-byte UUID), 0x10 audio (8 kHz signed 16-bit little-endian mono),
0xFF error. The caller's turn ends on silence (energy VAD); its audio goes through the
voice service (speech -> bot -> speech) and the answer is streamed back as 20 ms audio
frames at real-time pace. The bot greets when the call id arrives. No barge-in: audio
received while the bot speaks is discarded.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import time
import uuid
from dataclasses import dataclass, field

from bot.messages import BotMessage
from bot.voice.audio import PHONE_RATE, Audio, resample
from bot.voice.service import GREETING_PAYLOAD, VoiceService, reply_texts
from bot.voice.vad import EnergyVad, VadConfig

log = logging.getLogger(__name__)

KIND_HANGUP = 0x00
KIND_ID = 0x01
KIND_AUDIO = 0x10
KIND_ERROR = 0xFF
FRAME_BYTES = PHONE_RATE // 50 * 2  # 20 ms of 8 kHz 16-bit audio = 320 bytes
HEADER = struct.Struct(">BH")


def encode_frame(kind: int, payload: bytes = b"") -> bytes:
    """One AudioSocket frame."""
    return HEADER.pack(kind, len(payload)) + payload


async def read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The next frame (raises IncompleteReadError at end of stream)."""
    kind, length = HEADER.unpack(await reader.readexactly(HEADER.size))
    return kind, await reader.readexactly(length) if length else b""


@dataclass
class CallStats:
    """Per-call timings: end of caller speech -> first reply audio frame written."""

    call_id: str = ""
    turns: int = 0
    first_audio_latency: list[float] = field(default_factory=list)
    transcripts: list[str] = field(default_factory=list)


class AudioSocketServer:
    """Serves AudioSocket calls with the app's VoiceService."""

    def __init__(self, voice: VoiceService, vad: VadConfig | None = None,
                 pace: bool = True) -> None:
        self.voice = voice
        self.vad = vad or VadConfig()
        self.pace = pace  # real-time pacing of outgoing frames (Asterisk plays as it gets)
        self.calls: list[CallStats] = []
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    async def start(self, host: str, port: int) -> None:
        """Listen on host:port (0 picks a free port, see ``self.port``)."""
        self._server = await asyncio.start_server(self._serve, host, port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening and end running calls."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        stats = CallStats()
        self.calls.append(stats)
        try:
            await _Call(self, reader, writer, stats).run()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the caller hung up without a hang-up frame
        except asyncio.CancelledError:
            pass  # the server is shutting down: end the call quietly
        except Exception:  # noqa: BLE001 - one broken call must not stop the server
            log.exception("AudioSocket call %s failed", stats.call_id)
            writer.write(encode_frame(KIND_ERROR, b"\x03"))
        finally:
            writer.close()
            if task is not None:
                self._tasks.discard(task)


class _Call:
    """One connected call: reads frames, detects turns, answers."""

    def __init__(self, server: AudioSocketServer, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter, stats: CallStats) -> None:
        self.server, self.reader, self.writer, self.stats = server, reader, writer, stats
        self.vad = EnergyVad(PHONE_RATE, server.vad)
        self.speaking: asyncio.Task[None] | None = None

    @property
    def sender_id(self) -> str:
        return f"asterisk:{self.stats.call_id}"

    async def run(self) -> None:
        try:
            while True:
                kind, payload = await read_frame(self.reader)
                if kind == KIND_HANGUP:
                    return
                self._on_frame(kind, payload)
        finally:
            if self.speaking is not None:
                self.speaking.cancel()

    def _on_frame(self, kind: int, payload: bytes) -> None:
        busy = self.speaking is not None and not self.speaking.done()
        if kind == KIND_ID:
            self.stats.call_id = str(uuid.UUID(bytes=payload[:16])) if len(payload) >= 16 \
                else payload.hex()
            self.speaking = asyncio.create_task(self._guard(self._greet()))
        elif kind == KIND_AUDIO and not busy:  # no barge-in: ignore the caller while we talk
            utterance = self.vad.push(payload)
            if utterance is not None:
                self.speaking = asyncio.create_task(
                    self._guard(self._answer(Audio(utterance, PHONE_RATE), time.perf_counter())))
        elif kind == KIND_ERROR:
            log.warning("AudioSocket call %s: peer error %s", self.stats.call_id, payload.hex())

    async def _guard(self, work) -> None:  # noqa: ANN001 - a coroutine
        try:
            await work
        except (ConnectionError, asyncio.CancelledError):
            raise
        except Exception:  # noqa: BLE001 - keep the call up; say nothing this turn
            log.exception("AudioSocket call %s: turn failed", self.stats.call_id)
            self.vad.reset()

    async def _greet(self) -> None:
        replies = await self.server.voice.reply(
            self.sender_id, GREETING_PAYLOAD, "asterisk", {"call_id": self.stats.call_id})
        await self._speak(reply_texts(replies), None, _language(replies))

    async def _answer(self, audio: Audio, ended_at: float) -> None:
        turn = await self.server.voice.turn(
            self.sender_id, audio, "asterisk", metadata={"call_id": self.stats.call_id},
            speak=False)
        self.stats.turns += 1
        self.stats.transcripts.append(turn.transcript.text if turn.transcript else "")
        await self._speak(reply_texts(turn.replies), ended_at, _language(turn.replies))

    async def _speak(self, texts: list[str], ended_at: float | None, language: str) -> None:
        """Synthesise sentence by sentence so the first audio leaves before the last is made."""
        first = True
        pending = b""
        for text in texts:
            speech = await self.server.voice.speak([text], language)
            if speech is None:
                continue
            pcm = pending + resample(speech.audio, PHONE_RATE).pcm
            cut = len(pcm) // FRAME_BYTES * FRAME_BYTES
            pending = pcm[cut:]
            if first and ended_at is not None and cut:
                self.stats.first_audio_latency.append(time.perf_counter() - ended_at)
            first = False
            await self._send(pcm[:cut])
        if pending:
            await self._send(pending.ljust(FRAME_BYTES, b"\x00"))
        self.vad.reset()

    async def _send(self, pcm: bytes) -> None:
        started = time.perf_counter()
        for i, offset in enumerate(range(0, len(pcm), FRAME_BYTES)):
            self.writer.write(encode_frame(KIND_AUDIO, pcm[offset:offset + FRAME_BYTES]))
            await self.writer.drain()
            if self.server.pace:
                # Stay ~100 ms ahead of real time: smooth playout, no huge buffer in Asterisk.
                delay = started + (i + 1) * 0.02 - 0.1 - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)


def _language(replies: list[BotMessage]) -> str:
    """The language the bot answered in (English unless a reply says otherwise)."""
    return next((r.language for r in replies if r.language), "en")
