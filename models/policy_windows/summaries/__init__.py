"""The summaries layer of policy_windows (see docs/architecture.md)."""
