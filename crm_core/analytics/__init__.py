"""Customer and service analytics: RFM, lifetime value, churn risk, segments, reports."""
