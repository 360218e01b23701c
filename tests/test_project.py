"""The project's promises about itself: CI runs the README's command, notebooks are stored executed.

These tests import only the standard library: they must run wherever the
README's setup ran, whatever else happens to be installed.
"""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands():
    return re.findall(r"```bash\n(.*?)\n```", (ROOT / "README.md").read_text(), re.S)


def test_ci_runs_the_readme_test_command():
    test_command = next(c for c in readme_commands() if "pytest" in c)
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci


def toc_files():
    """Every page _toc.yml lists: the values of its ``root:`` and ``file:`` keys."""
    toc = (ROOT / "_toc.yml").read_text()
    return {m.strip().strip("'\"") for m in
            re.findall(r"^\s*(?:-\s*)?(?:root|file):\s*([^#\n]+)", toc, re.M)}


def book_notebooks():
    return [p for p in (ROOT / "book").rglob("*.ipynb")
            if not {"_build", ".ipynb_checkpoints", ".jupyter_cache"} & set(p.parts)]


def test_every_chapter_notebook_is_in_the_table_of_contents():
    listed = toc_files()
    for nb in book_notebooks():
        assert str(nb.relative_to(ROOT).with_suffix("")) in listed, f"{nb} is not in _toc.yml"


def test_every_notebook_is_stored_executed():
    for nb in book_notebooks():
        cells = json.loads(nb.read_text())["cells"]
        unrun = [i for i, c in enumerate(cells)
                 if c["cell_type"] == "code" and c["source"] and c.get("execution_count") is None]
        assert not unrun, f"{nb.name}: code cells {unrun} were never executed (run `bpkit execute`)"


def config_lines(name, *differ):
    """The settings of a config file, comments dropped, but for the keys in ``differ``."""
    lines = [line.split(" #")[0].rstrip() for line in (ROOT / name).read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    return [line for line in lines if line.strip().split(":")[0] not in differ]


def test_teacher_edition_config_is_the_book_config_but_for_the_edition():
    # a setting added to one config and not the other would make the editions differ
    differ = ("title", "book_edition")
    assert config_lines("_config_teacher.yml", *differ) == config_lines("_config.yml", *differ)
    assert "book_edition: teacher" in (ROOT / "_config_teacher.yml").read_text()
    assert "book_edition: student" in (ROOT / "_config.yml").read_text()
