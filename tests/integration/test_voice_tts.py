"""Online voice (gTTS) with a deadline: a peer that never answers, a name that does not
resolve, a fake Google that answers, and the on-disk prompt cache."""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from bot.voice import audio as va
from bot.voice.errors import EngineUnavailable
from bot.voice.tts import EspeakTTS, FallbackTTS, GTTSEngine

# Generous bound: the point is "bounded", not fast (timings live in bench/voice).
BOUND = 15.0


@pytest.fixture
def black_hole() -> Iterator[str]:
    """A TCP server that accepts connections and never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    sock.close()


@pytest.fixture
def fake_google() -> Iterator[tuple[str, list[str]]]:
    """Answers batchexecute like Google does, with a real MP3 inside."""
    mp3 = va.to_mp3(va.resample(EspeakTTS().synthesize("hello").audio, 24000))
    body = (")]}'\n\n[[\"wrb.fr\",\"jQ1olc\",\"[\\\"" + base64.b64encode(mp3).decode()
            + "\\\"]\",null,null,null,\"generic\"]]").encode()
    paths: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            paths.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", paths
    server.shutdown()


def test_silent_peer_falls_back_to_espeak_in_bounded_time(black_hole: str, tmp_path: Path) -> None:
    online = GTTSEngine(tmp_path, timeout=0.5, endpoint=black_hole)
    started = time.monotonic()
    with pytest.raises(EngineUnavailable):
        online.synthesize("Your order has shipped.")
    assert time.monotonic() - started < BOUND
    # Even with a lax socket timeout the fixed budget decides.
    tts = FallbackTTS(GTTSEngine(tmp_path, timeout=60, endpoint=black_hole), EspeakTTS(),
                      budget=0.5)
    started = time.monotonic()
    speech = tts.synthesize("Your order has shipped.")
    assert time.monotonic() - started < BOUND
    assert speech.engine == "kefu.espeak.v1" and speech.audio.seconds > 0.5


def test_dns_failure_falls_back(tmp_path: Path) -> None:
    tts = FallbackTTS(GTTSEngine(tmp_path, timeout=2, endpoint="http://kefu-voice-test.invalid"),
                      EspeakTTS(), budget=5)
    speech = tts.synthesize("hello", "zh")
    assert speech.engine == "kefu.espeak.v1"


def test_online_voice_is_used_and_cached(fake_google, tmp_path: Path) -> None:  # noqa: ANN001
    url, paths = fake_google
    engine = GTTSEngine(tmp_path, timeout=2, endpoint=url)
    first = engine.synthesize("Thanks for calling.")
    assert first.engine == "kefu.gtts.v1" and first.mp3 and first.audio.seconds > 0.2
    assert paths == ["/_/TranslateWebserverUi/data/batchexecute"]
    again = GTTSEngine(tmp_path, timeout=2, endpoint="http://kefu-voice-test.invalid")
    cached = again.synthesize("Thanks for calling.")  # no network needed any more
    assert cached.mp3 == first.mp3 and len(paths) == 1
    assert engine.cache_path("Thanks for calling.", "en").exists()


def test_espeak_speaks_english_and_mandarin() -> None:
    tts = EspeakTTS()
    english = tts.synthesize("Your parcel arrives tomorrow.")
    mandarin = tts.synthesize("您的包裹明天到达。", "zh")
    assert english.audio.seconds > 1 and mandarin.audio.seconds > 1
    phone = va.resample(mandarin.audio, 8000)
    assert phone.rate == 8000 and len(phone.pcm) % 2 == 0
