"""``kefu voice`` commands: transcribe audio files, synthesise speech to a file."""

from __future__ import annotations

import json
from pathlib import Path

import click


def _engine(kind: str, name: str | None):  # noqa: ANN202 - heavy imports stay inside commands
    """The STT or TTS engine by registry name; a usage error (not a traceback) when unknown."""
    from bot.cli import load_settings
    from bot.voice.errors import UnknownEngine
    from bot.voice.registry import make_stt, make_tts

    settings = load_settings()
    try:
        if kind == "stt":
            return make_stt(name or settings.voice_stt_engine, _config())
        return make_tts(name or settings.voice_tts_engine, _config())
    except UnknownEngine as exc:
        raise click.BadParameter(exc.message, param_hint="--engine") from exc


def _config():  # noqa: ANN202
    from bot.cli import load_settings
    from bot.voice.setup import voice_config

    return voice_config(load_settings())


@click.group()
def voice() -> None:
    """Speech-to-text and text-to-speech."""


@voice.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--engine", default=None, help="STT registry name (default from settings: "
              "kefu.whisper.v1; kefu.pocketsphinx.v1 is the light fallback).")
@click.option("--language", default="en", show_default=True)
@click.option("--expect", type=click.Choice(["digits"]), default=None,
              help="What the speaker was asked for (as the bot tells the recogniser).")
@click.option("--json", "as_json", is_flag=True, help='One {"file","text","engine","seconds"} '
              "object per line.")
def transcribe(files: tuple[str, ...], engine: str | None, language: str, expect: str | None,
               as_json: bool) -> None:
    """Print one transcript per audio file (WAV any rate, FLAC, webm/ogg, mp3)."""
    from bot.voice.audio import decode
    from bot.voice.expect import Expect
    from crm_core.errors import KefuError

    stt = _engine("stt", engine)
    failed = 0
    for name in files:
        try:
            result = stt.transcribe(decode(Path(name).read_bytes()), language,
                                    Expect(expect) if expect else None)
        except KefuError as exc:
            failed += 1
            click.echo(f"{name}: {exc.message}", err=True)
            continue
        if as_json:
            click.echo(json.dumps({"file": name, "text": result.text, "engine": result.engine,
                                   "seconds": round(result.seconds, 4)}, ensure_ascii=False))
        else:
            click.echo(result.text)
    if failed:
        raise SystemExit(1)


@voice.command()
@click.argument("text")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="Output file: .wav (16-bit mono), .mp3, or .pcm/.raw (8 kHz s16le, phones).")
@click.option("--lang", "language", type=click.Choice(["en", "zh"]), default="en",
              show_default=True)
@click.option("--engine", default=None, help="TTS registry name (kefu.espeak.v1, kefu.gtts.v1).")
@click.option("--rate", type=int, default=None, help="Resample to this rate (Hz).")
def say(text: str, out: str, language: str, engine: str | None, rate: int | None) -> None:
    """Synthesise TEXT to a file."""
    from bot.voice.audio import PHONE_RATE, resample, to_mp3, to_wav

    if not text.strip():
        raise click.UsageError("TEXT is empty")
    speech = _engine("tts", engine).synthesize(text, language)
    path = Path(out)
    audio = speech.audio
    if path.suffix.lower() in (".pcm", ".raw"):
        data = resample(audio, rate or PHONE_RATE).pcm
    elif path.suffix.lower() == ".mp3":
        data = speech.mp3 if speech.mp3 and rate is None else to_mp3(
            resample(audio, rate or audio.rate))
    else:
        data = to_wav(resample(audio, rate or audio.rate))
    path.write_bytes(data)
    click.echo(f"{path} ({speech.engine}, {audio.seconds:.2f} s)", err=True)
