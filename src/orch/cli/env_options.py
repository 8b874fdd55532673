"""Options from environment variables: ``ORCH_<OPTION>``, then tox's ``TOX_<OPTION>`` (and ``TOX<OPTION>``).

tox 4 reads the default of every option from ``TOX_<DEST>`` (``tox/config/cli/env_var.py``): ``TOX_OVERRIDE``,
``TOX_SKIP_MISSING_INTERPRETERS``, ``TOX_PARALLEL_NO_SPINNER``... A list takes ``;``-separated items, a flag
``true``/``false`` (``1``/``0``, ``yes``/``no``). orch does the same with tox's option names and its own, and
``ORCH_`` wins over ``TOX_``; the command line wins over both, since a variable only changes a default. A value
that does not convert is a warning and is ignored, as in tox. The env selection (``ORCH_ENV``, ``TOXENV``,
``TOX_SKIP_ENV``) is read by :mod:`orch.config.select`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping

from orch.cli.parser import Commands

TOX_DESTS = {  # orch's dest -> tox 4's, where they differ
    "conf": "config_file",
    "workdir": "work_dir",
    "root": "root_dir",
    "notest": "no_test",
    "live": "parallel_live",
    "installpkg": "install_pkg",
    "list_all": "listenvs_all",
    "list_envs": "listenvs",
    "default_only": "list_default_only",
    "no_desc": "list_no_description",
    "keys": "list_keys_only",
    "core": "show_core",
    "devenv": "devenv_path",
}
SELECTION = frozenset({"envs", "skip_env", "command", "help", "version"})
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}
_INSIDE_AN_ENV = "TOX_ENV_DIR"
"""Set by tox and orch for an env's commands, next to TOX_WORK_DIR: a nested orch must not take the outer work dir."""


def names(dest: str) -> tuple[str, ...]:
    """The variables that set an option, the first found winning."""
    tox = TOX_DESTS.get(dest, dest).upper()
    own = dest.upper()
    return tuple(dict.fromkeys((f"ORCH_{own}", f"ORCH_{tox}", f"TOX_{own}", f"TOX_{tox}", f"TOX{tox}")))


def apply(parser: argparse.ArgumentParser, environ: Mapping[str, str], warn: Callable[[str], None]) -> None:
    """Set the defaults of ``parser``'s options from ``environ``, and those of its commands' options as each
    command's parser is built (:class:`orch.cli.parser.Commands`); ``warn`` gets each value ignored."""
    for action in parser._actions:
        if isinstance(action, Commands):
            action.each_parser(lambda sub: apply(sub, environ, warn))
        if not action.option_strings or action.dest in SELECTION or action.default is argparse.SUPPRESS:
            continue
        for name in names(action.dest):
            if name not in environ or (name == "TOX_WORK_DIR" and _INSIDE_AN_ENV in environ):
                continue
            try:
                action.default = _convert(parser, action, environ[name])
            except (ValueError, argparse.ArgumentError) as exc:
                warn(f"env var {name}={environ[name]!r} ignored: {exc}")
            break


def _convert(parser: argparse.ArgumentParser, action: argparse.Action, text: str) -> object:
    """``text`` as the option's value, converted and checked the way the command line's would be."""
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
        flag = text.strip().lower()
        if flag not in _TRUE | _FALSE:
            raise ValueError("expected true or false")
        return (flag in _TRUE) == isinstance(action, argparse._StoreTrueAction)
    if isinstance(action, argparse._CountAction):
        return int(text)
    if action.nargs == "?" and not text:
        return action.const
    many = action.nargs in ("+", "*") or isinstance(action, argparse._AppendAction)
    items = [item for item in text.split(";") if item] if many else [text]
    for item in items:
        if action.choices is not None and item not in action.choices:
            raise ValueError(f"expected one of {', '.join(map(str, action.choices))}")
    namespace = argparse.Namespace(**{action.dest: None})
    if isinstance(action, argparse._ExtendAction) or (many and not isinstance(action, argparse._AppendAction)):
        action(parser, namespace, items)
    else:
        for item in items:  # append: once per item
            action(parser, namespace, item)
    return getattr(namespace, action.dest)
