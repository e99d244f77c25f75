"""Voice errors: they carry data and a stable code; the gateway maps them to 4xx."""

from __future__ import annotations

from crm_core.errors import InvalidInput, ServiceUnavailable


class UnsupportedAudio(InvalidInput):
    """The bytes are not audio we can decode (details: content_type, reason)."""

    code = "unsupported_audio"

    def __init__(self, reason: str, *, content_type: str | None = None) -> None:
        super().__init__(
            f"unsupported or undecodable audio: {reason}",
            details={"content_type": content_type, "reason": reason},
        )


class EmptyAudio(InvalidInput):
    """The upload holds no audio samples at all."""

    code = "empty_audio"

    def __init__(self) -> None:
        super().__init__("the audio is empty")


class AudioTooLarge(InvalidInput):
    """The audio is longer (or bigger) than a turn may be."""

    code = "audio_too_large"

    def __init__(self, what: str, value: float, limit: float) -> None:
        super().__init__(
            f"audio too large: {what} {value:g} > {limit:g}",
            details={"what": what, "value": value, "limit": limit},
        )


class UnknownEngine(InvalidInput):
    """No speech engine is registered under this name."""

    code = "unknown_voice_engine"

    def __init__(self, kind: str, name: str, known: list[str]) -> None:
        super().__init__(
            f"unknown {kind} engine {name!r}; known: {', '.join(known)}",
            details={"kind": kind, "name": name, "known": known},
        )


class EngineUnavailable(ServiceUnavailable):
    """A speech engine failed (network, timeout, missing library)."""

    code = "voice_engine_unavailable"

    def __init__(self, engine: str, reason: str) -> None:
        super().__init__(f"{engine} failed: {reason}", details={"engine": engine, "reason": reason})
        self.engine = engine
