"""CLI commands of this layer (registered by dse.cli)."""
from ppa.backend_flow.cli import sample

COMMANDS: list = [sample]
