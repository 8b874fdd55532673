"""Environments: the env types orch can create (virtualenv, conda, current, system, plugins')."""
