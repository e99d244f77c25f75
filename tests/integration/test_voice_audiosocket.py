"""An AudioSocket client on loopback holds a two-turn call with the bot."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from bot.messages import BotMessage, UserMessage
from bot.settings import DEFAULT_CONFIG_DIR
from bot.voice import audio as va
from bot.voice import espeak
from bot.voice.audiosocket import (
    FRAME_BYTES, KIND_AUDIO, KIND_HANGUP, KIND_ID, AudioSocketServer, encode_frame, read_frame,
)
from bot.voice.service import VoiceService
from bot.voice.sphinx import DomainModel, PocketsphinxSTT
from bot.voice.tts import EspeakTTS


class PhoneHandler:
    def __init__(self) -> None:
        self.seen: list[UserMessage] = []

    async def handle(self, message: UserMessage) -> list[BotMessage]:
        self.seen.append(message)
        if message.text == "/greet":
            return [BotMessage(text="Hello, how can I help?")]
        if "refund" in message.text:
            return [BotMessage(text="Your refund is on its way.")]
        return [BotMessage(text="Please tell me your order number.")]


def phone_frames(text: str) -> list[bytes]:
    """The caller's words at 8 kHz, then 0.8 s of line noise, as 20 ms frames."""
    clip = va.resample(espeak.synthesize(text, voice="en-us", words_per_minute=160), 8000)
    pcm = va.silence(0.2, 8000).pcm + clip.pcm + va.silence(0.8, 8000).pcm
    pcm += b"\x00" * (-len(pcm) % FRAME_BYTES)
    return [pcm[i:i + FRAME_BYTES] for i in range(0, len(pcm), FRAME_BYTES)]


async def read_reply(reader: asyncio.StreamReader, quiet: float = 0.6) -> bytes:
    """Audio frames of one bot answer: everything until the line stays quiet."""
    audio = b""
    while True:
        try:
            kind, payload = await asyncio.wait_for(read_frame(reader), quiet if audio else 30)
        except asyncio.TimeoutError:
            return audio
        assert kind == KIND_AUDIO and len(payload) == FRAME_BYTES
        audio += payload


@pytest.fixture
async def server(tmp_path: Path):  # noqa: ANN201
    handler = PhoneHandler()
    stt = PocketsphinxSTT(DomainModel(DEFAULT_CONFIG_DIR / "nlu", tmp_path), pool_size=1)
    voice = VoiceService(stt, EspeakTTS(), lambda: handler)
    srv = AudioSocketServer(voice, pace=False)
    await srv.start("127.0.0.1", 0)
    srv.handler = handler
    yield srv
    await srv.close()


async def test_two_turn_call(server: AudioSocketServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    call_id = uuid.uuid4()
    writer.write(encode_frame(KIND_ID, call_id.bytes))
    greeting = await read_reply(reader)
    assert len(greeting) > 8000  # at least half a second of speech at 8 kHz
    for text in ("I want to track my order", "where is my refund"):
        for frame in phone_frames(text):
            writer.write(encode_frame(KIND_AUDIO, frame))
        await writer.drain()
        answer = await read_reply(reader)
        assert len(answer) > 8000
    writer.write(encode_frame(KIND_HANGUP))
    await writer.drain()
    writer.close()
    seen = server.handler.seen
    assert [m.text for m in seen][0] == "/greet"
    assert all(m.channel == "asterisk" and m.sender_id == f"asterisk:{call_id}" for m in seen)
    assert "order" in seen[1].text and "refund" in seen[2].text
    stats = server.calls[0]
    assert stats.call_id == str(call_id) and stats.turns == 2
    assert len(stats.first_audio_latency) == 2


async def test_garbage_frames_do_not_kill_the_server(server: AudioSocketServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"\x10\x00")  # a truncated header, then the peer goes away
    writer.close()
    reader2, writer2 = await asyncio.open_connection("127.0.0.1", server.port)
    writer2.write(encode_frame(KIND_ID, uuid.uuid4().bytes))
    assert len(await read_reply(reader2)) > 0
    writer2.close()
