"""The console scripts of the shared pip copy (orch.envs.seed_image), read once per run."""

from __future__ import annotations

from pathlib import Path

from orch.envs import seed_image


def test_scripts_are_read_again_while_a_copy_has_none(tmp_path: Path) -> None:
    """Review of issue 15: a copy pruned by another process between its check and an env's link has no
    scripts; that answer is not kept, so the next env, after the copy is made again, gets pip's scripts."""
    shared = tmp_path / "pip-99.0"
    assert seed_image._scripts(shared, (3, 12)) == {}
    dist_info = shared / "pip-99.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "entry_points.txt").write_text("[console_scripts]\npip = pip._internal.cli.main:main\n")
    expected = dict.fromkeys(("pip", "pip3", "pip3.12"), "pip._internal.cli.main:main")
    assert seed_image._scripts(shared, (3, 12)) == expected
    (dist_info / "entry_points.txt").unlink()
    assert seed_image._scripts(shared, (3, 12)) == expected  # kept for the run: a copy never changes
