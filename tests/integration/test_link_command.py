"""``scripts/link_command.sh`` (run by ``scripts/run.sh``): the command lands on the PATH."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parent.parent


def _link(bin_dir: Path, path: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FOCUS_APP_BIN_DIR": str(bin_dir), "FOCUS_APP_VENV": str(VENV),
           "PATH": path}
    return subprocess.run(["bash", str(ROOT / "scripts" / "link_command.sh")], env=env,
                          capture_output=True, text=True, timeout=30, check=False)


def test_the_command_is_linked_onto_the_path_and_one_line_says_where(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    done = _link(bin_dir, f"{bin_dir}:{os.environ['PATH']}")
    assert done.returncode == 0, done.stderr
    link = bin_dir / "focus-app"
    assert link.is_symlink() and link.resolve() == (VENV / "bin" / "focus-app").resolve()
    assert done.stdout.count("\n") == 1 and done.stderr == ""
    assert str(link) in done.stdout and "focus-app --help" in done.stdout
    version = subprocess.run([str(link), "--version"], capture_output=True, text=True,
                             timeout=60, check=False)
    assert version.returncode == 0 and version.stdout.startswith("focus-app ")


def test_a_bin_dir_off_the_path_gets_the_export_line_to_add_it(tmp_path: Path) -> None:
    done = _link(tmp_path / "bin", "/usr/bin:/bin")
    assert done.returncode == 0, done.stderr
    assert f'export PATH="{tmp_path / "bin"}:$PATH"' in done.stdout


def test_someone_elses_focus_app_file_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    theirs = tmp_path / "bin" / "focus-app"
    theirs.write_text("#!/bin/sh\necho mine\n")
    done = _link(tmp_path / "bin", "/usr/bin:/bin")
    assert done.returncode == 0
    assert theirs.read_text() == "#!/bin/sh\necho mine\n" and not theirs.is_symlink()
    assert "left alone" in done.stdout and str(VENV / "bin" / "focus-app") in done.stdout


def test_the_license_is_the_spdx_string_current_setuptools_wants_with_its_file() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "GPL-3.0-or-later"  # a table warns on every install
    assert all((ROOT / name).is_file() for name in project["license-files"])
