"""An example orch plugin (see README.md): it imports orch.plugin.api only."""
