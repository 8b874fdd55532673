"""GitHub Actions output around the sequential console, and the job summary."""

from __future__ import annotations

import io

from orch.report.console import Console
from orch.report.github import GitHubConsole, error_command, on_github, summary_markdown, write_step_summary
from orch.schedule.results import CommandResult, EnvResult, EnvStatus


def run_one(view: Console | GitHubConsole, result: EnvResult) -> None:
    view.env_start(result.name)
    view.setup_done(result.name, ["created"])
    view.command_start(result.name, "commands", 0, "pytest")
    sink = view.output_sink(result.name)
    if sink is not None:
        sink(b"1 passed\n")
    view.command_end(result.name, CommandResult("commands", 0, "pytest", "exited", 0, 0.1))
    view.env_end(result)


def test_groups_wrap_the_same_output_the_console_prints() -> None:
    plain, wrapped = io.StringIO(), io.StringIO()
    console, view = Console(plain), GitHubConsole(Console(wrapped))
    for result in (EnvResult("py", duration=0.5), EnvResult("lint", EnvStatus.FAILED, "commands[0] exit 1", 0.2)):
        run_one(console, result)
        run_one(view, result)
    lines = wrapped.getvalue().splitlines()
    assert [line for line in lines if not line.startswith("::")] == plain.getvalue().splitlines()
    assert lines[0] == "::group::py"
    assert lines[lines.index("::group::lint") - 2 : lines.index("::group::lint")] == [
        "::endgroup::",
        "py: ok in 0.50 s",
    ]
    assert lines[-3:] == [
        "::endgroup::",
        "::error title=lint::commands[0] exit 1",
        "lint: failed in 0.20 s: commands[0] exit 1",
    ]


def test_quiet_runs_get_no_groups_but_still_annotations() -> None:
    out = io.StringIO()
    view = GitHubConsole(Console(out, verbosity=-1))
    run_one(view, EnvResult("py"))
    run_one(view, EnvResult("lint", EnvStatus.TIMEOUT, "timed out after 5 s"))
    assert "::group::" not in out.getvalue()
    assert "::endgroup::" not in out.getvalue()
    assert "::error title=lint::timed out after 5 s\n" in out.getvalue()


def test_skipped_and_ignored_envs_are_not_errors() -> None:
    out = io.StringIO()
    view = GitHubConsole(Console(out))
    run_one(view, EnvResult("a", EnvStatus.SKIPPED, "no interpreter"))
    run_one(view, EnvResult("b", EnvStatus.IGNORED, "commands[0] exit 1"))
    assert "::error" not in out.getvalue()
    assert view.stream is out and view.verbosity == 0


def test_error_command_escapes() -> None:
    result = EnvResult("py:3,1", EnvStatus.FAILED, "50% done\nthen\r broke")
    assert error_command(result) == "::error title=py%3A3%2C1::50%25 done%0Athen%0D broke"
    assert error_command(EnvResult("py", EnvStatus.FAILED)) == "::error title=py::failed"


def test_on_github() -> None:
    assert on_github({"GITHUB_ACTIONS": "true"})
    assert not on_github({"GITHUB_ACTIONS": "false"})
    assert not on_github({})


def test_summary_markdown() -> None:
    results = [
        EnvResult("py312", duration=1.234, interpreter="CPython 3.12.1 (/usr/bin/python3.12)"),
        EnvResult("lint", EnvStatus.FAILED, "exit 1 | see\nlog", 0.5),
        EnvResult("py37", EnvStatus.SKIPPED, "no interpreter"),
    ]
    assert summary_markdown(results, 2.0) == (
        "### orch: 1 ok, 1 failed, 1 skipped in 2.00 s\n"
        "\n"
        "| env | result | duration | interpreter |\n"
        "| --- | --- | ---: | --- |\n"
        "| py312 | ✅ ok | 1.23 s | CPython 3.12.1 |\n"
        "| lint | ❌ failed: exit 1 \\| see log | 0.50 s | - |\n"
        "| py37 | ⏭️ skipped: no interpreter | 0.00 s | - |\n"
        "\n"
    )


def test_summary_appends(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "summary.md"
    write_step_summary(path, [EnvResult("a")], 1.0)
    write_step_summary(path, [EnvResult("b")], 1.0)
    text = path.read_text(encoding="utf-8")
    assert text.count("### orch: 1 ok") == 2
    assert text.index("| a |") < text.index("| b |")
