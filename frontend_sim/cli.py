"""CLI commands of this layer (registered by dse.cli)."""
COMMANDS: list = []
