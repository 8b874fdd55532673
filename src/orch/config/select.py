"""Choosing envs: ``-e``, ``-m LABEL``, ``-f FACTOR``, ``--skip-env``, ``ORCH_ENV``/``TOXENV``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from orch.config.factors import expand_env_list
from orch.config.implicit import python_factor
from orch.config.project import Config
from orch.errors import UsageError

ALL = "ALL"


class Selection(NamedTuple):
    """What the user asked for on the command line (or through the environment)."""

    envs: tuple[str, ...] | None = None  # -e; None: not given
    labels: tuple[str, ...] = ()  # -m, OR
    factors: tuple[tuple[str, ...], ...] = ()  # -f: factors in one -f are ANDed, repeated -f are ORed
    skip_env: str | None = None  # --skip-env REGEX
    include_all: bool = False  # `orch list --all`: everything, not only the defaults

    @classmethod
    def from_args(
        cls,
        envs: Sequence[str] | None,
        labels: Sequence[str] | None,
        factors: Sequence[Sequence[str]] | None,
        skip_env: str | None,
        environ: Mapping[str, str],
    ) -> Selection:
        env_text = ",".join(envs) if envs else environ.get("ORCH_ENV") or environ.get("TOXENV") or None
        if env_text is not None and not env_text.strip(",\n "):
            env_text = None  # `-e ''` or an empty TOXENV: the defaults, as if not given
        names = None
        if env_text is not None:
            try:
                names = tuple(expand_env_list(env_text.replace(",", "\n") if "{" not in env_text else env_text))
            except ValueError as exc:
                raise UsageError(f"-e {env_text!r}: {exc}") from None
        skip = skip_env or environ.get("ORCH_SKIP_ENV") or environ.get("TOX_SKIP_ENV") or None
        return cls(
            envs=names,
            labels=tuple(labels or ()),
            factors=tuple(tuple(group) for group in factors or ()),
            skip_env=skip,
        )


def select(config: Config, selection: Selection) -> list[str]:
    """The env names to act on, in config order for -m/-f and in the given order for -e."""
    names = config.names
    chosen: dict[str, None] = {}
    explicit = selection.envs is not None and ALL not in selection.envs
    if selection.envs is not None:
        if ALL in selection.envs:
            chosen.update(dict.fromkeys(names.all))
        else:
            for env in selection.envs:
                _check_known(config, env)
                chosen.setdefault(env)
    matched: set[str] = set()
    for label in selection.labels:
        members = config.labels_of(label)
        if not members:
            known = sorted({*config.core.labels, *(lab for n in names.all for lab in config.labels(n))})
            raise UsageError(f"no env has label {label!r}" + (f" (labels: {', '.join(known)})" if known else ""))
        matched.update(members)
    for group in selection.factors:
        wanted = set(group)
        matched.update(n for n in names.all if wanted.issubset(n.split("-")))
    chosen.update(dict.fromkeys(n for n in names.all if n in matched))
    if selection.envs is None and not selection.labels and not selection.factors:
        chosen.update(dict.fromkeys(names.all if selection.include_all else names.default))
    result = list(chosen)
    if selection.skip_env:
        try:
            pattern = re.compile(selection.skip_env)
        except re.error as exc:
            raise UsageError(f"--skip-env {selection.skip_env!r} is not a regular expression: {exc}") from None
        result = [n for n in result if not pattern.match(n)]
    if not explicit and not result and (selection.labels or selection.factors):
        raise UsageError("the selection matches no env")
    return result


def _is_python(factor: str) -> bool:
    try:
        return python_factor(factor) is not None
    except ValueError:
        return False


def _check_known(config: Config, env: str) -> None:
    """An env after -e must be defined, or be made of known factors and Python factors (``py312``)."""
    names = config.names.all
    if env in names:
        return
    known_factors = {factor for name in names for factor in name.split("-")}
    if all(f in known_factors or _is_python(f) for f in env.split("-")):
        return
    import difflib  # only for an unknown env name

    close = difflib.get_close_matches(env, list(names), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise UsageError(f"unknown env {env!r}{hint}; `orch list --all` shows the envs {config.path.name} defines")
