"""The result cache's key: one hash over every input that can change what an env's commands do.

An env's key is the sha256 of these parts, each hashed on its own (``orch cache show`` lists them):

* ``config``: the env's resolved configuration, every key but those that cannot change an outcome
  (:data:`NOT_INPUTS`: ``description``, ``labels``, ``depends``...); paths below the project and the
  work dir are written relative to them, so two clones of a project share keys. The commands are
  resolved: posargs given on this call are in them when the commands use ``{posargs}``;
* ``interpreter``: the base interpreter's path, implementation, version and build;
* ``distributions``: the name and version of every distribution installed in the env after its setup,
  read from the ``*.dist-info`` (and ``*.egg-info``) folder names in its site-packages (no process);
* ``package``: the installed package's artifact, when there is one: the source files its key covers
  but those :data:`DEFAULT_EXCLUDE` matches (the readme the metadata is made from, say), and its build
  settings; for an artifact this run did not fingerprint (``--installpkg``), its cache key or sha256;
* ``files``: the project's files (see :func:`file_digest`): in a git checkout the tracked ones and the
  untracked ones git does not ignore, by content as they are on disk (dirty changes included);
  without git every file below the project but VCS folders, envs, caches and top-level
  ``build/``/``dist/`` (:mod:`orch.builders.source` lists and hashes them for the package stage too);
  minus :data:`DEFAULT_EXCLUDE` and ``cache_exclude``, plus what ``cache_inputs`` adds back;
* ``pass_env``: the names and values of the variables the env's ``pass_env`` lets through (hashed);
* ``orch``: orch's version.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from orch import __version__
from orch.envs import seed_image
from orch.envs.environ import passed
from orch.envs.site import site_packages

if TYPE_CHECKING:
    from orch.config.model import EnvConfig
    from orch.envs.interpreter import Interpreter

#: Keys of an env's config that cannot change what its commands do (or that the key covers otherwise:
#: the files ``cache_inputs``/``cache_exclude`` select are hashed themselves).
NOT_INPUTS = frozenset(
    {
        "description",
        "labels",
        "depends",
        "parallel_show_output",
        "recreate",
        "resources",
        "interrupt_timeout",
        "terminate_timeout",
        "sources",
        "env_log_dir",
    }
)
NOT_INPUTS_EXTRA = frozenset({"result_cache", "cache_inputs", "cache_exclude"})

#: Project files that cannot change a test's outcome: docs, prose, changelog fragments, CI config.
DEFAULT_EXCLUDE = (
    "docs/*",
    "doc/*",
    "*.md",
    "*.rst",
    "changelog/*",
    "changelog.d/*",
    "changes/*",
    "newsfragments/*",
    ".github/*",
    ".gitlab-ci.yml",
    ".gitlab/*",
    ".circleci/*",
    ".travis.yml",
    "azure-pipelines.yml",
    ".readthedocs.yml",
    ".readthedocs.yaml",
    ".cache/*",  # CI jobs keep pip's, uv's and orch's caches there (orch ci gitlab)
)

PARTS = ("config", "interpreter", "distributions", "package", "files", "pass_env", "orch")


class ResultKey(NamedTuple):
    """The key and the digest of each of its parts (in :data:`PARTS` order)."""

    key: str
    parts: Mapping[str, str]


def _sha(data: str | bytes) -> str:
    return hashlib.sha256(data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data).hexdigest()


def _dumps(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))


def config_digest(env: EnvConfig, *, root: Path, work_dir: Path) -> str:
    """The env's resolved config as a hash; its folders written as ``{work_dir}`` and ``{root}``."""
    data = {name: getattr(env, name) for name in env._fields if name not in NOT_INPUTS and name != "extra"}
    data["extra"] = {k: v for k, v in env.extra.items() if k not in NOT_INPUTS_EXTRA}
    text = _dumps(data)
    folders = sorted({(str(work_dir), "{work_dir}"), (str(root), "{root}")}, key=lambda p: -len(p[0]))
    for folder, name in folders:
        text = _folder_pattern(folder).sub(name, text)
    return _sha(text)


def _folder_pattern(folder: str) -> re.Pattern[str]:
    """``folder`` (as JSON writes it) where it is a whole path: not in ``/tmp/p1.log`` for ``/tmp/p1``,
    nor in ``/x/tmp/p1``."""
    return re.compile(rf"(?<![\w.\-/\\]){re.escape(_dumps(folder)[1:-1])}(?![\w.\-])")


def interpreter_digest(interpreter: Interpreter | None) -> str:
    if interpreter is None:
        return _sha("none")
    version = ".".join(map(str, interpreter.version)) + ("t" if interpreter.free_threaded else "")
    return _sha(_dumps([interpreter.path, interpreter.implementation, version, interpreter.architecture]))


def distributions(env_dir: Path) -> list[str]:
    """``name-version`` of every distribution installed in the env, from its metadata folders' names;
    the shared pip and setuptools it links (:mod:`orch.envs.seed_image`) included."""
    names: set[str] = set()
    folders = site_packages(env_dir)
    shared = seed_image.linked(folders)
    for folder in [*folders, *([] if shared is None else [shared])]:
        try:
            with os.scandir(folder) as scan:
                names.update(e.name for e in scan if e.name.endswith((".dist-info", ".egg-info", ".egg-link")))
        except OSError:
            continue
    return sorted(names)


def distributions_digest(env_dir: Path) -> str:
    return _sha("\n".join(distributions(env_dir)))


def package_digest(package: Mapping[str, object], sources: Mapping[str, bytes] | None = None) -> str:
    """The installed artifact: given the ``sources`` its key covers (by relative path), their lines but
    those :data:`DEFAULT_EXCLUDE` matches (a readme is in the metadata, not in what a test runs), and
    the build's settings from its provenance; else its cache key (the same on every machine), else
    its sha256 (an artifact orch did not build from these sources)."""
    if sources is None:
        return _sha(str(package.get("key") or package.get("sha256") or "none"))
    settings = {k: package.get(k) for k in ("packagedef", "builder", "variant", "config_hash", "extra")}
    return _sha(_dumps(settings) + "\n" + file_digest(sources, (), DEFAULT_EXCLUDE)[0])


def pass_env_digest(environ: Mapping[str, str], patterns: Iterable[str]) -> str:
    return _sha(_dumps(sorted(passed(environ, patterns).items())))


def selects(rel: str, inputs: Sequence[str], exclude: Sequence[str]) -> bool:
    """Whether the project file ``rel`` (``/``-separated) counts: an input glob matches it, or no exclude does.

    Globs are matched on the whole relative path with :mod:`fnmatch` (``*`` crosses ``/``); a glob ending
    in ``/`` means everything below that folder."""

    def matches(patterns: Sequence[str]) -> bool:
        return any(fnmatch.fnmatchcase(rel, p + "*" if p.endswith("/") else p) for p in patterns)

    return matches(inputs) or not matches(exclude)


def file_digest(parts: Mapping[str, bytes], inputs: Sequence[str], exclude: Sequence[str]) -> tuple[str, int]:
    """The hash of the selected files' ``path\\0mode\\0sha256`` lines, and how many there are."""
    digest = hashlib.sha256()
    count = 0
    for rel in sorted(parts):
        if selects(rel, inputs, exclude):
            digest.update(parts[rel])
            count += 1
    return digest.hexdigest(), count


def combine(parts: Mapping[str, str]) -> ResultKey:
    """The key over ``parts`` (every one of :data:`PARTS`)."""
    ordered = {name: parts[name] for name in PARTS}
    return ResultKey(_sha(_dumps(ordered)), ordered)


def orch_digest() -> str:
    return _sha(__version__)
