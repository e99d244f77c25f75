"""Learned sentiment through the real pipeline: ``kefu nlu train``, save, load, ``parse``."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.nlu import load_interpreter
from bot.nlu.components.base import Message
from bot.nlu.components.sentiment_learned import LearnedSentiment
from bot.nlu.text import clean

DATA = """\
version: "3.1"
nlu:
  - intent: complaint
    examples: |
      - this is unacceptable
      - your service is terrible
      - 太差了
      - 我要投诉
  - intent: order_status
    examples: |
      - where is my order
      - has my parcel shipped
      - 我的订单到哪了
      - 快递到哪了
"""

CONFIG = """\
version: 1
pipeline:
  - name: kefu.script_language.v1
  - name: kefu.spacy_blank_tokenizer.v1
  - name: kefu.tfidf_linear_intent.v1
    embeddings: minilm
    embedding_languages: {minilm: [en]}
  - name: kefu.learned_sentiment.v1
"""

TEXTS = ["my parcel is three days late and nobody answers", "thank you, that was quick!",
         "你们服务太差了，气死我了！", "谢谢，非常满意"]


def test_parse_returns_the_learned_label_and_score(tmp_path: Path) -> None:
    (tmp_path / "nlu.yml").write_text(DATA, encoding="utf-8")
    (tmp_path / "config.yml").write_text(CONFIG, encoding="utf-8")
    model = tmp_path / "model"
    runner = CliRunner()
    result = runner.invoke(main, ["nlu", "train", "--data", str(tmp_path / "nlu.yml"),
                                  "--config", str(tmp_path / "config.yml"), "--out", str(model)])
    assert result.exit_code == 0, result.output
    # the shipped weights stay in their own file: the pipeline pickle stays small
    assert (model / "model.joblib").stat().st_size < 200_000
    lines = tmp_path / "lines.txt"
    lines.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    result = runner.invoke(main, ["nlu", "parse", "--model", str(model), "--file", str(lines)])
    assert result.exit_code == 0, result.output
    parsed = [json.loads(line)["sentiment"] for line in result.output.splitlines()]
    assert [p["label"] for p in parsed] == ["negative", "positive", "negative", "positive"]
    assert parsed[2]["frustrated"] and parsed[0]["score"] < -0.3 < 0.3 < parsed[3]["score"]

    # the loaded pipeline scores exactly as the component does on its own
    direct = LearnedSentiment().fit(None, [])
    interpreter = load_interpreter(model)
    for text, wire in zip(TEXTS, parsed, strict=True):
        # the parser cleans text first (NFKC: "，" -> ","), so the component sees that
        message = Message(clean(text), language=interpreter.parse(text).language)
        direct.process(message)
        assert (message.sentiment.label, message.sentiment.score) == (wire["label"],
                                                                      wire["score"])
