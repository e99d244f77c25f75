"""The ``kefu voice`` command-line contract: say -> file, transcribe -> text or JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main


def run(args: list[str], tmp_path: Path):  # noqa: ANN201
    return CliRunner().invoke(main, args, env={"KEFU_DATA_DIR": str(tmp_path)},
                              catch_exceptions=False)


def test_say_then_transcribe(tmp_path: Path) -> None:
    wav, pcm = tmp_path / "a.wav", tmp_path / "a.pcm"
    result = run(["voice", "say", "I want a refund", "--out", str(wav)], tmp_path)
    assert result.exit_code == 0 and wav.read_bytes()[:4] == b"RIFF"
    assert run(["voice", "say", "退款", "--out", str(pcm), "--lang", "zh"], tmp_path).exit_code == 0
    assert pcm.stat().st_size > 8000  # 8 kHz 16-bit raw PCM for phones
    result = run(["voice", "transcribe", str(wav), str(wav), "--json"], tmp_path)
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == 2
    assert set(lines[0]) == {"file", "text", "engine", "seconds"}
    from bot.voice import whisper

    default = "kefu.whisper.v1" if whisper.available() else "kefu.pocketsphinx.v1"
    assert "refund" in lines[0]["text"] and lines[0]["engine"] == default
    plain = run(["voice", "transcribe", str(wav)], tmp_path)
    assert "refund" in plain.output.strip()
    light = run(["voice", "transcribe", str(wav), "--json", "--engine", "kefu.pocketsphinx.v1"],
                tmp_path)
    assert json.loads(light.output.splitlines()[0])["engine"] == "kefu.pocketsphinx.v1"


def test_bad_file_and_unknown_engine_fail_cleanly(tmp_path: Path) -> None:
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"nope" * 100)
    result = run(["voice", "transcribe", str(junk)], tmp_path)
    assert result.exit_code == 1 and "unsupported" in result.output
    result = CliRunner().invoke(main, ["voice", "say", "hi", "--out", str(tmp_path / "x.wav"),
                                       "--engine", "kefu.nope.v9"],
                                env={"KEFU_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 2 and "unknown tts engine 'kefu.nope.v9'" in result.output
