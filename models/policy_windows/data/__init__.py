"""The data layer of policy_windows (see docs/architecture.md)."""
