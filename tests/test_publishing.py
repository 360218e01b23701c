"""What publishing the book needs: npm without Node.js installed, launch buttons only where set.

The build's Sphinx extensions live in book/_ext; they are imported here as the build
imports them (a folder on the path), and tested without building the book.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import offline_assets  # noqa: E402


def test_npm_is_found_without_one_on_the_path(tmp_path):
    # an empty search path: a machine with Python and nothing else
    command = offline_assets.npm_command(path=str(tmp_path))
    assert Path(command[0]).is_file() and os.access(command[0], os.X_OK), command
    # it runs on its own (no node on the PATH either) and is an npm that has `pack`
    result = subprocess.run([*command, "pack", "--help"], env={"PATH": str(tmp_path)},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "npm pack" in result.stdout


def test_the_machines_own_npm_comes_first(tmp_path):
    npm = tmp_path / "npm"
    npm.write_text("#!/bin/sh\n")
    npm.chmod(0o755)
    assert offline_assets.npm_command(path=str(tmp_path)) == [str(npm)]
