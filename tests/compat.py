"""Compare orch's reading of real tox.ini files with what tox 4 printed for them.

The corpus lives in ``../shared/compat`` beside the repository (``ORCH_COMPAT_DIR`` overrides);
its README describes how the expectations were made and normalised. Run this file directly to
see every difference: ``python tests/compat.py [NAME...]``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from orch.config.load import load_config
from orch.errors import OrchError
from orch.plugin.manager import load_plugins

REPO = Path(__file__).resolve().parents[1]
COMPAT = Path(os.environ.get("ORCH_COMPAT_DIR", REPO.parent / "shared" / "compat"))
KEYS = [
    "deps",
    "commands",
    "commands_pre",
    "commands_post",
    "base_python",
    "description",
    "skip_install",
    "extras",
    "allowlist_externals",
    "labels",
    "depends",
    "package",
    "change_dir",
    "ignore_outcome",
    "ignore_errors",
    "set_env",
    "pass_env",
]


@dataclass
class FileResult:
    name: str
    lists_comparable: bool
    lists_match: bool
    list_diff: str = ""
    envs: int = 0
    envs_match: int = 0
    key_diffs: list[str] = field(default_factory=list)


def corpus() -> list[str]:
    if not (COMPAT / "toxini").is_dir():
        return []
    return sorted(p.stem for p in (COMPAT / "toxini").glob("*.ini"))


def _tox_form(value: object, key: str, root: str, home: str) -> object:
    """Our typed value printed the way the corpus stores tox's output."""
    if key == "set_env":
        assert isinstance(value, dict)
        return sorted(f"{k}={_norm(str(v), root, home)}" for k, v in value.items())
    if key == "pass_env":
        assert isinstance(value, tuple)
        return sorted(set(value) - tox_defaults()[0])
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, tuple):
        items = [_norm(str(v), root, home) for v in value]
        if not items:
            return ""
        return items[0] if len(items) == 1 else items
    return _norm(str(value), root, home)


def _norm(text: str, root: str, home: str) -> str:
    text = text.replace(f"{root}/.orch", f"{root}/.tox").replace(root, "{toxinidir}")
    return text.replace(sys.executable, "{tox_python}").replace(home, "{env:HOME}")


def _expected_list(value: object) -> object:
    return value


@lru_cache(maxsize=1)
def tox_defaults() -> tuple[frozenset[str], frozenset[str]]:
    """tox's built-in pass_env entries and the set_env keys tox sets itself (see the corpus README)."""
    defaults = json.loads((COMPAT / "expected" / "_tox_defaults.json").read_text())
    return frozenset(defaults["pass_env"]), frozenset(defaults["set_env_keys"])


def compare(name: str) -> FileResult:
    expected = json.loads((COMPAT / "expected" / f"{name}.json").read_text())
    plugins = load_plugins()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp).resolve() / "proj" / name
        home = Path(tmp).resolve() / "home"
        root.mkdir(parents=True)
        home.mkdir()
        shutil.copy(COMPAT / "toxini" / f"{name}.ini", root / "tox.ini")
        environ = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
        config = load_config(
            registry=plugins.settings,
            type_factors=plugins.env_types.type_factors(),
            builders=plugins.builders.names(),
            cwd=root,
            overrides=[o for o in expected.get("overrides", []) if not o.endswith(".runner=virtualenv")],
            environ=environ,
            is_tty=lambda: False,
        )
        exp_default, exp_additional = expected["default_envs"], expected["additional_envs"]
        comparable = bool(exp_default or exp_additional)
        try:
            names = config.names
            got_default, got_additional = list(names.default), list(names.additional)
        except OrchError as exc:
            got_default, got_additional = [f"error: {exc}"], []
        lists_match = (got_default, got_additional) == (exp_default, exp_additional)
        diff = (
            ""
            if lists_match
            else (
                f"default: got {got_default} want {exp_default}\n"
                f"  additional: got {got_additional} want {exp_additional}"
            )
        )
        result = FileResult(name, comparable, lists_match, diff)
        for env, exp_values in expected["config"].items():
            result.envs += 1
            ok = True
            for key in KEYS:
                if key not in exp_values:
                    continue
                want = exp_values[key]
                try:
                    got: object = _tox_form(config.resolver.env(env, key), key, str(root), str(home))
                except OrchError as exc:
                    got = f"# Exception: {exc}"
                if isinstance(want, str) and want.startswith("# Exception"):
                    same = isinstance(got, str) and got.startswith("# Exception")
                elif key == "set_env" and isinstance(got, list):
                    # tox forces its own value for a few keys (PYTHONIOENCODING...); the corpus then drops them
                    owned = [g for g in got if g.split("=", 1)[0] not in tox_defaults()[1] or g in want]
                    same = sorted(owned) == sorted(want)
                elif key == "pass_env" and isinstance(got, list):
                    same = sorted(got) == sorted(want)
                else:
                    same = got == want
                if not same:
                    ok = False
                    result.key_diffs.append(f"{env}.{key}: got {got!r} want {want!r}")
            result.envs_match += ok
        return result


def run_all(names: list[str]) -> Iterator[FileResult]:
    for name in names:
        yield compare(name)


if __name__ == "__main__":
    chosen = sys.argv[1:] or corpus()
    comparable = list_ok = envs = envs_ok = 0
    for res in run_all(chosen):
        comparable += res.lists_comparable
        list_ok += res.lists_comparable and res.lists_match
        envs += res.envs
        envs_ok += res.envs_match
        flag = "OK " if res.lists_match else "DIFF"
        print(f"{flag} {res.name}: envs {res.envs_match}/{res.envs}")
        if not res.lists_match:
            print("  " + res.list_diff)
        for line in res.key_diffs[:8]:
            print("   ", line[:300])
        if len(res.key_diffs) > 8:
            print(f"    ... {len(res.key_diffs) - 8} more")
    print(f"env lists: {list_ok}/{comparable} files; envs: {envs_ok}/{envs}")
