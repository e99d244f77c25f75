"""``kefu recommend`` commands: train, eval, tune, show.

Heavy imports (numpy, pandas, models) happen inside the commands.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import click

MODEL_HELP = "Registry name, e.g. kefu.ease.v1 (default: all models for eval)."


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(getattr(exc, "message", str(exc)))


@click.group()
def recommend() -> None:
    """Train, evaluate and query recommenders."""


@recommend.command()
@click.option("--model", default=None, help="Registry name (default: KEFU_RECOMMENDER).")
@click.option("--transactions", type=click.Path(dir_okay=False), default=None,
              help="Train from an Online Retail CSV (gzip ok) instead of the CRM database.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Artifact folder (default: <data_dir>/models/recommend).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Hyper-parameter, e.g. --param l2=100 --param max_items=20000.")
def train(model: str | None, transactions: str | None, out: str | None,
          params: tuple[str, ...]) -> None:
    """Train on the CRM's orders and save a versioned artifact (atomically replaced)."""
    from bot.cli import load_settings
    from crm_core.errors import KefuError
    from recommend.artifact import artifact_dir, save
    from recommend.training import train as fit

    settings = load_settings()
    try:
        if transactions:
            from recommend.data import read_online_retail

            log, source = read_online_retail(transactions), "file"
        else:
            log, source = asyncio.run(_crm_log(settings.database_url)), "crm"
        if len(log) == 0:
            raise click.ClickException("no purchases to train on")
        artifact = fit(log, model or settings.recommender, _parse_params(params),
                       source=source)
        path = save(artifact, out or artifact_dir(settings.data_dir))
    except (KefuError, ValueError, TypeError) as exc:
        raise _fail(exc) from exc
    meta = artifact.meta
    click.echo(f"trained {meta.model} on {meta.n_lines} lines, {meta.n_customers} customers, "
               f"{meta.n_products} products in {meta.train_seconds:.2f} s")
    click.echo(f"saved version {meta.version} to {path}")


def _parse_params(pairs: tuple[str, ...]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs; values are JSON when they parse (numbers, null), else text."""
    params: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="--param")
        try:
            params[name] = json.loads(value)
        except ValueError:
            params[name] = value
    return params


async def _crm_log(database_url: str) -> Any:
    from crm_core.db import create_engine, create_session_factory
    from recommend.crm_source import CrmPurchaseSource

    engine = create_engine(database_url)
    try:
        return await CrmPurchaseSource(create_session_factory(engine)).purchase_log()
    finally:
        await engine.dispose()


@recommend.command(name="eval")
@click.option("--transactions", type=click.Path(dir_okay=False), required=True,
              help="Online Retail CSV (columns InvoiceNo..Country; gzip accepted).")
@click.option("--model", default=None, help=MODEL_HELP)
@click.option("--protocol", type=click.Choice(["last-new", "next-basket"]),
              default="last-new", show_default=True,
              help="last-new: hold out each customer's latest new product; next-basket: "
                   "hold out each customer's whole last order (strict).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for tools.")
def eval_(transactions: str, model: str | None, protocol: str, as_json: bool) -> None:
    """HR@10 and NDCG@10 of each model on a transactions file."""
    from crm_core.errors import KefuError
    from recommend.data import read_online_retail
    from recommend.evaluation import evaluate, leave_last_new_out, next_basket
    from recommend.models.registry import create, model_class, registered_names

    try:
        names = [model] if model else registered_names()
        for name in names:
            model_class(name)
        log = read_online_retail(transactions)
        split = leave_last_new_out(log) if protocol == "last-new" else next_basket(log)
        if len(split.customers) == 0:
            raise click.ClickException("no customer qualifies for evaluation in this file")
        results = {name: evaluate(lambda n=name: create(n), split) for name in names}
    except KefuError as exc:
        raise _fail(exc) from exc
    if as_json:
        click.echo(json.dumps({
            name: {"hr@10": round(r.hr, 4), "ndcg@10": round(r.ndcg, 4),
                   "train_seconds": round(r.train_seconds, 3)}
            for name, r in results.items()
        }))
        return
    click.echo(f"protocol {protocol}: {len(split.customers)} customers, "
               f"{len(split.products)} products")
    click.echo(f"{'model':<22}{'HR@10':>8}{'NDCG@10':>9}{'train s':>9}")
    for name, r in results.items():
        click.echo(f"{name:<22}{r.hr:>8.4f}{r.ndcg:>9.4f}{r.train_seconds:>9.2f}")


@recommend.command()
@click.option("--transactions", type=click.Path(dir_okay=False), required=True,
              help="Online Retail CSV (gzip accepted).")
@click.option("--model", default=None, help=MODEL_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for tools.")
def tune(transactions: str, model: str | None, as_json: bool) -> None:
    """Choose hyper-parameters on a validation split made from the training data only."""
    from crm_core.errors import KefuError
    from recommend.data import read_online_retail
    from recommend.evaluation import leave_last_new_out
    from recommend.models.registry import registered_names
    from recommend.tuning import tune as run_tune
    from recommend.tuning import validation_split

    try:
        validation = validation_split(leave_last_new_out(read_online_retail(transactions)))
        names = [model] if model else registered_names()
        results = [run_tune(name, validation) for name in names]
    except KefuError as exc:
        raise _fail(exc) from exc
    if as_json:
        click.echo(json.dumps({r.model: {"params": r.params, "half_life_days": r.half_life_days}
                               for r in results}))
        return
    for r in results:
        click.echo(f"{r.model}: chose {r.params} half_life_days={r.half_life_days}")
        for params, half_life, res in r.trials:
            click.echo(f"  {params!s:<24} half_life={half_life!s:<6} "
                       f"val HR@10 {res.hr:.4f} NDCG@10 {res.ndcg:.4f}")


@recommend.command()
@click.option("--customer", default=None, help="Customer id.")
@click.option("--basket", default=None, help="Comma-separated product ids.")
@click.option("--similar", default=None, help="Product id.")
@click.option("-k", "k", type=int, default=5, show_default=True)
def show(customer: str | None, basket: str | None, similar: str | None, k: int) -> None:
    """Print recommendations from the saved model and the CRM database."""
    from bot.cli import load_settings
    from crm_core.errors import KefuError

    if sum(x is not None for x in (customer, basket, similar)) != 1:
        raise click.UsageError("give exactly one of --customer, --basket, --similar")
    settings = load_settings()
    try:
        recs = asyncio.run(_show(settings, customer, basket, similar, k))
    except KefuError as exc:
        raise _fail(exc) from exc
    if not recs:
        click.echo("no recommendations (no trained model? run `kefu recommend train`)")
    for r in recs:
        click.echo(f"{r.product_id}\t{r.name}\t{r.score:.3f}\t{r.explanation}")


async def _show(settings: Any, customer: str | None, basket: str | None,
                similar: str | None, k: int) -> list[Any]:
    from crm_core.db import create_engine, create_session_factory
    from recommend.crm_source import CrmPurchaseSource
    from recommend.server import load_service

    engine = create_engine(settings.database_url)
    try:
        service = await load_service(CrmPurchaseSource(create_session_factory(engine)),
                                     settings.data_dir)
        if customer is not None:
            return await service.for_customer(customer, k)
        if basket is not None:
            return await service.for_basket([p.strip() for p in basket.split(",")], k)
        return await service.similar_to(similar, k)
    finally:
        await engine.dispose()
