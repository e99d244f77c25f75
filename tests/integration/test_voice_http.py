"""``POST /voice/turn`` and the Twilio webhook on a real aiohttp app with the real voice
engines; the dialogue is a tiny handler of the test's own (the voice channel's contract is
"text in, BotMessages out"), so these tests do not depend on the dialogue's training."""

from __future__ import annotations

import base64
import io
import wave
from pathlib import Path

import pytest
from aiohttp import FormData, web

from bot.gateway import keys
from bot.gateway.errors import error_middleware
from bot.messages import BotMessage, UserMessage
from bot.settings import Settings
from bot.voice import audio as va
from bot.voice import espeak
from bot.voice.setup import setup_voice
from bot.voice.twilio import signature

TOKEN = "twilio-test-token"


class ScriptedHandler:
    """Greets, hands over when asked for a human, else echoes what it heard."""

    def __init__(self) -> None:
        self.seen: list[UserMessage] = []

    async def handle(self, message: UserMessage) -> list[BotMessage]:
        self.seen.append(message)
        if message.text == "/greet":
            return [BotMessage(text="Hello, this is kefu."), BotMessage(text="How can I help?")]
        if "human" in message.text:
            return [BotMessage(text="Connecting you to a person.", custom={"handoff": True})]
        return [BotMessage(text=f"You said: {message.text}")]


def make_app(tmp_path: Path, **overrides: object) -> tuple[web.Application, ScriptedHandler]:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}",
                        data_dir=tmp_path, secret_key="test-secret-key-0123456789", **overrides)
    app = web.Application(middlewares=[error_middleware])
    app[keys.SETTINGS] = settings
    handler = ScriptedHandler()
    app[keys.MESSAGE_HANDLER] = handler
    setup_voice(app)
    return app, handler


def spoken_wav(text: str, rate: int = 16000) -> bytes:
    return va.to_wav(va.resample(espeak.synthesize(text, voice="en-us"), rate))


@pytest.fixture
async def client(aiohttp_client, tmp_path):  # noqa: ANN001, ANN201
    app, handler = make_app(tmp_path, voice_max_upload_bytes=400_000)
    test_client = await aiohttp_client(app)
    test_client.handler = handler
    return test_client


async def test_turn_multipart_wav_returns_transcript_replies_and_audio(client) -> None:  # noqa: ANN001
    form = FormData()
    form.add_field("audio", spoken_wav("where is my refund"), filename="a.wav",
                   content_type="audio/wav")
    form.add_field("sender_id", "browser-7")
    resp = await client.post("/voice/turn", data=form)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["sender_id"] == "browser-7"
    assert "refund" in body["transcript"]["text"]
    assert body["messages"][0]["text"].startswith("You said:")
    assert client.handler.seen[0].channel == "voice"
    wav = base64.b64decode(body["audio"]["base64"])
    assert body["audio"]["content_type"] == "audio/wav"
    with wave.open(io.BytesIO(wav)) as w:
        assert w.getnframes() > 0 and w.getnchannels() == 1


async def test_turn_raw_webm_body_and_mp3_answer(client) -> None:  # noqa: ANN001
    import av

    clip = va.resample(espeak.synthesize("I want to track my order"), 48000)
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="webm") as container:
        stream = container.add_stream("libopus", rate=48000)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(clip.samples().reshape(1, -1), format="s16",
                                           layout="mono")
        frame.sample_rate = 48000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    resp = await client.post("/voice/turn?format=mp3&sender_id=b2", data=buf.getvalue(),
                             headers={"Content-Type": "audio/webm;codecs=opus"})
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert "order" in body["transcript"]["text"]
    assert body["audio"]["content_type"] == "audio/mpeg"
    assert va.decode(base64.b64decode(body["audio"]["base64"])).seconds > 0.5


@pytest.mark.parametrize(("data", "content_type", "code"), [
    (b"", "audio/wav", "empty_audio"),
    (b"hello", "text/plain", "unsupported_audio"),
    (b"not really audio" * 50, "audio/ogg", "unsupported_audio"),
    (b"\x00" * 500_000, "audio/wav", "audio_too_large"),
])
async def test_turn_rejects_bad_audio_with_4xx(client, data, content_type, code) -> None:  # noqa: ANN001
    resp = await client.post("/voice/turn", data=data, headers={"Content-Type": content_type})
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == code
    assert client.handler.seen == []


async def test_turn_rejects_unknown_format_and_missing_part(client) -> None:  # noqa: ANN001
    resp = await client.post("/voice/turn?format=ogg", data=spoken_wav("hello"),
                             headers={"Content-Type": "audio/wav"})
    assert resp.status == 400 and (await resp.json())["error"]["details"]["field"] == "format"
    form = FormData()
    form.add_field("sender_id", "x")
    form.add_field("other", b"abc", filename="x.bin")
    resp = await client.post("/voice/turn", data=form)
    assert resp.status == 400


# --- Twilio ---------------------------------------------------------------------------

HEAD = '<?xml version="1.0" encoding="UTF-8"?>'


async def twilio_post(client, params: dict[str, str], token: str | None = TOKEN,  # noqa: ANN001
                      sign: str | None = None):  # noqa: ANN202
    url = str(client.make_url("/voice/twilio"))
    headers = {}
    if token is not None:
        headers["X-Twilio-Signature"] = sign or signature(url, params, token)
    return await client.post("/voice/twilio", data=params, headers=headers)


@pytest.fixture
async def twilio(aiohttp_client, tmp_path):  # noqa: ANN001, ANN201
    app, handler = make_app(tmp_path, twilio_auth_token=TOKEN)
    test_client = await aiohttp_client(app)
    test_client.handler = handler
    return test_client


async def test_twilio_call_greets_then_answers_speech(twilio) -> None:  # noqa: ANN001
    call = {"CallSid": "CA100", "From": "+15551230000", "To": "+15559990000"}
    resp = await twilio_post(twilio, {**call, "CallStatus": "ringing"})
    assert resp.status == 200 and resp.content_type == "text/xml"
    action = str(twilio.make_url("/voice/twilio"))
    assert await resp.text() == (
        HEAD + '<Response><Say voice="alice">Hello, this is kefu.</Say><Pause length="1"/>'
        f'<Gather input="speech" action="{action}" actionOnEmptyResult="true" '
        'speechTimeout="5"><Say voice="alice">How can I help?</Say></Gather></Response>'
    )
    resp = await twilio_post(twilio, {**call, "CallStatus": "in-progress",
                                      "SpeechResult": "Where is my order?", "Confidence": "0.91"})
    xml = await resp.text()
    assert '<Say voice="alice">You said: Where is my order?</Say></Gather>' in xml
    seen = twilio.handler.seen[-1]
    assert seen.channel == "twilio" and seen.sender_id == "twilio:CA100"
    assert seen.metadata["from"] == "+15551230000" and seen.metadata["confidence"] == "0.91"


async def test_twilio_empty_speech_reprompts_and_handoff_enqueues(twilio) -> None:  # noqa: ANN001
    call = {"CallSid": "CA200", "CallStatus": "in-progress"}
    resp = await twilio_post(twilio, {**call, "SpeechResult": ""})
    xml = await resp.text()
    assert "say it again" in xml and "<Gather " in xml and twilio.handler.seen == []
    resp = await twilio_post(twilio, {**call, "SpeechResult": "a human please"})
    xml = await resp.text()
    assert xml.endswith('<Pause length="1"/><Enqueue>support</Enqueue></Response>')
    assert "<Gather" not in xml
    resp = await twilio_post(twilio, {**call, "CallStatus": "completed"})
    assert await resp.text() == HEAD + "<Response/>"


async def test_twilio_handoff_dials_the_agent_line(aiohttp_client, tmp_path) -> None:  # noqa: ANN001
    app, _ = make_app(tmp_path, twilio_agent_number="+15550001111")
    client = await aiohttp_client(app)
    resp = await twilio_post(client, {"CallSid": "CA3", "SpeechResult": "human"}, token=None)
    assert (await resp.text()).endswith("<Dial>+15550001111</Dial></Response>")


async def test_twilio_signature_is_enforced(twilio) -> None:  # noqa: ANN001
    params = {"CallSid": "CA300", "CallStatus": "ringing"}
    assert (await twilio_post(twilio, params, token=None)).status == 403
    assert (await twilio_post(twilio, params, sign="AAAAAAAAAAAAAAAAAAAAAAAAAAA=")).status == 403
    forged = await twilio_post(twilio, params, token="someone-elses-token")
    assert forged.status == 403
    assert (await forged.json())["error"]["code"] == "forbidden"
    assert twilio.handler.seen == []
    assert (await twilio_post(twilio, params)).status == 200


async def test_twilio_requires_call_sid(twilio) -> None:  # noqa: ANN001
    resp = await twilio_post(twilio, {"CallStatus": "ringing"})
    assert resp.status == 400
