"""The outcome report: conversations by outcome, WISMO contacts per 100 shipments, proactive messages
and the holdout comparison (definitions and keys in docs/REPORT.md)."""
