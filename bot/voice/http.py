"""``POST /voice/turn``: audio in -> transcript, the bot's replies, and its spoken answer.

Body: ``multipart/form-data`` with an ``audio`` file part (plus optional ``sender_id``,
``language``, ``format`` fields) or the raw audio bytes with an ``audio/*`` content type
(``?sender_id=&language=&format=``). ``format`` is ``wav`` (default), ``mp3`` or ``none``.
Answer: ``{"sender_id", "transcript": {text, engine, seconds, model}, "messages": [...],
"audio": {"content_type", "base64", "seconds", "engine"} | null}``.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from aiohttp import BodyPartReader, web

from bot.gateway import keys
from bot.inputs import check_sender
from bot.messages import BotMessage
from bot.voice.audio import check_content_type, decode, to_mp3, to_wav
from bot.voice.errors import AudioTooLarge, EmptyAudio
from crm_core.errors import InvalidInput

FORMATS = {"wav": "audio/wav", "mp3": "audio/mpeg", "none": None}
LANGUAGES = ("en", "zh")


async def _read_limited(stream: Any, limit: int) -> bytes:
    """The whole body part, refusing more than ``limit`` bytes without buffering them."""
    chunks, size = [], 0
    read = stream.read_chunk if isinstance(stream, BodyPartReader) else stream.read
    while chunk := await read(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise AudioTooLarge("bytes", size, limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def _parse(request: web.Request, limit: int) -> tuple[bytes, str | None, dict[str, str]]:
    """Audio bytes, their declared type and the other fields, from either body shape."""
    fields: dict[str, str] = dict(request.query)
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        raise AudioTooLarge("bytes", request.content_length, limit)
    if request.content_type.startswith("multipart/"):
        audio, kind = b"", None
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "audio":
                kind = part.headers.get("Content-Type")
                audio = await _read_limited(part, limit)
            elif part.name:
                fields[part.name] = (await part.text())[:200]
        if not audio and kind is None:
            raise InvalidInput("multipart body needs an 'audio' file part",
                               details={"field": "audio"})
        return audio, kind, fields
    return await _read_limited(request.content, limit), request.content_type, fields


def message_json(reply: BotMessage) -> dict[str, Any]:
    """A bot message as JSON, only its non-empty fields."""
    out: dict[str, Any] = {}
    if reply.text:
        out["text"] = reply.text
    if reply.buttons:
        out["buttons"] = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    for name in ("image", "attachment", "custom", "language"):
        if getattr(reply, name) is not None:
            out[name] = getattr(reply, name)
    return out


async def turn(request: web.Request) -> web.Response:
    """One spoken turn from a browser or any HTTP client."""
    settings = request.app[keys.SETTINGS]
    voice = request.app[keys.VOICE]
    data, kind, fields = await _parse(request, settings.voice_max_upload_bytes)
    check_content_type(kind)  # non-audio types: UnsupportedAudio with the type in details
    if not data:
        raise EmptyAudio()
    out_format = fields.get("format", "wav").lower()
    language = fields.get("language", "en").lower()
    if out_format not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}",
                           details={"field": "format", "value": out_format})
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}",
                           details={"field": "language", "value": language})
    sender_id = check_sender(fields.get("sender_id") or fields.get("sender")
                             or uuid.uuid4().hex, "sender_id")
    audio = decode(data, content_type=kind, max_seconds=settings.voice_max_seconds)
    result = await voice.turn(sender_id, audio, "voice", language=language,
                              speak=out_format != "none")
    body: dict[str, Any] = {
        "sender_id": sender_id,
        "transcript": result.transcript.to_dict() if result.transcript else None,
        "messages": [message_json(r) for r in result.replies],
        "audio": None,
    }
    if result.speech is not None and FORMATS[out_format]:
        speech = result.speech
        encoded = to_wav(speech.audio) if out_format == "wav" else (
            speech.mp3 or to_mp3(speech.audio))
        body["audio"] = {
            "content_type": FORMATS[out_format], "engine": speech.engine,
            "seconds": round(speech.audio.seconds, 3),
            "base64": base64.b64encode(encoded).decode("ascii"),
        }
    return web.json_response(body)
