"""What publishing the book needs: npm without Node.js installed, launch buttons only where set.

The build's Sphinx extensions live in book/_ext; they are imported here as the build
imports them (a folder on the path), and tested without building the book.
"""
import os
import re
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


import publishing  # noqa: E402

REPO = "https://github.com/a-school/gd-book"


def test_no_settings_no_repository_and_no_launch_button():
    # Jupyter Book's defaults name its own repository; none of it may reach the pages
    defaults = {"repository_url": "https://github.com/executablebooks/jupyter-book",
                "repository_branch": "master", "path_to_docs": "",
                "launch_buttons": {"notebook_interface": "classic", "binderhub_url": ""},
                "use_repository_button": False, "use_issues_button": False}
    assert publishing.with_publishing(defaults, {}) == {"use_issues_button": False}
    assert publishing.theme_options({publishing.REPOSITORY: "  "}) == {}


def test_settings_become_the_themes_repository_and_launch_options():
    options = publishing.theme_options({
        "BOOK_REPOSITORY_URL": REPO + ".git", "BOOK_REPOSITORY_BRANCH": "spring",
        "BOOK_BINDERHUB_URL": "https://mybinder.org/", "BOOK_JUPYTERHUB_URL": "https://hub.school.org"})
    assert options == {
        "repository_url": REPO, "repository_branch": "spring", "path_to_docs": "",
        "use_repository_button": True,
        "launch_buttons": {"notebook_interface": "jupyterlab", "binderhub_url": "https://mybinder.org",
                           "jupyterhub_url": "https://hub.school.org"}}


def test_a_repository_alone_links_to_it_and_launches_nothing():
    options = publishing.theme_options({"BOOK_REPOSITORY_URL": REPO})
    assert options["repository_url"] == REPO and options["repository_branch"] == "main"
    assert options["use_repository_button"] is True
    assert "launch_buttons" not in options


def test_only_the_hub_that_is_set_gets_a_button():
    options = publishing.theme_options({"BOOK_REPOSITORY_URL": REPO,
                                        "BOOK_JUPYTERHUB_URL": "https://hub.school.org"})
    assert options["launch_buttons"] == {"notebook_interface": "jupyterlab",
                                         "jupyterhub_url": "https://hub.school.org"}


@pytest.mark.parametrize("settings, named", [
    ({"BOOK_BINDERHUB_URL": "https://mybinder.org"}, "BOOK_BINDERHUB_URL"),
    ({"BOOK_REPOSITORY_BRANCH": "main"}, "BOOK_REPOSITORY_BRANCH"),
    ({"BOOK_REPOSITORY_URL": "github.com/a-school/gd-book"}, "'github.com/a-school/gd-book'"),
    ({"BOOK_REPOSITORY_URL": "https://github.com/a-school"}, "'https://github.com/a-school'"),
    ({"BOOK_REPOSITORY_URL": "https://git.school.org/a/b"}, "'https://git.school.org/a/b'"),
    ({"BOOK_REPOSITORY_URL": REPO, "BOOK_JUPYTERHUB_URL": "hub.school.org"}, "'hub.school.org'"),
])
def test_settings_that_cannot_work_are_refused_by_name(settings, named):
    with pytest.raises(ValueError, match=named):
        publishing.theme_options(settings)


def test_the_config_names_no_repository_or_hub():
    config = (ROOT / "_config.yml").read_text()
    for placeholder in ("example.", "bpkit-book/", "github.com", "mybinder", "colab"):
        assert placeholder not in config, placeholder
    # these settings are publishing's: in _config.yml they would be overridden unseen
    keys = re.findall(r"^\s*([A-Za-z_]+)\s*:", config, re.M)
    for key in ("repository", "launch_buttons", "use_repository_button", "jupyterhub_url",
                "binderhub_url", "colab_url"):
        assert key not in keys, key
    assert "publishing: book/_ext" in config
