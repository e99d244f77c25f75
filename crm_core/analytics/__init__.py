"""Customer and service analytics: RFM, lifetime value, churn risk, segments, reports.

Map: ``settings`` (config/analytics.yml), ``data`` (bulk reads into pandas), ``rfm``,
``features`` (behaviour at a cutoff + churn label), ``churn`` and ``clv`` (scikit-learn
contract models, time-split evaluation), ``clusters`` (k-means, k by silhouette),
``refresh`` (compute all + rewrite the ``customer_analytics`` table of ``models``),
``service`` (service report, chart), ``insight`` (console panel, routing priority),
``synthetic`` (generated history for tests and benchmarks), ``cli``.
Nothing heavy is imported here.
"""
