"""Twilio Programmable Voice webhook (PROTOCOLS.md section 3): form fields in, TwiML out.

Twilio recognises the caller's speech itself (``<Gather input="speech">``) and speaks our
replies with ``<Say>``, so this channel needs no local speech engine. Every request is
signed: ``X-Twilio-Signature`` = base64(HMAC-SHA1(auth token, URL + sorted key+value)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Mapping
from xml.sax.saxutils import escape, quoteattr

from aiohttp import web

from bot.gateway import keys
from bot.messages import BotMessage
from bot.voice.service import GREETING_PAYLOAD, REPROMPT, is_handoff, reply_texts
from crm_core.errors import Forbidden, InvalidInput

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/xml"
ENDED = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'


def signature(url: str, params: Mapping[str, str], auth_token: str) -> str:
    """Twilio's request signature for ``url`` and POST ``params``."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _url_variants(url: str) -> list[str]:
    """The URL as sent and without/with the default port (Twilio signs what it dialled)."""
    from yarl import URL

    parsed = URL(url)
    variants = [str(parsed)]
    default = 443 if parsed.scheme == "https" else 80
    if parsed.explicit_port == default:
        variants.append(str(parsed.with_port(None)))
    elif parsed.explicit_port is None:
        variants.append(str(parsed.with_port(default)))
    return variants


def verify(url: str, params: Mapping[str, str], auth_token: str, header: str | None) -> None:
    """Raise Forbidden unless ``header`` is the valid signature of this request."""
    if not header:
        raise Forbidden("missing X-Twilio-Signature", details={"header": "X-Twilio-Signature"})
    for candidate in _url_variants(url):
        if hmac.compare_digest(signature(candidate, params, auth_token), header):
            return
    raise Forbidden("invalid X-Twilio-Signature", details={"header": "X-Twilio-Signature"})


# Twilio language codes for non-English replies (English needs no attribute).
TWILIO_LANGUAGE = {"zh": "zh-CN"}


def _say(text: str, voice: str, language: str | None) -> str:
    lang = f" language={quoteattr(language)}" if language else ""
    return f"<Say voice={quoteattr(voice)}{lang}>{escape(text)}</Say>"


def render(
    texts: list[str], action: str, *, voice: str, gather: bool = True,
    dial: str | None = None, enqueue: str | None = None, hangup: bool = False,
    language: str | None = None,
) -> str:
    """TwiML: each text but the last as Say + Pause; the last inside a speech Gather.

    With ``dial``/``enqueue`` (a handoff) or ``hangup`` every text is a plain Say followed
    by ``<Dial>``, ``<Enqueue>`` or ``<Hangup/>``; nothing is gathered.
    """
    gather = gather and not (dial or enqueue or hangup)
    body = []
    spoken = texts[:-1] if gather and texts else texts
    for text in spoken:
        body.append(_say(text, voice, language) + '<Pause length="1"/>')
    if gather:
        inner = _say(texts[-1], voice, language) if texts else ""
        lang = f" language={quoteattr(language)}" if language else ""
        body.append(
            f'<Gather input="speech" action={quoteattr(action)} actionOnEmptyResult="true" '
            f'speechTimeout="5"{lang}>{inner}</Gather>'
        )
    if dial:
        body.append(f"<Dial>{escape(dial)}</Dial>")
    elif enqueue:
        body.append(f"<Enqueue>{escape(enqueue)}</Enqueue>")
    elif hangup:
        body.append("<Hangup/>")
    return f"{XML_HEAD}<Response>{''.join(body)}</Response>"


def _public_url(request: web.Request, configured: str | None) -> str:
    """The URL Twilio called (configured when kefu runs behind a proxy)."""
    if configured:
        return configured + (f"?{request.query_string}" if request.query_string else "")
    return str(request.url)


async def webhook(request: web.Request) -> web.Response:
    """Answer one Twilio voice request with TwiML."""
    settings = request.app[keys.SETTINGS]
    params = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    url = _public_url(request, settings.twilio_public_url)
    if settings.twilio_auth_token is not None:
        verify(url, params, settings.twilio_auth_token.get_secret_value(),
               request.headers.get("X-Twilio-Signature"))
    call_sid = params.get("CallSid", "").strip()
    if not call_sid:
        raise InvalidInput("CallSid is required", details={"field": "CallSid"})
    if params.get("CallStatus", "") in ENDED:
        return _twiml(f"{XML_HEAD}<Response/>")
    voice_name = settings.twilio_voice
    action = settings.twilio_public_url or str(request.url.with_query(None))
    speech = params.get("SpeechResult")
    if speech is not None and not speech.strip():
        return _twiml(render([REPROMPT["en"]], action, voice=voice_name))
    metadata = {"call_sid": call_sid, "from": params.get("From"), "to": params.get("To"),
                "confidence": params.get("Confidence")}
    text = speech.strip() if speech is not None else GREETING_PAYLOAD
    replies = await request.app[keys.VOICE].reply(f"twilio:{call_sid}", text, "twilio", metadata)
    return _twiml(_answer(replies, action, settings))


def _answer(replies: list[BotMessage], action: str, settings) -> str:  # noqa: ANN001
    texts = reply_texts(replies) or [REPROMPT["en"]]
    spoken = next((r.language for r in replies if r.language), None)
    language = TWILIO_LANGUAGE.get(spoken or "")
    if any(is_handoff(r) for r in replies):
        dial = settings.twilio_agent_number
        return render(texts, action, voice=settings.twilio_voice, dial=dial,
                      enqueue=None if dial else settings.twilio_queue, language=language)
    hangup = any(isinstance(r.custom, dict) and r.custom.get("hangup") for r in replies)
    return render(texts, action, voice=settings.twilio_voice, hangup=hangup, language=language)


def _twiml(body: str) -> web.Response:
    return web.Response(text=body, content_type=CONTENT_TYPE, charset="utf-8")
