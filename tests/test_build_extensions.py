"""The book's own Sphinx extensions that shape how the build executes chapters."""
import importlib.util
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "book" / "_ext" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_chapter_and_exercise_is_handed_to_the_parallel_executor_and_nothing_else():
    found = load("parallel_execution").book_notebooks(ROOT)
    names = {p.relative_to(ROOT / "book").as_posix() for p in found}
    on_disk = {p.relative_to(ROOT / "book").as_posix() for p in (ROOT / "book").rglob("*.ipynb")}
    assert "04-backpropagation.ipynb" in names and "exercises/01-sigmoid.ipynb" in names
    assert names == {n for n in on_disk
                     if not any(part.startswith((".", "_")) for part in n.split("/")[:-1])}


def test_the_build_runs_kernels_on_one_thread_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    load("one_thread").setup(app=None)
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1" and os.environ["OMP_NUM_THREADS"] == "3"
