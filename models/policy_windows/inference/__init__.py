"""The inference layer of policy_windows (see docs/architecture.md)."""
