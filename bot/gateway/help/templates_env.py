"""The Jinja2 environment of the help center (autoescaping on, templates in the package)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=PackageLoader("bot.gateway.help", "templates"),
                       autoescape=select_autoescape(default=True), trim_blocks=True,
                       lstrip_blocks=True)


def render_page(template: str, **context: Any) -> str:
    """``template`` rendered with ``context``."""
    return _env().get_template(template).render(**context)
