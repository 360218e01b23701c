"""Run notebooks and store their outputs: outputs come from running, never from editing.

``bpkit execute book`` re-executes every chapter in place. nbval later
compares a fresh run against exactly these stored outputs.
"""
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

SKIP_PARTS = {"_build", ".ipynb_checkpoints", ".jupyter_cache", ".venv"}


def find_notebooks(paths):
    """The ``.ipynb`` files named in ``paths`` or below the folders named there, sorted."""
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found += [p for p in path.rglob("*.ipynb") if not SKIP_PARTS & set(p.parts)]
        elif path.suffix == ".ipynb" and path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(f"not a notebook or a folder: {path}")
    return sorted(set(found))


def execute_notebook(path, timeout=300):
    """Execute ``path`` top to bottom in its own folder and write the outputs back."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", record_timing=False,
        # Widget state is saved in the notebook so the published page can show sliders.
        store_widget_state=True,
        resources={"metadata": {"path": str(path.parent.resolve())}})
    client.execute()
    nbformat.write(nb, path)
    return path


#: the environment variables that set how many threads numpy's matrix products use
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def kernels_on_one_thread():
    """Kernels started from now on by this process run numpy's products on one thread.

    Several kernels at once, each with a BLAS thread per core, would fight over the
    cores, and even one kernel's small products (a few hundred rows by a hundred
    columns) spend more time handing work between threads than computing. A value
    already set in the environment wins.
    """
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


def execute_all(paths, jobs=None, timeout=300):
    """Execute every notebook found in ``paths``, ``jobs`` at a time; yield each path when done."""
    notebooks = find_notebooks(paths)
    kernels_on_one_thread()
    jobs = jobs or min(len(notebooks), os.cpu_count() or 1) or 1
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [(nb, pool.submit(execute_notebook, nb, timeout)) for nb in notebooks]
        for nb, future in futures:
            future.result()
            yield nb
