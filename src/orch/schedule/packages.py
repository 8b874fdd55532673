"""The package stage: build what the envs need (once, through the artifact cache), check it fits
each env, and install it, skipping the install when the env already has that very artifact.

Builds are lazy: the first env that needs a packagedef triggers its build, so ``orch run -e lint``
on a skip env builds nothing. With ``per_python = auto`` a package is built once with the build
interpreter; when the wheel turns out not to be pure and does not fit an env's interpreter, it is
built again for that interpreter (a C extension). ``per_python = true`` always builds per
interpreter, ``false`` never does.

A conda package (the ``conda`` builder) is installed by the env's conda engine instead of uv or pip
(:func:`orch.envs.conda.install_package`: through the project's local channel), only into conda
envs; one built for another Python than the env's is built again for it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, cast

from orch.builders.api import Artifact, BuildError, BuildRequest
from orch.envs import constraints
from orch.envs import lock as env_lock
from orch.envs.api import EnvSetupError
from orch.envs.installer import Installer, installer_environ
from orch.files import write_atomic
from orch.paths import cache_dir

if TYPE_CHECKING:
    from orch.builders.api import Builder
    from orch.builders.cache import ArtifactCache, CachedArtifact
    from orch.builders.package_files import PackageFiles
    from orch.builders.source import SourceScan, SourceState
    from orch.config.model import EnvConfig, PackageDef
    from orch.config.project import Config
    from orch.envs.api import PreparedEnv
    from orch.envs.discovery import Discovery
    from orch.envs.interpreter import Interpreter
    from orch.plugin.manager import Plugins

RECORD = ".orch-package.json"
# Builders whose package orch can read back (an sdist's file list, a wheel's files): only their
# fingerprint narrows to what went into the package; any other keeps hashing every source file.
NARROWED = frozenset({"sdist", "wheel", "editable"})


class IncompatiblePackage(EnvSetupError):
    """The built package does not fit the env; ``package_incompatible = skip`` makes it a skip."""


class Installed(NamedTuple):
    """What installing the package into one env did."""

    action: str  # "installed pkg 1.0", "package unchanged", "reinstalled pkg 1.0 (no deps)"
    installer_runs: int
    provenance: Mapping[str, object]


class Placed(NamedTuple):
    """An env's package: the artifact, and what installing it did."""

    cached: CachedArtifact
    installed: Installed


def wheel_metadata(path: Path) -> tuple[str | None, tuple[str, ...]]:
    """(Requires-Python, Requires-Dist lines) of a wheel, read from its METADATA."""
    import zipfile  # only when a wheel is read: a run without packages skips it

    with zipfile.ZipFile(path) as wheel:
        name = next((n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")), None)
        if name is None:
            return None, ()
        text = wheel.read(name).decode("utf-8", errors="replace")
    requires_python, requires = None, []
    for line in text.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(":")
        if key.lower() == "requires-python":
            requires_python = value.strip()
        elif key.lower() == "requires-dist":
            requires.append(value.strip())
    return requires_python, tuple(requires)


def supported_tags(interpreter: Interpreter) -> set[str]:
    """The wheel tags an interpreter on this machine accepts (computed here, not by running it)."""
    from packaging import tags

    major, minor = interpreter.version[:2]
    platforms = list(tags.platform_tags())
    found: list[tags.Tag] = []
    if interpreter.implementation == "cpython":
        abi = f"cp{major}{minor}{'t' if interpreter.free_threaded else ''}"
        found += tags.cpython_tags((major, minor), abis=[abi, "abi3", "none"], platforms=platforms)
        found += tags.compatible_tags((major, minor), interpreter=f"cp{major}{minor}", platforms=platforms)
    else:
        found += tags.compatible_tags((major, minor), interpreter=f"pp{major}{minor}", platforms=platforms)
    return {str(t) for t in found}


def incompatibility(artifact: Artifact, interpreter: Interpreter | None) -> str | None:
    """Why a wheel cannot go into an env's interpreter (tags, Requires-Python), or ``None``."""
    if interpreter is None or artifact.kind not in ("wheel", "editable") or artifact.path.suffix != ".whl":
        return None
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.utils import parse_wheel_filename

    version = ".".join(map(str, interpreter.version))
    requires_python, _ = wheel_metadata(artifact.path)
    if requires_python:
        try:
            if not SpecifierSet(requires_python).contains(version, prereleases=True):
                return f"{artifact.name} {artifact.version} requires Python {requires_python}, the env has {version}"
        except InvalidSpecifier:
            pass
    wheel_tags = {str(t) for t in parse_wheel_filename(artifact.path.name)[3]}
    if not wheel_tags & supported_tags(interpreter):
        return f"{artifact.path.name} does not fit {interpreter.describe()}"
    return None


def _sha256(path: Path) -> str:
    import hashlib  # only an env that installs a package needs it: OpenSSL's start is 3 ms of every run

    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class PackageStage:
    """Builds and installs packages for one run; safe to use from several threads."""

    def __init__(
        self,
        config: Config,
        plugins: Plugins,
        discovery: Discovery,
        note: Callable[[str, str], None],
        *,
        environ: Mapping[str, str] | None = None,
        installpkg: Path | None = None,
    ) -> None:
        self.config, self.plugins, self.discovery, self.note = config, plugins, discovery, note
        self.environ = os.environ if environ is None else environ
        self.installpkg = installpkg
        self._lock = threading.Lock()
        self._scan: SourceScan | None = None
        self._cache: ArtifactCache | None = None
        self.built: list[CachedArtifact] = []

    # ---------------------------------------------------------------------------------- build
    def scan(self) -> SourceScan:
        """The run's one look at the sources, shared by every packagedef."""
        with self._lock:
            if self._scan is None:
                from orch.builders.source import SourceScan

                work_dir = self.config.core.work_dir
                cache_file = work_dir / "dist" / ".source-cache.json"
                self._scan = SourceScan(self.config.root, cache_file=cache_file, exclude=[work_dir])
            return self._scan

    def _artifact_cache(self) -> ArtifactCache:
        with self._lock:
            if self._cache is None:
                from orch.builders.cache import ArtifactCache

                self._cache = ArtifactCache(self.config.core.work_dir)
            return self._cache

    def _build_python(self, pdef: PackageDef) -> Interpreter:
        spec = pdef.build_python or sys.executable
        found = self.discovery.find([spec])
        if found is None:
            raise BuildError(f"[packagedef:{pdef.name}] no build interpreter for {spec}")
        return found

    def _builder(self, pdef: PackageDef) -> Builder:
        factory = self.plugins.builders.load_implementation(pdef.builder)
        if not callable(factory):
            raise BuildError(f"builder {pdef.builder!r}: its implementation is not a class")
        return cast("Builder", factory())

    def build(self, pdef: PackageDef, python: Interpreter | None = None, variant: str = "") -> CachedArtifact:
        """The artifact of a packagedef (built with ``python``, or its build interpreter), from the
        cache when the sources and settings are unchanged."""
        build_python = python or self._build_python(pdef)
        builder = self._builder(pdef)
        work_dir = self.config.core.work_dir
        from orch import __version__

        sources = _Sources(self.scan(), narrow=pdef.builder in NARROWED)

        def run_build(out_dir: Path) -> Artifact:
            self.note(f".pkg[{pdef.name}]", f"building a {pdef.builder} with {build_python.describe()}")
            request = BuildRequest(
                packagedef=pdef,
                root=self.config.root,
                out_dir=out_dir,
                build_python=build_python,
                cache_dir=cache_dir(self.environ),
                log=work_dir / "dist" / f"{pdef.name}.log",
                note=lambda text: self.note(f".pkg[{pdef.name}]", text),
                environ=self.environ,
                exclude=(work_dir,),
                source_hash=sources.last.hash if sources.last is not None else "",
                options=self.plugins.options,
            )
            request.log.parent.mkdir(parents=True, exist_ok=True)
            request.log.write_bytes(b"")  # the log of the latest build only
            try:
                artifact = builder.build(request)
            except BaseException:
                self.note(f".pkg[{pdef.name}]", "build failed")  # ends the build's row in the live view
                raise
            self.note(f".pkg[{pdef.name}]", f"built {artifact.path.name}")
            return artifact

        extra = {"orch": __version__, "build_python": build_python.major_minor}
        cached = self._artifact_cache().get_or_build(pdef, sources, run_build, variant=variant, extra=extra)
        with self._lock:
            self.built.append(cached)
        return cached

    def artifact_for(self, env: EnvConfig, interpreter: Interpreter | None) -> CachedArtifact | None:
        """The artifact an env installs, built if needed; ``None`` when it installs no package.

        Raises :class:`BuildError` when it cannot be built, and :class:`EnvSetupError` when the
        result does not fit the env (Requires-Python, wheel tags).
        """
        if not env.packagedef:
            return None
        pdef = self.config.packagedef(env.packagedef)
        if pdef.builder == "skip":
            return None
        if self.installpkg is not None:
            cached = self._given(pdef)
        elif pdef.per_python == "true" and interpreter is not None:
            cached = self.build(pdef, interpreter, variant=_variant(interpreter))
        else:
            cached = self.build(pdef)
            artifact = cached.artifact
            per_target = pdef.per_python == "auto" and artifact.pure is False
            if per_target and interpreter is not None and _needs_own_build(cached, interpreter):
                cached = self.build(pdef, interpreter, variant=_variant(interpreter))
        given = self.installpkg is not None  # a file of the user's: nothing is written beside it
        reason = incompatibility(cached.artifact, interpreter) if given else self._verdict(cached, interpreter)
        if reason is not None:
            raise IncompatiblePackage(f"{env.name}: incompatible: {reason}")
        return cached

    def _verdict(self, cached: CachedArtifact, interpreter: Interpreter | None) -> str | None:
        """:func:`incompatibility`, kept beside an artifact of the cache: its folder never changes, so
        the answer for an interpreter holds, and a warm run imports no ``packaging`` to give it again."""
        if interpreter is None or cached.artifact.kind not in ("wheel", "editable"):
            return None
        memo = cached.artifact.path.parent / COMPATIBILITY
        version = ".".join(map(str, interpreter.version)) + ("t" if interpreter.free_threaded else "")
        key = f"{interpreter.implementation} {version} {interpreter.architecture}-bit {interpreter.path}"
        with self._lock:
            try:
                known = json.loads(memo.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                known = {}
            known = known if isinstance(known, dict) else {}
            if isinstance(known.get(key), str):
                return known[key] or None
            reason = incompatibility(cached.artifact, interpreter)
            with contextlib.suppress(OSError):
                write_atomic(memo, json.dumps({**known, key: reason or ""}, indent=1) + "\n")
            return reason

    def _given(self, pdef: PackageDef) -> CachedArtifact:
        """``--installpkg FILE``: that artifact, built by nobody."""
        from packaging.utils import parse_sdist_filename, parse_wheel_filename

        from orch.builders.cache import CachedArtifact

        path = Path(self.installpkg or "").resolve()
        if not path.is_file():
            raise BuildError(f"--installpkg {path}: no such file")
        if path.suffix == ".whl":
            name, version, _, tags = parse_wheel_filename(path.name)
            pure = all(t.abi == "none" and t.platform == "any" for t in tags)
            artifact = Artifact(path, "wheel", str(name), str(version), pure)
        else:
            name, version = parse_sdist_filename(path.name)
            artifact = Artifact(path, "sdist", str(name), str(version))
        provenance: dict[str, object] = {
            "packagedef": pdef.name,
            "artifact": path.name,
            "sha256": _sha256(path),
            "given": str(path),
        }
        return CachedArtifact(artifact, provenance, True)

    # -------------------------------------------------------------------------------- install
    def place(
        self, env: EnvConfig, prepared: PreparedEnv, interpreter: Interpreter | None, note: Callable[[str], None]
    ) -> Placed | None:
        """The env's package built (or reused) and installed when it changed, under the env's locks
        (:func:`orch.envs.lock.changing`); None when it installs none. ``note`` says what happens.
        Raises as :meth:`artifact_for` and :meth:`install` do."""
        cached = self.artifact_for(env, interpreter)
        if cached is None:
            return None
        with env_lock.changing(env.env_dir, env.name, note):
            return Placed(cached, self.install(env, prepared, cached, note))  # exclusive when it installs

    def install(
        self, env: EnvConfig, prepared: PreparedEnv, cached: CachedArtifact, note: Callable[[str], None] | None = None
    ) -> Installed:
        """Install the artifact unless the env already has this very one (by sha256).

        A changed artifact replaces the installed package without touching its dependencies,
        unless its declared dependencies changed too.
        """
        artifact = cached.artifact
        sha = str(cached.provenance.get("sha256") or _sha256(artifact.path))
        _, requires = wheel_metadata(artifact.path) if artifact.path.suffix == ".whl" else (None, ())
        record_path = env.env_dir / RECORD
        try:
            old = json.loads(record_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        label = f"{artifact.name} {artifact.version}"
        if old is not None and old.get("sha256") == sha and old.get("extras") == list(env.extras):
            return Installed(f"package unchanged ({label})", 0, cached.provenance)
        if prepared.python is None:
            raise EnvSetupError(f"{env.name}: the env has no Python to install {artifact.name} into")
        env_lock.before_change(env.env_dir)  # under orch.envs.lock.changing: wait until no other run uses the env
        same_deps = (  # the extras name deps too: an added extra needs its deps installed
            old is not None
            and old.get("requires") == list(requires)
            and old.get("name") == artifact.name
            and old.get("extras") == list(env.extras)
        )
        (note or functools.partial(self.note, env.name))(f"installing {label}")
        if artifact.kind == "conda":
            self._install_conda(env, artifact)
        else:
            installer = Installer(env.name, env.installer, env.install_command)
            args = self._install_args(env, artifact, installer, reinstall=old is not None, no_deps=same_deps)
            args += constraints.args(env, self.config.root)  # tox's `constraints` bind the package too
            environ = installer_environ(
                self.environ,
                set_env=env.set_env,
                bin_dir=prepared.bin_dirs[0] if prepared.bin_dirs else None,
                virtual_env=env.env_dir if "VIRTUAL_ENV" in prepared.environ else None,
            )
            log = env.env_log_dir / "setup.log"
            installer.install(prepared.python, args, cwd=self.config.root, env=environ, log=log, what="package")
        record = {
            "sha256": sha,
            "name": artifact.name,
            "version": artifact.version,
            "requires": list(requires),
            "extras": list(env.extras),
            "artifact": str(artifact.path),
        }
        write_atomic(record_path, json.dumps(record, indent=2))
        if old is None:
            action = f"installed {label}"
        else:
            action = f"reinstalled {label}" + (" (no deps)" if same_deps else " with its deps")
        return Installed(action, 1, cached.provenance)

    def _install_conda(self, env: EnvConfig, artifact: Artifact) -> None:
        """A conda package goes in through the env's conda engine (see :func:`orch.envs.conda.install_package`)."""
        if env.env_type != "conda":
            raise IncompatiblePackage(
                f"{env.name}: incompatible: {artifact.path.name} is a conda package, {env.name} is not a conda env"
            )
        from orch.envs.conda import install_package

        log = env.env_log_dir / "setup.log"
        work_dir = self.config.core.work_dir
        install_package(env, artifact.path, work_dir=work_dir, root=self.config.root, log=log, environ=self.environ)

    @staticmethod
    def _install_args(
        env: EnvConfig, artifact: Artifact, installer: Installer, *, reinstall: bool, no_deps: bool
    ) -> list[str]:
        if artifact.kind == "editable-legacy":
            target = ["-e", str(artifact.path) + (f"[{','.join(env.extras)}]" if env.extras else "")]
        elif not artifact.name:  # an external artifact of a kind orch cannot name: the installer decides
            target = [str(artifact.path.resolve())]
        else:
            extras = f"[{','.join(env.extras)}]" if env.extras else ""
            target = [f"{artifact.name}{extras} @ {artifact.path.resolve().as_uri()}"]
        flags: list[str] = []
        uv = installer.kind == "uv" and not installer.install_command
        # uv replaces a file requirement whose URL or mtime changed, and every build is a new file (a folder
        # per key): no --reinstall-package, which also costs a fresh interpreter query (about 50 ms an env)
        by_file = uv and bool(artifact.name) and artifact.kind != "editable-legacy"
        if reinstall and not by_file:
            flags += ["--reinstall-package", artifact.name] if uv and artifact.name else ["--force-reinstall"]
        if no_deps:
            flags.append("--no-deps")
        return [*flags, *target]


class _Sources:
    """The scan as one packagedef's build sees it: ``last`` is the state the cache keyed on, and only
    the builders in :data:`NARROWED` report what went into their package."""

    def __init__(self, scan: SourceScan, *, narrow: bool) -> None:
        self.scan, self.narrow = scan, narrow
        self.last: SourceState | None = None

    def state(self, package: PackageFiles | None = None) -> SourceState:
        self.last = self.scan.state(package if self.narrow else None)
        return self.last

    def package_files(self, out_dir: Path, artifact: Path) -> PackageFiles | None:
        return self.scan.package_files(out_dir, artifact) if self.narrow else None


COMPATIBILITY = "compatibility.json"  # beside an artifact: which interpreters it fits (PackageStage._verdict)


def _needs_own_build(cached: CachedArtifact, interpreter: Interpreter) -> bool:
    """Whether a package that is not pure must be built again for ``interpreter``: a wheel whose tags do
    not fit it, a conda package built for another Python (the build interpreter's, in its provenance)."""
    if cached.artifact.kind == "conda":
        extra = cached.provenance.get("extra")
        built_for = extra.get("build_python") if isinstance(extra, dict) else None
        return built_for != interpreter.major_minor
    return incompatibility(cached.artifact, interpreter) is not None


def _variant(interpreter: Interpreter) -> str:
    major, minor = interpreter.version[:2]
    prefix = "cp" if interpreter.implementation == "cpython" else interpreter.implementation[:2]
    return f"{prefix}{major}{minor}{'t' if interpreter.free_threaded else ''}"
