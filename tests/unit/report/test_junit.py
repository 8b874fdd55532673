"""``--junit``: counts, one test case per env, failure text from the log tail, valid XML."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
import xmlschema

from orch.report.junit import log_tail, write_junit, xml_text
from orch.schedule.results import CommandResult, EnvResult, EnvStatus


def command(exit_code: int) -> list[CommandResult]:
    return [CommandResult("commands", 0, "pytest", "exited", exit_code, 0.4)]


def env_with_log(root: Path, name: str, status: EnvStatus, log: bytes, message: str = "") -> EnvResult:
    log_dir = root / name / "log"
    log_dir.mkdir(parents=True)
    (log_dir / "commands.log").write_bytes(log)
    return EnvResult(
        name, status, message, duration=0.5, started=100.0, ended=100.5, log_dir=str(log_dir), commands=command(1)
    )


def parse(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def test_counts_and_cases(tmp_path: Path) -> None:
    results = [
        EnvResult("py312", duration=3.2, started=100.0, ended=103.2, commands=command(0)),
        env_with_log(tmp_path, "py311", EnvStatus.FAILED, b"collected 3 items\nFAILED test_x\n", "commands[0] exit 1"),
        env_with_log(tmp_path, "slow", EnvStatus.TIMEOUT, b"sleeping\n", "commands[0] timeout"),
        EnvResult("lint", EnvStatus.SKIPPED, "no interpreter for python3.7"),
        EnvResult("docs", EnvStatus.IGNORED, "commands[0] exit 2", duration=1.0),
    ]
    target = tmp_path / "reports" / "junit.xml"
    assert write_junit(target, results) == target
    root = parse(target)
    suite = root.find("testsuite")
    assert suite is not None
    for element in (root, suite):
        assert element.get("name") == "orch"
        assert (element.get("tests"), element.get("failures"), element.get("errors")) == ("5", "2", "0")
        assert element.get("time") == "3.200"  # wall clock, first start to last end
    assert suite.get("skipped") == "1"
    assert root.get("skipped") is None  # junit-10.xsd allows no skipped on <testsuites>
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert list(cases) == ["py312", "py311", "slow", "lint", "docs"]
    assert all(case.get("classname") == "orch" for case in cases.values())
    assert cases["py312"].get("time") == "3.200"
    assert list(cases["py312"]) == []
    failure = cases["py311"].find("failure")
    assert failure is not None
    assert failure.get("message") == "commands[0] exit 1"
    assert failure.get("type") == "failed"
    assert failure.text == "collected 3 items\nFAILED test_x\n"
    timeout = cases["slow"].find("failure")
    assert timeout is not None
    assert timeout.get("type") == "timeout"
    skipped = cases["lint"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "no interpreter for python3.7"
    assert cases["docs"].find("failure") is None
    note = cases["docs"].find("system-out")
    assert note is not None
    assert note.text == "failed, but ignore_outcome = true: commands[0] exit 2"
    assert os.listdir(target.parent) == ["junit.xml"]


def test_failure_text_is_the_tail_without_control_characters(tmp_path: Path) -> None:
    log = b"x" * 10_000 + b"\n\x1b[31mred\x1b[0m\x00bell\x07 form\x0c tab\t \xc3\xa9t\xc3\xa9 \xff end\r\n"
    result = env_with_log(tmp_path, "py", EnvStatus.FAILED, log, "commands[0] exit 1\x01")
    target = tmp_path / "junit.xml"
    write_junit(target, [result], suite_name="ci", tail_bytes=100)
    suite = parse(target).find("testsuite")
    assert suite is not None
    assert suite.get("name") == "ci"
    failure = suite.find("testcase/failure")
    assert failure is not None
    assert failure.get("message") == "commands[0] exit 1"
    text = failure.text or ""
    assert text.startswith(
        f"[... the first {len(log) - 100} bytes are in {tmp_path / 'py' / 'log' / 'commands.log'}]\n"
    )
    assert text.endswith("\nredbell form tab\t été \ufffd end\n")
    assert len(text.encode()) < 300


def test_setup_failure_shows_the_setup_log(tmp_path: Path) -> None:
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    (log_dir / "commands.log").write_text("from an earlier run\n", encoding="utf-8")
    (log_dir / "setup.log").write_text("ERROR: no matching distribution\n", encoding="utf-8")
    result = EnvResult("py", EnvStatus.FAILED, "could not install deps", log_dir=str(log_dir))
    write_junit(tmp_path / "junit.xml", [result])
    failure = parse(tmp_path / "junit.xml").find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.text == "ERROR: no matching distribution\n"


def test_failure_without_log(tmp_path: Path) -> None:
    result = EnvResult("py", EnvStatus.INTERRUPTED, "interrupted", log_dir=str(tmp_path / "missing"))
    write_junit(tmp_path / "junit.xml", [result])
    failure = parse(tmp_path / "junit.xml").find("testsuite/testcase/failure")
    assert failure is not None
    assert (failure.get("type"), failure.get("message"), failure.text) == (
        "interrupted",
        "interrupted",
        "(no output log)",
    )


def test_log_tail_of_a_short_log(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_bytes(b"short\n")
    assert log_tail(tmp_path / "a.log", 4000) == "short\n"
    assert log_tail(tmp_path / "missing.log", 4000).startswith("[cannot read ")


def test_xml_text() -> None:
    assert xml_text("a\x00b\x1bc\x1b[1;32md\x1b[0m\ud800e\ufffe\U0001f600") == "abcde\U0001f600"


JUNIT_10 = Path(__file__).parent / "schemas" / "junit-10.xsd"


def every_status(root: Path) -> list[EnvResult]:
    return [
        EnvResult("ok", duration=3.2, started=100.0, ended=103.2, commands=command(0)),
        env_with_log(root, "failed", EnvStatus.FAILED, b"FAILED \x1b[31mtest_x\x1b[0m \x00\x07<&>\n", "exit 1"),
        env_with_log(root, "timeout", EnvStatus.TIMEOUT, b"sleeping\n", "commands[0] timeout"),
        env_with_log(root, "interrupted", EnvStatus.INTERRUPTED, b"", "interrupted"),
        EnvResult("skipped", EnvStatus.SKIPPED, "no interpreter for python3.7"),
        EnvResult("ignored", EnvStatus.IGNORED, "commands[0] exit 2", duration=1.0),
        EnvResult("no-log", EnvStatus.FAILED, 'error: bad "value"\x01'),
    ]


@pytest.mark.parametrize("results", [every_status, lambda root: []], ids=["every-status", "empty"])
def test_passes_the_junit_10_xsd(tmp_path: Path, results: Callable[[Path], list[EnvResult]]) -> None:
    """What Jenkins' xunit plugin and other strict readers accept (a skipped= on <testsuites> fails)."""
    schema = xmlschema.XMLSchema(str(JUNIT_10))
    target = write_junit(tmp_path / "junit.xml", results(tmp_path))
    schema.validate(str(target))
    root = ET.parse(target).getroot()
    root.set("skipped", "0")  # the negative control: the schema does reject what strict readers reject
    assert not schema.is_valid(ET.tostring(root, encoding="unicode"))
