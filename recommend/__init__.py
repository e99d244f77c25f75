"""Recommendations from purchase behaviour: EASE, item-kNN and popularity."""
