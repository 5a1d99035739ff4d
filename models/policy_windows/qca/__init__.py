"""The qca layer of policy_windows (see docs/architecture.md)."""
