"""Hypothesis strategies for tox.ini files made of tox 4's features.

``tox_ini()`` draws the text of a whole file: ``[tox] env_list`` (plain names, factor groups
``{py39,py310}-{a,b}``, ranges ``py3{9-11}``), ``[testenv]`` and ``[testenv:NAME]`` sections (with
generative names), factor-conditional lines (``py39: x``, ``!a: x``, ``py39-a: x``, ``a,b: x``),
substitutions, continuation lines, comments and legacy key spellings.
"""

from __future__ import annotations

from hypothesis import strategies as st

PYTHONS = ["py39", "py310", "py311", "py312", "py3", "pypy3"]
PLAIN = ["a", "b", "lint", "docs", "cov", "django42", "x1", "linux"]
SUBST = [
    "{posargs}",
    "{posargs:tests}",
    "{posargs:-k fast}",
    "{env:FUZZ_UNSET:dflt}",
    "{env:FUZZ_UNSET}",
    "{env:LANG}",
    "{env:FUZZ_UNSET:{env:LANG}}",
    "{envname}",
    "{env_name}",
    "{toxinidir}",
    "{tox_root}",
    "{/}",
    "{:}",
    "{envdir}",
    "{envtmpdir}",
    "{toxworkdir}",
    "{[testenv]deps}",
    "{[testenv]description}",
    "{[tox]env_list}",
    "{[testenv:lint]commands}",
]
ARGS = ["-q", "src", "'a b'", '"c d"', "--x=1", "a#b", "x # trailing comment", *SUBST]
WORDS = ["pytest", "requests>=2", "six", "foo[bar]==1.0", "attrs<24", "coverage", "mypy"]
KEY_SPELLINGS = {
    "deps": ["deps"],
    "commands": ["commands"],
    "commands_pre": ["commands_pre"],
    "set_env": ["set_env", "setenv"],
    "pass_env": ["pass_env", "passenv"],
    "description": ["description"],
    "skip_install": ["skip_install"],
    "extras": ["extras"],
    "labels": ["labels"],
    "depends": ["depends"],
    "allowlist_externals": ["allowlist_externals"],
    "change_dir": ["change_dir", "changedir"],
    "base_python": ["base_python", "basepython"],
    "ignore_outcome": ["ignore_outcome"],
}


@st.composite
def factor_pool(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    pythons = draw(st.lists(st.sampled_from(PYTHONS), min_size=1, max_size=3, unique=True))
    plain = draw(st.lists(st.sampled_from(PLAIN), min_size=1, max_size=4, unique=True))
    return pythons, plain


@st.composite
def group(draw: st.DrawFn, pool: list[str]) -> str:
    """One factor group of an env expression: ``a``, ``{a,b}`` or a range ``py3{9-11}``."""
    kind = draw(st.sampled_from(["one", "one", "braces", "range"]))
    if kind == "one":
        return draw(st.sampled_from(pool))
    if kind == "braces":
        items = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
        return "{" + ",".join(items) + "}"
    start = draw(st.integers(9, 12))
    stop = draw(st.integers(9, 13))
    form = draw(st.sampled_from(["closed", "closed", "closed", "open_end", "open_start"]))
    inner = {"closed": f"{start}-{stop}", "open_end": f"{start}-", "open_start": f"-{stop}"}[form]
    return f"py3{{{inner}}}"


@st.composite
def env_expr(draw: st.DrawFn, pythons: list[str], plain: list[str]) -> str:
    """An env_list item or a generative section name."""
    groups = []
    if draw(st.booleans()):
        groups.append(draw(group(pythons)))
    groups += draw(st.lists(group(plain), min_size=0 if groups else 1, max_size=2))
    return "-".join(groups)


@st.composite
def condition(draw: st.DrawFn, pythons: list[str], plain: list[str]) -> str:
    """The factor condition in front of a line: ``py39``, ``!a``, ``py39-a``, ``a,b``, ``{py39,py310}-a``."""
    factors = pythons + plain
    form = draw(st.sampled_from(["one", "not", "and", "or", "braces", "and_not"]))
    one = st.sampled_from(factors)
    if form == "one":
        return draw(one)
    if form == "not":
        return "!" + draw(one)
    if form == "and":
        return f"{draw(st.sampled_from(pythons))}-{draw(st.sampled_from(plain))}"
    if form == "or":
        return ",".join(draw(st.lists(one, min_size=2, max_size=3, unique=True)))
    if form == "braces":
        return "{" + ",".join(draw(st.lists(one, min_size=1, max_size=2, unique=True))) + "}-" + draw(one)
    return f"{draw(one)}-!{draw(one)}"


def _maybe_conditional(draw: st.DrawFn, line: str, pythons: list[str], plain: list[str]) -> str:
    if draw(st.integers(0, 2)) == 0:
        sep = draw(st.sampled_from([": ", ":", " : "]))
        return f"{draw(condition(pythons, plain))}{sep}{line}"
    return line


@st.composite
def value_lines(draw: st.DrawFn, key: str, pythons: list[str], plain: list[str], envs: list[str]) -> list[str]:
    """The lines of one key's value (before layout)."""
    lines: list[str] = []
    count = draw(st.integers(1, 4))
    for _ in range(count):
        if key == "deps":
            line = draw(st.sampled_from([*WORDS, *WORDS, "{[testenv]deps}", "{env:FUZZ_UNSET:six}", "-e ."]))
        elif key in ("commands", "commands_pre"):
            argv = [draw(st.sampled_from(["pytest", "python -m pytest", "echo", "- python", "ruff check"]))]
            for _ in range(draw(st.integers(0, 3))):
                argv.append(draw(st.sampled_from(ARGS)))
            line = " ".join(argv)
            if draw(st.integers(0, 5)) == 0:
                line = line + " \\\n    --cont"
            if draw(st.integers(0, 9)) == 0:
                line = draw(st.sampled_from(["{[testenv]commands}", "{[testenv:lint]commands}"]))
        elif key == "set_env":
            name = draw(st.sampled_from(["A", "B", "FOO_BAR", "PYTHONPATH", "LANG"]))
            sep = draw(st.sampled_from(["=", " = ", "= "]))
            value = draw(st.sampled_from(["1", "x y", "", "{envname}", "{env:FUZZ_UNSET:d}", "{toxinidir}{/}src"]))
            line = f"{name}{sep}{value}"
        elif key == "pass_env":
            line = draw(st.sampled_from(["FOO", "BAR_*", "CI", "GITHUB_*", "FUZZ_UNSET"]))
        elif key == "description":
            words = draw(st.lists(st.sampled_from(["run", "tests", "for", "lint", *SUBST[:8]]), min_size=1, max_size=4))
            line = " ".join(words)
        elif key in ("skip_install", "ignore_outcome"):
            return [draw(st.sampled_from(["true", "false", "True", "False", "1", "0"]))]
        elif key == "extras":
            line = draw(st.sampled_from(["test", "docs", "all", "testing"]))
        elif key == "labels":
            line = draw(st.sampled_from(["l1", "l2", "ci", "fast"]))
        elif key == "depends":
            line = draw(st.sampled_from([*envs, "py3{9,10}-a", "lint"] if envs else ["lint"]))
        elif key == "allowlist_externals":
            line = draw(st.sampled_from(["bash", "/bin/sh", "make", "*"]))
        elif key == "change_dir":
            return [draw(st.sampled_from(["docs", "{toxinidir}{/}sub", "{toxinidir}", "{envtmpdir}"]))]
        elif key == "base_python":
            return [draw(st.sampled_from(["python3.12", "py311", "python3", "python3.9"]))]
        else:
            raise AssertionError(key)
        lines.append(_maybe_conditional(draw, line, pythons, plain))
    return lines


@st.composite
def key_value(draw: st.DrawFn, key: str, pythons: list[str], plain: list[str], envs: list[str]) -> str:
    lines = draw(value_lines(key, pythons, plain, envs))
    spelling = draw(st.sampled_from(KEY_SPELLINGS[key]))
    comma_ok = key in ("pass_env", "extras", "labels", "depends", "allowlist_externals")
    if len(lines) > 1 and comma_ok and not any(":" in line for line in lines) and draw(st.booleans()):
        return f"{spelling} = {', '.join(lines)}"
    if draw(st.integers(0, 5)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), "# a comment")
    if len(lines) == 1 and draw(st.booleans()):
        return f"{spelling} = {lines[0]}"
    indent = draw(st.sampled_from(["    ", "  ", "\t"]))
    first = "" if draw(st.booleans()) or len(lines) == 1 else lines.pop(0)
    body = "\n".join(indent + line.replace("\n", "\n" + indent) for line in lines)
    return f"{spelling} = {first}\n{body}"


@st.composite
def section(draw: st.DrawFn, header: str, pythons: list[str], plain: list[str], envs: list[str]) -> str:
    keys = draw(st.lists(st.sampled_from(sorted(KEY_SPELLINGS)), max_size=6, unique=True))
    parts = [f"[{header}]"]
    parts += [draw(key_value(key, pythons, plain, envs)) for key in keys]
    return "\n".join(parts)


@st.composite
def tox_ini(draw: st.DrawFn) -> str:
    pythons, plain = draw(factor_pool())
    items = draw(st.lists(env_expr(pythons, plain), min_size=0, max_size=4, unique=True))
    plain_names = [i for i in items if "{" not in i]
    parts = []
    if items or draw(st.booleans()):
        key = draw(st.sampled_from(["env_list", "envlist"]))
        if len(items) > 1 and draw(st.booleans()):
            env_list = f"{key} =\n" + "\n".join(f"    {item}" for item in items)
        else:
            env_list = f"{key} = {', '.join(items)}"
        parts.append("[tox]\n" + env_list)
    if draw(st.integers(0, 4)) > 0:
        parts.append(draw(section("testenv", pythons, plain, plain_names)))
    names = draw(st.lists(st.one_of(env_expr(pythons, plain), st.sampled_from(["lint", "docs", "extra"])), max_size=3))
    for name in dict.fromkeys(names):
        parts.append(draw(section(f"testenv:{name}", pythons, plain, plain_names)))
    return "\n\n".join(parts) + "\n"
