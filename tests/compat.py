"""Compare what orch's CLI prints for real tox configs with what tox 4 printed for them.

Two corpora live in ``../shared/compat`` beside the repository (``ORCH_COMPAT_DIR`` overrides); its
README says how tox's output was made and normalised:

* ``toxini``: 45 ``tox.ini`` files (``toxini/NAME.ini``, tox's output in ``expected/NAME.json``);
* ``toxtoml``: 24 ``tox.toml``, ``pyproject.toml`` and ``setup.cfg`` files
  (``toxtoml/OWNER__REPO__FILENAME``, tox's output in ``toxtoml_expected/OWNER__REPO__STEM.json``).

Each file is copied alone into a fresh folder under its real name (``tox.ini``, or the part of
the name after the last ``__``), and orch's CLI runs there in-process, as a user would type it,
in make_expected.py's scrubbed environment (PATH with python3.7-3.13 first, HOME, LANG and
TOX_USER_CONFIG_FILE; nothing else): ``orch list -a --json`` and
``orch config -e ALL --format json -k KEYS`` (plus ``-e NAME,...`` for envs tox shows that
``-e ALL`` leaves out), with the ``-x`` overrides tox needed (plugin runners left out; tox's
core-table ``requires=`` of a TOML file is orch's ``tox.requires=``).

What is measured:

* **env lists**: per file, the default envs and the additional envs, each in tox's order;
* **keys**: per (env, key) of tox's output, for the 17 keys of ``KEYS`` (``dependency_groups``
  too in the TOML corpus), the value orch's JSON shows, printed the way the corpus stores tox's
  (see ``_tox_form``). A value tox printed as ``# Exception: ...`` matches when orch reports an
  error for that very value (``{"error": ...}``); the messages are not compared. A file orch
  cannot read at all matches no key.

Results are cached per file. Run this file directly to see every difference:
``python tests/compat.py [NAME...]`` (names as in ``cases()``, e.g. ``pypa__virtualenv`` or
``pypa__build__tox``).
"""

from __future__ import annotations

import contextlib
import glob
import io
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from orch.cli.main import main
from orch.config import context as orch_context

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
CORPORA = {"toxini": "expected", "toxtoml": "toxtoml_expected"}  # corpus folder -> tox's output folder
TOX_PYTHON = (3, 11)  # the CPython tox ran on when both corpora were made (see the corpus README)


@dataclass(frozen=True)
class Case:
    """One file of a corpus: where it is, the name tox found it under, and tox's output."""

    corpus: str
    name: str  # the expected file's stem: pypa__virtualenv, pypa__build__tox
    source: Path
    filename: str  # tox.ini, tox.toml, pyproject.toml, setup.cfg

    @property
    def expected(self) -> Path:
        return COMPAT / CORPORA[self.corpus] / f"{self.name}.json"

    @property
    def keys(self) -> list[str]:
        return [*KEYS, "dependency_groups"] if self.corpus == "toxtoml" else KEYS


@dataclass
class FileResult:
    name: str
    corpus: str
    lists_comparable: bool
    lists_match: bool
    list_diff: str = ""
    envs: int = 0
    envs_match: int = 0
    keys: int = 0
    keys_match: int = 0
    key_diffs: list[str] = field(default_factory=list)
    error: str = ""  # what orch printed on stderr when a command failed as a whole

    @property
    def key_ratio(self) -> float:
        return self.keys_match / self.keys if self.keys else 1.0


def cases(corpus: str) -> list[Case]:
    folder = COMPAT / corpus
    if not folder.is_dir():
        return []
    if corpus == "toxini":
        return [Case(corpus, p.stem, p, "tox.ini") for p in sorted(folder.glob("*.ini"))]
    return [Case(corpus, p.stem, p, p.name.rpartition("__")[2]) for p in sorted(folder.iterdir()) if "__" in p.name]


def corpus() -> list[str]:
    """The tox.ini corpus' names (kept for callers of the loader-era API)."""
    return [case.name for case in cases("toxini")]


def find_case(name: str) -> Case:
    for corpus_name in CORPORA:
        for case in cases(corpus_name):
            if name in (case.name, case.source.name):
                return case
    raise KeyError(name)


@cache
def tox_defaults(corpus: str = "toxini") -> tuple[frozenset[str], frozenset[str]]:
    """tox's built-in pass_env entries and the set_env keys tox sets itself (see the corpus README)."""
    defaults = json.loads((COMPAT / CORPORA[corpus] / "_tox_defaults.json").read_text())
    return frozenset(defaults["pass_env"]), frozenset(defaults["set_env_keys"])


# ------------------------------------------------------------------------------ running orch
def scrubbed_environment(work: Path) -> dict[str, str]:
    """make_expected.py's environment: python3.7 ... python3.13 first on PATH, HOME, LANG."""
    pybin, home = work / "pybin", work / "home"
    pybin.mkdir(parents=True, exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    for exe in sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3.*"))):
        exe_name = os.path.basename(exe)
        if re.fullmatch(r"python3\.\d+", exe_name) and 7 <= int(exe_name.split(".")[1]) <= 13:
            link = pybin / exe_name
            if not link.exists():
                link.symlink_to(exe)
    return {
        "PATH": f"{pybin}:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TOX_USER_CONFIG_FILE": str(work / "no-such-user-config.ini"),
    }


@contextlib.contextmanager
def _inside(folder: Path, environ: dict[str, str]) -> Iterator[None]:
    """cwd and os.environ as a user's shell would have them, restored afterwards."""
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update(environ)
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


class _SysOfToxPython:
    """``sys`` as orch's config code sees it, but with the version of the Python tox ran on."""

    version_info = TOX_PYTHON

    def __getattr__(self, name: str) -> object:
        return getattr(sys, name)


@contextlib.contextmanager
def _as_tox_python() -> Iterator[None]:
    """orch running on the corpus' Python, as far as values go: an env with no version in its
    base_python takes the X.Y of the interpreter running orch ({envsitepackagesdir}, {py_dot_ver}),
    as tox's takes its own, and tox ran on 3.11 (the interpreter path itself is ``{tox_python}``)."""
    saved = orch_context.sys
    orch_context.sys = _SysOfToxPython()  # type: ignore[assignment]
    try:
        yield
    finally:
        orch_context.sys = saved


def orch(*argv: str) -> tuple[int, str, str]:
    """``orch ARGV`` in-process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except Exception as exc:  # a bug: counted as a failure of the whole command
            code, err = 3, io.StringIO(f"Traceback: {type(exc).__name__}: {exc}")
    return code, out.getvalue(), err.getvalue()


def _overrides(case: Case, expected: dict[str, object]) -> list[str]:
    """tox's ``-x`` overrides for orch: plugin runners are tox's business; ``requires=`` (a TOML
    file's core table) is ``tox.requires=`` in orch's spelling."""
    items = expected.get("overrides") or []
    assert isinstance(items, list)
    kept = [str(o) for o in items if not str(o).endswith(".runner=virtualenv")]
    return [f"tox.{o}" if o.startswith("requires=") else o for o in kept]


# ------------------------------------------------------------------------------ comparing
def _norm(text: str, root: str, home: str) -> str:
    text = text.replace(f"{root}/.tox/.orch", f"{root}/.tox").replace(root, "{toxinidir}")
    return text.replace(sys.executable, "{tox_python}").replace(home, "{env:HOME}")


def _tox_form(value: object, key: str, root: str, home: str, corpus: str) -> object:
    """A value of orch's JSON output printed the way the corpus stores tox's output."""
    if isinstance(value, dict) and set(value) == {"error"}:
        return f"# Exception: {value['error']}"
    if key == "set_env" and isinstance(value, dict):
        return sorted(f"{k}={_norm(str(v), root, home)}" for k, v in value.items())
    if key == "pass_env" and isinstance(value, list):
        return sorted(set(map(str, value)) - tox_defaults(corpus)[0])
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        items = [_norm(str(v), root, home) for v in value]
        if not items:
            return ""
        return items[0] if len(items) == 1 else items
    return _norm(str(value), root, home)


def _same(got: object, want: object, key: str, corpus: str) -> bool:
    if isinstance(want, str) and want.startswith("# Exception"):
        return isinstance(got, str) and got.startswith("# Exception")
    if key == "set_env" and isinstance(got, list) and isinstance(want, list):
        # tox forces its own value for a few keys (PYTHONIOENCODING...); the corpus then drops them
        owned = [g for g in got if g.split("=", 1)[0] not in tox_defaults(corpus)[1] or g in want]
        return sorted(owned) == sorted(want)
    if key == "pass_env" and isinstance(got, list) and isinstance(want, list):
        return sorted(got) == sorted(want)
    return got == want


def _config(argv: list[str], envs: str, keys: list[str]) -> tuple[dict[str, dict[str, object]], str]:
    code, out, err = orch("config", *argv, "-e", envs, "--format", "json", "-k", *keys)
    try:
        data = json.loads(out) if out.strip() else {}
    except json.JSONDecodeError:
        data = {}
    envs_out = data.get("env", {}) if isinstance(data, dict) else {}
    return envs_out, "" if envs_out or code == 0 else err.strip() or f"exit {code}"


def _run_case(case: Case, expected: dict[str, object], root: Path, home: Path) -> FileResult:
    argv = [a for o in _overrides(case, expected) for a in ("-x", o)]
    code, out, err = orch("list", *argv, "-a", "--json")
    rows = json.loads(out) if code == 0 and out.strip() else None
    if isinstance(rows, list):
        got_default = [r["name"] for r in rows if r.get("default")]
        got_additional = [r["name"] for r in rows if not r.get("default")]
    else:
        got_default, got_additional = [f"error: {err.strip() or f'exit {code}'}"], []
    exp_default, exp_additional = expected["default_envs"], expected["additional_envs"]
    lists_match = (got_default, got_additional) == (exp_default, exp_additional)
    diff = "" if lists_match else f"default: got {got_default} want {exp_default}\n"
    diff += "" if lists_match else f"  additional: got {got_additional} want {exp_additional}"
    result = FileResult(case.name, case.corpus, bool(exp_default or exp_additional), lists_match, diff)
    config = expected["config"]
    assert isinstance(config, dict)
    values, result.error = _config(argv, "ALL", case.keys)
    missing = [env for env in config if env not in values]
    if missing and not result.error:
        more, result.error = _config(argv, ",".join(missing), case.keys)
        values.update(more)
    for env, exp_values in config.items():
        result.envs += 1
        ok = True
        for key in case.keys:
            if key not in exp_values:
                continue
            want = exp_values[key]
            if env not in values:
                got: object = f"(no output: {result.error})" if result.error else "(env not shown)"
            elif key not in values[env]:
                got = "(key not shown)"
            else:
                got = _tox_form(values[env][key], key, str(root), str(home), case.corpus)
            result.keys += 1
            if _same(got, want, key, case.corpus):
                result.keys_match += 1
            else:
                ok = False
                result.key_diffs.append(f"{env}.{key}: got {got!r} want {want!r}")
        result.envs_match += ok
    return result


@cache
def compare(name: str) -> FileResult:
    """One file's result (cached: the test module asks for each file more than once)."""
    case = find_case(name)
    expected = json.loads(case.expected.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp).resolve()
        root = work / "proj" / case.name
        root.mkdir(parents=True)
        (root / case.filename).write_bytes(case.source.read_bytes())
        environ = scrubbed_environment(work)
        with _inside(root, environ), _as_tox_python():
            return _run_case(case, expected, root, Path(environ["HOME"]))


# ------------------------------------------------------------------------------ figures
@dataclass
class Figures:
    files: int = 0
    lists_comparable: int = 0
    lists_match: int = 0
    keys: int = 0
    keys_match: int = 0
    envs: int = 0
    envs_match: int = 0

    def add(self, result: FileResult) -> None:
        self.files += 1
        self.lists_comparable += result.lists_comparable
        self.lists_match += result.lists_comparable and result.lists_match
        self.keys += result.keys
        self.keys_match += result.keys_match
        self.envs += result.envs
        self.envs_match += result.envs_match

    def __str__(self) -> str:
        def pct(part: int, whole: int) -> str:
            return f"{part}/{whole} ({100 * part / whole:.1f}%)" if whole else "0/0"

        return (
            f"env lists {pct(self.lists_match, self.lists_comparable)} files; "
            f"keys {pct(self.keys_match, self.keys)}; envs fully equal {pct(self.envs_match, self.envs)}"
        )


def figures(results: list[FileResult]) -> Figures:
    total = Figures()
    for result in results:
        total.add(result)
    return total


if __name__ == "__main__":
    chosen = [find_case(n) for n in sys.argv[1:]] or [c for corpus_name in CORPORA for c in cases(corpus_name)]
    by_corpus: dict[str, list[FileResult]] = {}
    for chosen_case in chosen:
        res = compare(chosen_case.name)
        by_corpus.setdefault(res.corpus, []).append(res)
        flag = "OK  " if res.lists_match and not res.key_diffs else "DIFF"
        print(f"{flag} {res.corpus}/{res.name}: keys {res.keys_match}/{res.keys}, envs {res.envs_match}/{res.envs}")
        if res.error:
            print(f"  orch config: {res.error[:300]}")
        if not res.lists_match:
            print("  " + res.list_diff[:600])
        for line in res.key_diffs[:8]:
            print("   ", line[:300])
        if len(res.key_diffs) > 8:
            print(f"    ... {len(res.key_diffs) - 8} more")
    for corpus_name, corpus_results in by_corpus.items():
        print(f"{corpus_name}: {figures(corpus_results)}")
