"""``kefu nlu`` commands: train, test, parse, shell (heavy imports stay inside commands)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

DEFAULT_MODEL = Path("var") / "models" / "nlu"


def _user_errors():  # noqa: ANN202 - context manager
    """Turn kefu's data/config/model errors into clean click errors (no traceback)."""
    from contextlib import contextmanager

    from crm_core.errors import KefuError

    @contextmanager
    def guard():  # noqa: ANN202
        try:
            yield
        except KefuError as exc:
            raise click.ClickException(exc.message) from exc

    return guard()


@click.group()
def nlu() -> None:
    """Train, test and try the NLU pipeline."""


@nlu.command()
@click.option("--data", "data_paths", multiple=True, type=click.Path(exists=True),
              help="Rasa NLU YAML file/folder or CSV text,intent (repeatable). "
                   "Default: kefu's own data in config/nlu/data.")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
              help="Pipeline config (default config/nlu/config.yml).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder to write the model into.")
def train(data_paths: tuple[str, ...], config_path: str | None, out_dir: str) -> None:
    """Train a model and save it (with its config and training-data hash) in OUT."""
    from tqdm import tqdm

    from bot.nlu.loading import load_data
    from bot.nlu.pipeline import DEFAULT_DATA, load_config, save_pipeline, train_pipeline

    with _user_errors():
        data = load_data(list(data_paths) or [DEFAULT_DATA])
        config = load_config(config_path)
        click.echo(f"training on {len(data.examples)} examples, {len(data.intents)} intents",
                   err=True)
        with tqdm(total=len(config["pipeline"]), desc="nlu train", unit="step",
                  file=sys.stderr) as bar:
            def step(name: str) -> None:
                bar.set_postfix_str(name)
                bar.update(1)

            pipeline, metadata = train_pipeline(data, config, step)
        out = save_pipeline(pipeline, metadata, out_dir)
    _echo_fallback_curve(metadata.get("out_of_scope"))
    click.echo(f"model saved to {out} ({metadata['train_seconds']:.1f} s, "
               f"data sha256 {metadata['data_sha256'][:12]})")


def _echo_fallback_curve(report: dict | None) -> None:
    """The calibration curve (in-scope accuracy vs OOS recall) and the chosen point."""
    if not report or "chosen" not in report:
        return
    click.echo(f"fallback threshold chosen on held-out training intents "
               f"({report['trade_off']}):", err=True)
    click.echo("  threshold  in-scope acc  OOS recall  in-scope fallback", err=True)
    for point in report["curve"]:
        click.echo(f"  {point['threshold']:9.4f}  {point['in_scope_accuracy']:12.4f}  "
                   f"{point['oos_recall']:10.4f}  {point['in_scope_fallback_rate']:17.4f}",
                   err=True)
    click.echo(f"chosen: {json.dumps(report['chosen'])}")


@nlu.command()
@click.option("--model", "model_dir", type=click.Path(file_okay=False),
              help="Trained model folder (holdout mode; default var/models/nlu).")
@click.option("--data", "data_paths", multiple=True, required=True,
              type=click.Path(exists=True), help="Test data: Rasa YAML or CSV (repeatable).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for intent_report.json, intent_errors.json and the PNG.")
@click.option("--cross-validation", "cross_validation", is_flag=True,
              help="Train and test with stratified k-fold on DATA instead of using MODEL.")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 50))
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
              help="Pipeline config for cross-validation (default: the model's, else "
                   "config/nlu/config.yml).")
def test(model_dir: str | None, data_paths: tuple[str, ...], out_dir: str,
         cross_validation: bool, folds: int, config_path: str | None) -> None:
    """Evaluate intents: holdout on a trained model, or k-fold cross-validation."""
    from bot.nlu import evaluation
    from bot.nlu.interpreter import KefuInterpreter
    from bot.nlu.loading import load_data
    from bot.nlu.pipeline import load_config, load_pipeline

    with _user_errors():
        data = load_data(list(data_paths))
        if cross_validation:
            if config_path:
                config = load_config(config_path)
            elif model_dir:
                config = load_pipeline(model_dir)[1]["config"]
            else:
                config = load_config(None)
            with click.progressbar(length=folds, label="cross-validation", file=sys.stderr) as bar:
                predictions = evaluation.cross_validate(data, config, folds,
                                                        progress=lambda _: bar.update(1))
        else:
            interpreter = KefuInterpreter.load(model_dir or DEFAULT_MODEL)
            predictions = evaluation.predict(interpreter.parse_batch, data)
        report = evaluation.write_reports(predictions, out_dir)
    oos = report["out_of_scope_detection"]
    summary = {"accuracy": round(report["accuracy"], 4),
               "macro_f1": round(report["macro avg"]["f1-score"], 4),
               "out_of_scope_recall": oos["out_of_scope_recall"],
               "auroc": oos["auroc"], "out": out_dir}
    calibration = None if cross_validation else interpreter.metadata.get("out_of_scope")
    if calibration and "chosen" in calibration:
        # The operating point chosen at training time (on held-out training intents).
        summary["fallback"] = {"trade_off": calibration["trade_off"],
                               "chosen": calibration["chosen"]}
    click.echo(json.dumps(summary))


@nlu.command()
@click.option("--model", "model_dir", type=click.Path(file_okay=False),
              help="Trained model folder (default var/models/nlu).")
@click.option("--file", "lines_file", type=click.File("r", encoding="utf-8"),
              help="Parse every line of this file (one JSON object per line).")
@click.argument("text", required=False)
def parse(model_dir: str | None, lines_file, text: str | None) -> None:  # noqa: ANN001
    """Print the parse of TEXT (or of each line of --file) as JSON."""
    from bot.nlu.interpreter import KefuInterpreter

    if (text is None) == (lines_file is None):
        raise click.UsageError("give either TEXT or --file LINES.txt")
    with _user_errors():
        interpreter = KefuInterpreter.load(model_dir or DEFAULT_MODEL)
    texts = [text] if text is not None else [line.rstrip("\r\n") for line in lines_file]
    for start in range(0, len(texts), 256):
        for result in interpreter.parse_batch(texts[start:start + 256]):
            click.echo(json.dumps(result.to_dict(), ensure_ascii=False))


@nlu.command()
@click.option("--model", "model_dir", type=click.Path(file_okay=False),
              help="Trained model folder (default var/models/nlu).")
def shell(model_dir: str | None) -> None:
    """Type messages, see the parse (intent, entities, sentiment). Ctrl-D or /exit quits."""
    from bot.nlu.interpreter import KefuInterpreter

    with _user_errors():
        interpreter = KefuInterpreter.load(model_dir or DEFAULT_MODEL)
    click.echo("kefu NLU shell - type a message (Ctrl-D or /exit to quit)", err=True)
    while True:
        try:
            line = input("> ")
        except (EOFError, KeyboardInterrupt):
            click.echo("", err=True)
            return
        if line.strip() in ("/exit", "/quit"):
            return
        result = interpreter.parse(line)
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
