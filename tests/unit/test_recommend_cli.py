"""``kefu recommend`` on a tiny Online Retail file (gzip), through click's runner."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from recommend.data import read_online_retail

HEADER = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
          "CustomerID", "Country"]


def write_transactions(path: Path) -> Path:
    """Two taste clusters of 10 customers plus lines the cleaning must drop."""
    rows, invoice = [], 500000
    for cluster in ("1", "2"):
        for n in range(10):
            for step in range(3):
                invoice += 1
                code = f"2{cluster}00{(n + step) % 4}"
                rows.append([str(invoice), code, f"ITEM {code}", "2",
                             f"2011-01-{1 + (invoice % 27):02d} 10:{invoice % 60:02d}:00",
                             "1.25", f"1{cluster}{n:03d}", "United Kingdom"])
    rows += [
        ["600001", "21000", "GUEST BUY", "1", "2011-02-01 10:00:00", "1.0", "", "France"],
        ["600002", "21000", "RETURN", "-3", "2011-02-01 10:00:00", "1.0", "13000", "France"],
        ["600003", "POST", "POSTAGE", "1", "2011-02-01 10:00:00", "18.0", "13000", "France"],
        ["600004", "21000", "FREE", "1", "2011-02-01 10:00:00", "0", "13000", "France"],
    ]
    with gzip.open(path, "wt", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_cleaning_drops_guests_returns_postage_and_free_lines(tmp_path: Path) -> None:
    log = read_online_retail(write_transactions(tmp_path / "t.csv.gz"))
    assert len(log) == 60
    # Gzip is recognised by content, and plain CSV reads the same.
    renamed = write_transactions(tmp_path / "t.csv")
    assert len(read_online_retail(renamed)) == 60
    plain = tmp_path / "plain.csv"
    plain.write_bytes(gzip.decompress(renamed.read_bytes()))
    assert read_online_retail(plain).frame.equals(log.frame)
    assert "13000" not in set(log.frame["customer"])
    assert log.frame["product"].str.match(r"^\d{5}").all()


def test_eval_json_contract(tmp_path: Path) -> None:
    path = write_transactions(tmp_path / "t.csv.gz")
    result = CliRunner().invoke(main, ["recommend", "eval", "--transactions", str(path),
                                       "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert list(report) == ["kefu.ease.v1", "kefu.itemknn.v1", "kefu.popularity.v1"]
    for figures in report.values():
        assert set(figures) == {"hr@10", "ndcg@10", "train_seconds"}
        assert 0.0 <= figures["ndcg@10"] <= figures["hr@10"] <= 1.0
    # 8 products: every held-out product is within any top 10.
    assert report["kefu.ease.v1"]["hr@10"] == 1.0


def test_eval_one_model_text_and_next_basket(tmp_path: Path) -> None:
    path = write_transactions(tmp_path / "t.csv.gz")
    runner = CliRunner()
    result = runner.invoke(main, ["recommend", "eval", "--transactions", str(path),
                                  "--model", "kefu.itemknn.v1"])
    assert result.exit_code == 0, result.output
    assert "kefu.itemknn.v1" in result.output and "kefu.ease.v1" not in result.output
    assert "HR@10" in result.output and "NDCG@10" in result.output
    result = runner.invoke(main, ["recommend", "eval", "--transactions", str(path),
                                  "--protocol", "next-basket", "--json"])
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.output)) == {"kefu.ease.v1", "kefu.itemknn.v1",
                                              "kefu.popularity.v1"}


@pytest.mark.parametrize("args, message", [
    (["--model", "kefu.nope.v1"], "unknown recommender"),
    (["--transactions", "/no/such/file.csv"], "not found"),
])
def test_eval_bad_input_is_a_clean_error(tmp_path: Path, args: list[str], message: str) -> None:
    path = write_transactions(tmp_path / "t.csv.gz")
    argv = ["recommend", "eval", "--transactions", str(path), *args]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_not_a_retail_file_is_a_clean_error(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    result = CliRunner().invoke(main, ["recommend", "eval", "--transactions", str(path)])
    assert result.exit_code != 0 and "not an Online Retail" in result.output


def test_train_from_file_writes_a_versioned_artifact(tmp_path: Path) -> None:
    path = write_transactions(tmp_path / "t.csv.gz")
    out = tmp_path / "models"
    result = CliRunner().invoke(main, ["recommend", "train", "--transactions", str(path),
                                       "--model", "kefu.itemknn.v1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "current.json").read_text())
    assert meta["model"] == "kefu.itemknn.v1" and meta["n_lines"] == 60
    assert (out / f"{meta['version']}.npz").is_file()


def test_train_takes_hyper_parameters_and_rejects_unknown_ones(tmp_path: Path) -> None:
    path = write_transactions(tmp_path / "t.csv.gz")
    out = tmp_path / "models"
    runner = CliRunner()
    result = runner.invoke(main, ["recommend", "train", "--transactions", str(path),
                                  "--out", str(out), "--param", "l2=7.5",
                                  "--param", "max_items=6"])
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "current.json").read_text())
    assert meta["model"] == "kefu.ease.v1"
    assert meta["params"] == {"l2": 7.5, "max_items": 6, "prune_top_k": None}
    result = runner.invoke(main, ["recommend", "train", "--transactions", str(path),
                                  "--out", str(out), "--param", "nope=1"])
    assert result.exit_code != 0 and "nope" in result.output
    assert "Traceback" not in result.output
