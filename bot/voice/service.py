"""One spoken turn for any voice channel: audio in -> transcript -> bot -> speech out.

The engines block (C decoders, sockets), so they run in worker threads; the message
pipeline is the app's one ``MessageHandler``, fetched when a turn happens so that the
dialogue engine's own start-up order does not matter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.messages import BotMessage, MessageHandler, UserMessage
from bot.voice.audio import Audio, resample, silence
from bot.voice.expect import Expect, Expectations, expectation
from bot.voice.stt import SpeechToText, Transcript
from bot.voice.tts import Speech, TextToSpeech

# Said when nothing intelligible was heard (the bot is not bothered with empty turns).
REPROMPT = {"en": "Sorry, I did not catch that. Could you say it again?",
            "zh": "对不起，我没有听清楚。请再说一遍。"}
GREETING_PAYLOAD = "/greet"


@dataclass(frozen=True)
class VoiceTurn:
    """What happened in one turn: what was heard, what the bot said, how it sounds."""

    transcript: Transcript | None
    replies: list[BotMessage]
    speech: Speech | None


def reply_texts(replies: list[BotMessage]) -> list[str]:
    """The texts to speak, in order (buttons are read as their titles)."""
    out = []
    for reply in replies:
        if reply.text:
            titles = ", ".join(b.title for b in reply.buttons)
            out.append(f"{reply.text} {titles}".strip() if titles else reply.text)
    return out


def is_handoff(reply: BotMessage) -> bool:
    """True when the dialogue asks the channel to connect a human (``custom.handoff``)."""
    return isinstance(reply.custom, dict) and bool(reply.custom.get("handoff"))


class VoiceService:
    """Speech engines plus the message pipeline; shared by every voice channel."""

    def __init__(
        self, stt: SpeechToText, tts: TextToSpeech,
        handler: Callable[[], MessageHandler], *, max_seconds: float = 30.0,
    ) -> None:
        self.stt = stt
        self.tts = tts
        self._handler = handler
        self.max_seconds = max_seconds
        # What each caller was just asked for (a number, a code): a hint for their answer.
        self.expectations = Expectations()

    async def transcribe(self, audio: Audio, language: str = "en",
                         expect: Expect | None = None) -> Transcript:
        """Speech to text in a worker thread."""
        return await asyncio.to_thread(self.stt.transcribe, audio, language, expect)

    async def speak(self, texts: list[str], language: str = "en") -> Speech | None:
        """All texts as one utterance (a short pause between them); None when nothing to say."""
        if not texts:
            return None
        parts = [await asyncio.to_thread(self.tts.synthesize, t, language) for t in texts]
        rate = parts[0].audio.rate
        gap = silence(0.3, rate).pcm
        pcm = gap.join(resample(p.audio, rate).pcm for p in parts)
        mp3 = parts[0].mp3 if len(parts) == 1 else None
        return Speech(Audio(pcm, rate), parts[0].engine, mp3=mp3,
                      seconds=sum(p.seconds for p in parts))

    async def reply(
        self, sender_id: str, text: str, channel: str, metadata: dict[str, Any] | None = None,
    ) -> list[BotMessage]:
        """The bot's replies to one text (the transcript, or a payload like ``/greet``)."""
        message = UserMessage(sender_id, text, channel=channel, metadata=metadata or {})
        return await self._handler().handle(message)

    async def turn(
        self, sender_id: str, audio: Audio, channel: str, *, language: str = "en",
        metadata: dict[str, Any] | None = None, speak: bool = True,
    ) -> VoiceTurn:
        """Recognise ``audio``, ask the bot, and render its answer as speech. When the bot's
        last question asked for a number or a code, the recogniser is told so."""
        expect = self.expectations.take(sender_id)
        transcript = await self.transcribe(audio, language, expect)
        if not transcript.text:  # the question stands, and so does its hint
            replies = [BotMessage(text=REPROMPT.get(language, REPROMPT["en"]), language=language)]
        else:
            meta = {**(metadata or {}), "voice": transcript.to_dict()}
            replies = await self.reply(sender_id, transcript.text, channel, meta)
            expect = expectation(replies)
        self.expectations.set(sender_id, expect)
        spoken_language = next((r.language for r in replies if r.language), language)
        speech = await self.speak(reply_texts(replies), spoken_language) if speak else None
        return VoiceTurn(transcript, replies, speech)
