"""The artifact cache: reuse on a hit, rebuild on any change, atomic publish, one build under concurrency."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import orch
from orch.builders.api import Artifact, BuildError
from orch.builders.cache import ArtifactCache, config_hash, list_artifacts
from orch.builders.source import SourceState
from orch.config.model import PackageDef
from orch.config.types import Command

WHEEL = "demo-1.0-py3-none-any.whl"
PDEF = PackageDef(
    name="wheel",
    builder="wheel",
    match=("py3*",),
    build_python="python3",
    config_settings={},
    per_python="auto",
    build_commands=(),
    package_glob="",
    description="the project as a wheel",
)
SOURCE = SourceState("a" * 64, 3, "c" * 40, False)


class FakeBuild:
    """Counts its calls and writes a dummy wheel; the real builders are tested elsewhere."""

    def __init__(self, delay: float = 0.0, fail: BaseException | None = None) -> None:
        self.delay, self.fail = delay, fail
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, out_dir: Path) -> Artifact:
        with self._lock:
            self.calls += 1
        path = out_dir / WHEEL
        path.write_bytes(b"wheel built at %d" % time.monotonic_ns())
        time.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        return Artifact(path, "wheel", "demo", "1.0", pure=True)


def folders(work_dir: Path, name: str = "wheel") -> list[str]:
    return sorted(path.name for path in (work_dir / "dist" / name).iterdir() if path.is_dir())


def test_a_miss_builds_and_a_hit_reuses(tmp_path: Path) -> None:
    cache, build = ArtifactCache(tmp_path), FakeBuild()
    first = cache.get_or_build(PDEF, SOURCE, build)
    second = cache.get_or_build(PDEF, SOURCE, build)
    assert (build.calls, first.reused, second.reused) == (1, False, True)
    assert first.artifact == second.artifact
    assert first.artifact.path.name == WHEEL  # the backend's file name, untouched
    assert first.artifact.path.parent.name.startswith("any-")
    assert first.artifact.path.is_file()
    assert (ArtifactCache(tmp_path).get_or_build(PDEF, SOURCE, build).reused, build.calls) == (True, 1)


def test_provenance_sidecar(tmp_path: Path) -> None:
    built = ArtifactCache(tmp_path).get_or_build(PDEF, SOURCE, FakeBuild(), variant="cp311", extra={"python": "3.11"})
    sidecar = json.loads((built.artifact.path.parent / "provenance.json").read_text())
    assert sidecar == built.provenance
    data = built.artifact.path.read_bytes()
    expected = {
        "packagedef": "wheel",
        "builder": "wheel",
        "variant": "cp311",
        "artifact": WHEEL,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "name": "demo",
        "version": "1.0",
        "kind": "wheel",
        "pure": True,
        "git_commit": "c" * 40,
        "dirty": False,
        "source_hash": SOURCE.hash,
        "config_hash": config_hash(PDEF, {"python": "3.11"}),
        "orch_version": orch.__version__,
    }
    assert {key: sidecar[key] for key in expected} == expected
    assert datetime.fromisoformat(sidecar["built_at"].replace("Z", "+00:00")).utcoffset() is not None
    assert built.artifact.path.parent.name == f"cp311-{sidecar['key'][:12]}"


@pytest.mark.parametrize(
    ("change", "rebuilds"),
    [
        ({"builder": "sdist"}, True),
        ({"config_settings": {"--build-option": "--debug"}}, True),
        ({"build_python": "python3.12"}, True),
        ({"per_python": "yes"}, True),
        ({"build_commands": (Command(("make", "dist")),)}, True),
        ({"package_glob": "dist/*.whl"}, True),
        ({"extra": {"plugin_option": "on"}}, True),
        ({"description": "other words"}, False),
        ({"match": ("py311",)}, False),
    ],
)
def test_settings_that_change_the_build_change_the_key(tmp_path: Path, change: dict[str, Any], rebuilds: bool) -> None:
    cache, build = ArtifactCache(tmp_path), FakeBuild()
    cache.get_or_build(PDEF, SOURCE, build)
    again = cache.get_or_build(PDEF._replace(**change), SOURCE, build)
    assert (again.reused, build.calls) == (not rebuilds, 2 if rebuilds else 1)


def test_config_hash_is_stable_and_covers_extra() -> None:
    assert config_hash(PDEF) == config_hash(PDEF._replace(config_settings={}))
    with_tag = config_hash(PDEF, {"python_tag": "cp311"})
    assert with_tag != config_hash(PDEF) and with_tag != config_hash(PDEF, {"python_tag": "cp312"})
    ordered = PDEF._replace(config_settings={"a": "1", "b": "2"})
    assert config_hash(ordered) == config_hash(PDEF._replace(config_settings={"b": "2", "a": "1"}))


def test_a_source_or_extra_change_rebuilds(tmp_path: Path) -> None:
    cache, build = ArtifactCache(tmp_path), FakeBuild()
    cache.get_or_build(PDEF, SOURCE, build)
    assert cache.get_or_build(PDEF, SOURCE._replace(git_commit="d" * 40, dirty=True), build).reused  # not in the key
    assert not cache.get_or_build(PDEF, SOURCE._replace(hash="b" * 64), build).reused
    assert not cache.get_or_build(PDEF, SOURCE, build, extra={"orch": "9.9"}).reused
    assert build.calls == 3


def test_variants_are_kept_apart(tmp_path: Path) -> None:
    cache, build = ArtifactCache(tmp_path), FakeBuild()
    py311 = cache.get_or_build(PDEF, SOURCE, build, variant="cp311")
    py312 = cache.get_or_build(PDEF, SOURCE, build, variant="cp312")
    assert py311.artifact.path != py312.artifact.path
    assert cache.get_or_build(PDEF, SOURCE, build, variant="cp311").artifact == py311.artifact
    assert cache.get_or_build(PDEF, SOURCE, build, variant="cp312").reused
    assert build.calls == 2
    assert [name.split("-")[0] for name in folders(tmp_path)] == ["cp311", "cp312"]


@pytest.mark.parametrize("damage", ["same size", "truncated", "deleted", "sidecar garbage", "sidecar deleted"])
def test_a_damaged_entry_is_rebuilt(tmp_path: Path, damage: str) -> None:
    build = FakeBuild()
    path = ArtifactCache(tmp_path).get_or_build(PDEF, SOURCE, build).artifact.path
    sidecar = path.parent / "provenance.json"
    if damage == "same size":
        path.write_bytes(b"X" * path.stat().st_size)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:5])
    elif damage == "deleted":
        path.unlink()
    elif damage == "sidecar garbage":
        sidecar.write_text("{")
    else:
        sidecar.unlink()
    again = ArtifactCache(tmp_path).get_or_build(PDEF, SOURCE, build)
    assert (again.reused, build.calls, again.artifact.path) == (False, 2, path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == again.provenance["sha256"]


def test_the_same_instance_notices_a_changed_artifact(tmp_path: Path) -> None:
    cache, build = ArtifactCache(tmp_path), FakeBuild()
    path = cache.get_or_build(PDEF, SOURCE, build).artifact.path
    path.write_bytes(b"tampered")
    assert (cache.get_or_build(PDEF, SOURCE, build).reused, build.calls) == (False, 2)


@pytest.mark.parametrize("fail", [BuildError("backend failed"), KeyboardInterrupt()])
def test_a_failed_build_leaves_nothing_behind(tmp_path: Path, fail: BaseException) -> None:
    cache = ArtifactCache(tmp_path)
    with pytest.raises(type(fail)):
        cache.get_or_build(PDEF, SOURCE, FakeBuild(fail=fail))
    assert list((tmp_path / "dist" / "wheel").iterdir()) == []
    assert not cache.get_or_build(PDEF, SOURCE, FakeBuild()).reused


def test_a_crashed_builds_temporary_folder_is_cleaned_and_never_used(tmp_path: Path) -> None:
    leftover = tmp_path / "dist" / "wheel" / ".tmp-crashed"
    leftover.mkdir(parents=True)
    (leftover / WHEEL).write_bytes(b"half")
    ArtifactCache(tmp_path).get_or_build(PDEF, SOURCE, FakeBuild())
    assert not leftover.exists()
    assert [path["artifact"] for path in list_artifacts(tmp_path)] == [WHEEL]


def test_an_artifact_outside_out_dir_is_copied_in_and_a_missing_one_is_an_error(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / WHEEL
    outside.parent.mkdir()
    outside.write_bytes(b"external")
    cache = ArtifactCache(tmp_path / "work")
    built = cache.get_or_build(PDEF, SOURCE, lambda out: Artifact(outside, "external", "demo", "1.0"))
    assert built.artifact.path.read_bytes() == b"external" and built.artifact.path != outside
    with pytest.raises(BuildError, match="not a file"):
        cache.get_or_build(PDEF, SOURCE, lambda out: Artifact(out / "nothing.whl", "wheel", "demo", "1.0"), variant="x")
    assert not [name for name in folders(tmp_path / "work") if name.startswith("x-")]


def test_only_the_two_newest_folders_of_a_variant_are_kept(tmp_path: Path) -> None:
    cache, build = ArtifactCache(tmp_path), FakeBuild()
    other = cache.get_or_build(PDEF, SOURCE, build, variant="cp312").artifact.path.parent
    paths = {}
    for state in "abcd":
        time.sleep(0.02)  # folder times order the builds; keep them apart on a coarse clock
        paths[state] = cache.get_or_build(PDEF, SOURCE._replace(hash=state * 64), build).artifact.path.parent
        if state == "b":
            time.sleep(0.02)
            assert cache.get_or_build(PDEF, SOURCE._replace(hash="a" * 64), build).reused  # "a" used again
    remaining = {path for path in paths.values() if path.exists()}
    assert remaining == {paths["c"], paths["d"]}
    time.sleep(0.02)
    assert cache.get_or_build(PDEF, SOURCE._replace(hash="c" * 64), build).reused
    cache.get_or_build(PDEF, SOURCE._replace(hash="e" * 64), build)
    assert paths["c"].exists() and not paths["d"].exists()  # the reused one counts as recent
    assert other.exists()


def test_reuse_keeps_a_folder_over_an_older_build(tmp_path: Path) -> None:
    cache, build = ArtifactCache(tmp_path), FakeBuild()
    first = cache.get_or_build(PDEF, SOURCE._replace(hash="a" * 64), build).artifact.path.parent
    time.sleep(0.02)
    second = cache.get_or_build(PDEF, SOURCE._replace(hash="b" * 64), build).artifact.path.parent
    time.sleep(0.02)
    assert cache.get_or_build(PDEF, SOURCE._replace(hash="a" * 64), build).reused
    time.sleep(0.02)
    cache.get_or_build(PDEF, SOURCE._replace(hash="c" * 64), build)
    assert (first.exists(), second.exists()) == (True, False)


@pytest.mark.parametrize("shared", [True, False], ids=["one cache", "a cache per thread"])
def test_threads_asking_at_once_build_once(tmp_path: Path, shared: bool) -> None:
    build, caches = FakeBuild(delay=0.3), [ArtifactCache(tmp_path)]
    if not shared:
        caches += [ArtifactCache(tmp_path) for _ in range(7)]
    start = threading.Barrier(8)
    results = []

    def ask(index: int) -> None:
        start.wait()
        results.append(caches[index % len(caches)].get_or_build(PDEF, SOURCE, build))

    threads = [threading.Thread(target=ask, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert build.calls == 1
    assert sorted(result.reused for result in results) == [False] + [True] * 7
    assert len({result.artifact.path for result in results}) == 1


def test_processes_asking_at_once_build_once(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import sys, time
        from pathlib import Path
        from orch.builders.api import Artifact
        from orch.builders.cache import ArtifactCache
        from orch.builders.source import SourceState
        from orch.config.model import PackageDef

        work, counter, go = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
        pdef = PackageDef("wheel", "wheel", (), "", {}, "auto", (), "", "")

        def build(out):
            with counter.open("a") as stream:
                stream.write("built\\n")
            time.sleep(0.5)
            (out / "demo-1.0-py3-none-any.whl").write_bytes(b"wheel")
            return Artifact(out / "demo-1.0-py3-none-any.whl", "wheel", "demo", "1.0", True)

        while not go.exists():
            time.sleep(0.005)
        result = ArtifactCache(work).get_or_build(pdef, SourceState("a" * 64, 1, None, None), build)
        print("reused" if result.reused else "built", result.artifact.path)
        """
    )
    counter, go = tmp_path / "counter", tmp_path / "go"
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(Path(orch.__file__).parents[1]), os.environ.get("PYTHONPATH", "")])
    )
    argv = [sys.executable, "-c", script, str(tmp_path / "work"), str(counter), str(go)]
    procs = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(3)
    ]
    time.sleep(0.5)  # let them import and wait for the signal
    go.touch()
    outputs = [proc.communicate(timeout=60) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0, 0], outputs
    assert counter.read_text() == "built\n"
    words = sorted(out.split()[0] for out, _ in outputs)
    assert words == ["built", "reused", "reused"]
    assert len({out.split()[1] for out, _ in outputs}) == 1


def test_list_artifacts_reads_every_sidecar(tmp_path: Path) -> None:
    cache, build = ArtifactCache(tmp_path), FakeBuild()
    cache.get_or_build(PDEF, SOURCE, build, variant="cp312")
    cache.get_or_build(PDEF, SOURCE, build, variant="cp311")
    cache.get_or_build(PDEF._replace(name="docs"), SOURCE, build)
    broken = tmp_path / "dist" / "wheel" / "any-000000000000"
    broken.mkdir()
    (broken / "provenance.json").write_text("[]")
    listed = list_artifacts(tmp_path)
    assert [(item["packagedef"], item["variant"]) for item in listed] == [
        ("docs", ""),
        ("wheel", "cp311"),
        ("wheel", "cp312"),
    ]
    assert all(Path(str(item["path"])).is_file() for item in listed)
    assert list_artifacts(tmp_path / "nowhere") == []


def test_recipe_and_its_channels_are_part_of_the_key() -> None:
    from orch.builders.cache import config_hash

    with_recipe = PDEF._replace(recipe="conda/recipe.yaml")
    assert config_hash(with_recipe) != config_hash(PDEF)
    assert config_hash(with_recipe._replace(conda_channels=("file:///local",))) != config_hash(with_recipe)
    assert config_hash(PDEF._replace(conda_channels=("file:///local",))) == config_hash(PDEF)  # unused without a recipe
