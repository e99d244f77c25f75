"""The production path: the real app from the composition root, its real dialogue engine
and NLU, a fresh CRM database; a phone caller (Twilio) and a browser (/voice/turn) talk."""

from __future__ import annotations

from pathlib import Path

from bot.gateway.app import create_app
from bot.settings import Settings
from bot.voice import audio as va
from bot.voice import espeak
from bot.voice.twilio import signature

TOKEN = "twilio-e2e-token"


async def create_schema(url: str) -> None:
    from crm_core.db import create_engine
    from crm_core.models import Base

    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()


async def test_phone_and_browser_callers_reach_the_real_bot(aiohttp_client, tmp_path: Path) -> None:  # noqa: ANN001
    url = f"sqlite+aiosqlite:///{tmp_path / 'kefu.sqlite3'}"
    await create_schema(url)
    settings = Settings(database_url=url, data_dir=tmp_path, twilio_auth_token=TOKEN,
                        secret_key="test-secret-key-0123456789-voice")
    client = await aiohttp_client(create_app(settings))
    hook = str(client.make_url("/voice/twilio"))

    async def twilio(params: dict[str, str]) -> str:
        resp = await client.post("/voice/twilio", data=params,
                                 headers={"X-Twilio-Signature": signature(hook, params, TOKEN)})
        assert resp.status == 200 and resp.content_type == "text/xml"
        return await resp.text()

    greeting = await twilio({"CallSid": "CAe2e", "CallStatus": "ringing", "From": "+15550100"})
    assert greeting.startswith('<?xml version="1.0" encoding="UTF-8"?><Response>')
    assert f'<Gather input="speech" action="{hook}" actionOnEmptyResult="true"' in greeting
    answer = await twilio({"CallSid": "CAe2e", "CallStatus": "in-progress",
                           "SpeechResult": "where is my order", "Confidence": "0.9"})
    assert "<Say" in answer and answer != greeting

    wav = va.to_wav(va.resample(espeak.synthesize("I want to track my order"), 16000))
    resp = await client.post("/voice/turn?sender_id=web-e2e", data=wav,
                             headers={"Content-Type": "audio/wav"})
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert "track my order" in body["transcript"]["text"]
    assert body["messages"] and body["messages"][0]["text"]
    assert body["audio"]["content_type"] == "audio/wav"

    js = await client.get("/voice/static/voice.js")
    assert js.status == 200 and "/voice/turn" in await js.text()
