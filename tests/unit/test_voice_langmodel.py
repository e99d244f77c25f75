"""The domain language model: corpus from Rasa NLU YAML + CRM vocabulary, rebuilt on change."""

from __future__ import annotations

from pathlib import Path

from bot.voice import langmodel
from bot.voice.sphinx import DomainModel

NLU = '''version: "3.1"
nlu:
  - intent: check_order_status
    examples: |
      - where is my order [12345](order_number)
      - track my parcel please
      - status of order [KF-10432](order_number)
      - 查一下我的order [KF-77120](order_number)
      - thank u
      - cancle my order
  - lookup: product
    examples: |
      - teapot
'''


def test_corpus_reads_rasa_yaml_products_and_digits(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "orders.yml").write_text(NLU)
    corpus = langmodel.build_corpus(tmp_path, products=["Blue Teapot"])
    sentences = set(corpus.sentences)
    assert "where is my order one two three four five" in sentences
    assert "track my parcel please" in sentences
    assert "i want to buy the blue teapot" in sentences
    assert "status of order k f one zero four three two" in sentences  # as callers say it
    assert "thank you" in sentences and not any("u" in s.split() for s in sentences)
    assert not any("seven seven one two zero" in s for s in sentences)  # Chinese line skipped
    assert not any(s.endswith(" my order") and s.startswith("cancle") for s in sentences)
    assert "my order" not in sentences  # a misspelt word drops its line, not just the word
    assert any(s.startswith("my order number is ") for s in sentences)
    known = langmodel.dictionary_words()
    assert all(w in known for s in sentences for w in s.split())


def test_model_files_are_content_addressed_and_rebuilt_on_change(tmp_path: Path) -> None:
    nlu = tmp_path / "nlu"
    nlu.mkdir()
    (nlu / "a.yml").write_text(NLU)
    model = DomainModel(nlu, tmp_path / "cache", check_every=0)
    first = model.files()
    assert first is not None and first.arpa.read_text().lstrip().startswith("Corpus")
    assert "\\data\\" in first.arpa.read_text()
    assert model.files() == first  # unchanged corpus: same files, nothing rebuilt
    (nlu / "b.yml").write_text(NLU.replace("track my parcel please", "send me a new invoice"))
    second = model.files()
    assert second is not None and second.key != first.key
    assert "invoice" in second.dictionary.read_text()
    model.set_products(["Garden Hose"])
    assert model.files().key not in (first.key, second.key)


def test_spoken_forms_of_numbers_units_money_and_addresses() -> None:
    n = langmodel.normalize
    assert n("Organic 250g Green Tea") == "organic two hundred fifty grams green tea"
    assert n("refund [$49.99](money)") == "refund forty nine dollars ninety nine"
    assert n("returns after 30 days?") == "returns after thirty days"
    assert n("has my order [1029384](order_number) shipped") == (
        "has my order one zero two nine three eight four shipped")
    assert n("call [555-123-4567](phone)") == "call five five five one two three four five six seven"
    assert n("it's [ana.lopez@example.com](email)") == "it's ana dot lopez at example dot com"
    assert n("open at 7am") == "open at seven a m"
    assert n("pls help, thx") == "please help thanks"
    assert langmodel.pronounceable("sunscreen spf fifty", langmodel.dictionary_words()) == (
        "sunscreen s p f fifty")
