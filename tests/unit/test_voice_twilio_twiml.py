"""TwiML rendering (PROTOCOLS.md section 3) and X-Twilio-Signature, against Twilio's vectors."""

from __future__ import annotations

import pytest

from bot.voice.twilio import render, signature, verify
from crm_core.errors import Forbidden

DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>'


@pytest.mark.parametrize(("caller", "expected"), [
    ("+12349013030", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="),  # Twilio's documented examples
    ("+14158675310", "GvWf1cFY/Q7PnoempGyD5oXAezc="),
])
def test_signature_matches_twilio_documentation(caller: str, expected: str) -> None:
    params = {"CallSid": "CA1234567890ABCDE", "Caller": caller, "Digits": "1234",
              "From": caller, "To": "+18005551212"}
    assert signature(DOC_URL, params, "12345") == expected
    verify(DOC_URL, params, "12345", expected)
    with pytest.raises(Forbidden):
        verify(DOC_URL, {**params, "Digits": "9999"}, "12345", expected)
    with pytest.raises(Forbidden):
        verify(DOC_URL, params, "wrong-token", expected)
    with pytest.raises(Forbidden):
        verify(DOC_URL, params, "12345", None)


def test_default_port_variants_are_accepted() -> None:
    params = {"CallSid": "CA1"}
    sig = signature("https://example.com/voice/twilio", params, "t")
    verify("https://example.com:443/voice/twilio", params, "t", sig)


def test_messages_then_gather_wire_exact() -> None:
    xml = render(["Hello & welcome.", "How can I help?"], "https://x.test/voice/twilio",
                 voice="alice")
    assert xml == (
        HEAD + '<Response><Say voice="alice">Hello &amp; welcome.</Say><Pause length="1"/>'
        '<Gather input="speech" action="https://x.test/voice/twilio" '
        'actionOnEmptyResult="true" speechTimeout="5"><Say voice="alice">How can I help?</Say>'
        "</Gather></Response>"
    )


def test_handoff_and_hangup() -> None:
    dial = render(["Connecting you."], "u", voice="alice", dial="+15550001111")
    assert dial == (HEAD + '<Response><Say voice="alice">Connecting you.</Say>'
                    '<Pause length="1"/><Dial>+15550001111</Dial></Response>')
    queue = render(["Please hold."], "u", voice="alice", enqueue="support")
    assert queue.endswith("<Enqueue>support</Enqueue></Response>") and "<Gather" not in queue
    assert render(["Bye."], "u", voice="alice", hangup=True).endswith("<Hangup/></Response>")


def test_chinese_replies_set_the_language_on_say_and_gather() -> None:
    xml = render(["您好", "请问有什么可以帮您？"], "u", voice="alice", language="zh-CN")
    assert '<Say voice="alice" language="zh-CN">您好</Say><Pause length="1"/>' in xml
    assert 'speechTimeout="5" language="zh-CN"><Say voice="alice" language="zh-CN">' in xml
