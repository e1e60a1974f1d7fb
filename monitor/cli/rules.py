"""CLI commands (being written; registers on monitor.cli._common.app)."""
