"""``-x SECTION.KEY=VALUE`` overrides: parsed from the command line, applied to the raw sections."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from orch.config.raw import ENV_PREFIX, RawSection, RawValue, Source
from orch.errors import ConfigError, Location


class Override(NamedTuple):
    """``-x SECTION.KEY=VALUE`` (replace) or ``-x SECTION.KEY+=VALUE`` (append a line)."""

    section: str
    key: str
    value: str
    append: bool = False

    @classmethod
    def parse(cls, text: str) -> Override:
        target, sep, value = text.partition("=")
        if not sep:
            raise ConfigError(f"override {text!r} is not of the form SECTION.KEY=VALUE or SECTION.KEY+=VALUE")
        append = target.endswith("+")
        section, _, key = target.rstrip("+").rpartition(".")  # no section: the core (a TOML file's top level)
        if not key:
            raise ConfigError(f"override {text!r} is not of the form SECTION.KEY=VALUE or SECTION.KEY+=VALUE")
        return cls(section.strip(), key.strip().lower(), value, append)


def apply_overrides(source: Source, overrides: Sequence[Override]) -> None:
    """Change the raw sections in place, as if the file said so."""
    where = Location("-x override")
    for item in overrides:
        if not item.section and not source.structured:  # only a TOML file has a top level without a name
            raise ConfigError(
                f"override {item.key}=... names no section; write SECTION.KEY=VALUE (testenv.{item.key}=...)"
            )
        name = source.section_for_override(item.section)
        section = source.sections.setdefault(name, RawSection(name, where))
        old = section.values.get(item.key)
        if old is None and item.append and section.prefix == ENV_PREFIX and ENV_PREFIX in source.sections:
            old = source.sections[ENV_PREFIX].values.get(item.key)  # append to the inherited value
        if item.append and old is not None and isinstance(old.data, list):  # a TOML list gets one more item
            section.values[item.key] = RawValue(f"{old.text}\n{item.value}", where, [*old.data, item.value])
            continue
        text = f"{source.read(old)}\n{item.value}" if item.append and old is not None else item.value
        section.values[item.key] = RawValue(text, where)
