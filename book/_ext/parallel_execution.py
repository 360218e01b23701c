"""Chapters that need executing run side by side, one per processor, before Sphinx reads them.

myst-nb's cache mode executes a notebook when Sphinx reads it, one after the
other. Each chapter's kernel computes on one thread (``one_thread.py``), so on
a machine with two processors a cold build would leave one of them idle for
every chapter. This extension hands all the book's notebooks to
jupyter-cache first, whose parallel executor runs those without a cached
result over a pool of one process per processor; myst-nb then finds every
notebook in the cache and only renders it. Nothing changes when the cache is
warm (nothing to execute) or when execution is off.
"""
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)


def book_notebooks(srcdir):
    """Every notebook under ``srcdir/book``, except in folders named ``_…`` or ``.…``."""
    root = Path(srcdir)
    return [path for path in sorted((root / "book").rglob("*.ipynb"))
            if not any(part.startswith((".", "_")) for part in path.relative_to(root).parts[:-1])]


def execute_in_parallel(app):
    config = app.env.mystnb_config          # made by myst-nb, earlier in builder-inited
    if config.execution_mode != "cache":
        return
    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor

    cache = get_cache(config.execution_cache_path)
    records = [cache.add_nb_to_project(str(path)) for path in book_notebooks(app.srcdir)]
    stale = [record.pk for record in records if cache.get_cached_project_nb(record.pk) is None]
    if not stale:
        return
    logger.info(f"executing {len(stale)} notebooks, one per processor")
    result = load_executor("local-parallel", cache).run_and_cache(
        filter_pks=stale, timeout=config.execution_timeout,
        allow_errors=config.execution_allow_errors)
    # A notebook that failed here is executed again, alone, when myst-nb reads it, and
    # its error is reported there in the usual way.
    failed = len(result.excepted) + len(result.errored)
    logger.info(f"executed {len(result.succeeded)} notebooks" + (f", {failed} failed" if failed else ""))


def setup(app):
    app.connect("builder-inited", execute_in_parallel, priority=900)   # after myst-nb's handler
    return {"parallel_read_safe": True, "parallel_write_safe": True}
