"""Launch buttons only where they can work: the publisher names the repository and the hubs.

A chapter's launch buttons open its notebook, taken from the book's repository, on a
hub that runs it. A copy of this book published from another repository, or for a
class with another hub, would point every reader at the wrong place, so
``_config.yml`` names neither: this Sphinx extension reads them from the environment
of the build and hands them to sphinx-book-theme as its ``html_theme_options``
(``repository_url``, ``repository_branch``, ``use_repository_button`` and
``launch_buttons``, the options Jupyter Book itself would set from ``_config.yml``).

================================  ===================================================
``BOOK_REPOSITORY_URL``           the public repository the site is built from,
                                  ``https://github.com/ORG/REPO``: a button that links
                                  to it; the launch buttons open its notebooks
``BOOK_REPOSITORY_BRANCH``        its branch (default ``main``)
``BOOK_BINDERHUB_URL``            a BinderHub (``https://mybinder.org``): a *Binder*
                                  button on each chapter
``BOOK_JUPYTERHUB_URL``           the class's JupyterHub (with nbgitpuller): a
                                  *JupyterHub* button on each chapter
================================  ===================================================

With none set the site has no launch button and names no repository: not even the one
Jupyter Book fills in by default (its own). A hub without a repository is refused: its
button would have no notebook to open.
"""
import os
from urllib.parse import urlsplit

from sphinx.errors import ConfigError

REPOSITORY, BRANCH = "BOOK_REPOSITORY_URL", "BOOK_REPOSITORY_BRANCH"
# environment variable -> sphinx-book-theme's launch_buttons key
HUBS = {"BOOK_BINDERHUB_URL": "binderhub_url", "BOOK_JUPYTERHUB_URL": "jupyterhub_url"}
# sphinx-book-theme tells the hosting service by its name in the repository's address
PROVIDERS = ("github", "gitlab", "bitbucket")
# the theme options this extension decides, whatever _config.yml or Jupyter Book's
# defaults put there (Jupyter Book's default repository_url is its own repository)
OWNED = ("repository_url", "repository_branch", "path_to_docs", "use_repository_button",
         "launch_buttons")


def web_address(name, value):
    """``value`` without trailing slashes, if it is an http(s) address with a host."""
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValueError(f"{name} must be a web address such as https://…, got {value!r}")
    return value.rstrip("/")


def repository_address(value):
    """``https://HOST/ORG/REPO`` of a repository on GitHub, GitLab or Bitbucket."""
    url = web_address(REPOSITORY, value).removesuffix(".git")
    parts = urlsplit(url)
    if not any(provider in parts.netloc.lower() for provider in PROVIDERS):
        raise ValueError(f"{REPOSITORY} must be a repository on GitHub, GitLab or Bitbucket "
                         f"(the launch buttons know no other), got {value!r}")
    if len(parts.path.strip("/").split("/")) != 2:
        raise ValueError(f"{REPOSITORY} must name one repository, https://{parts.netloc}/ORG/REPO,"
                         f" got {value!r}")
    return url


def theme_options(settings):
    """sphinx-book-theme options for the repository and launch buttons the settings name.

    ``settings``: a mapping such as ``os.environ``; an empty value counts as unset.
    Returns ``{}`` when nothing is set, so the theme shows no launch button.
    """
    given = {name: settings.get(name, "").strip() for name in (REPOSITORY, BRANCH, *HUBS)}
    hubs = {key: web_address(name, given[name]) for name, key in HUBS.items() if given[name]}
    if not given[REPOSITORY]:
        if hubs or given[BRANCH]:
            named = ", ".join(name for name in (BRANCH, *HUBS) if given[name])
            raise ValueError(f"{named} set but not {REPOSITORY}: a launch button opens the "
                             "chapter's notebook from the book's repository")
        return {}
    options = {
        "repository_url": repository_address(given[REPOSITORY]),
        # the theme's own default branch differs between its buttons ("main", "master")
        "repository_branch": given[BRANCH] or "main",
        "path_to_docs": "",      # the book's root is the repository's root
        "use_repository_button": True,
    }
    if hubs:
        options["launch_buttons"] = {"notebook_interface": "jupyterlab", **hubs}
    return options


def with_publishing(html_theme_options, settings):
    """``html_theme_options`` with the repository and launch options of ``settings`` only."""
    kept = {key: value for key, value in html_theme_options.items() if key not in OWNED}
    return {**kept, **theme_options(settings)}


def on_config_inited(app, config):
    try:
        config.html_theme_options = with_publishing(config.html_theme_options, os.environ)
    except ValueError as error:
        raise ConfigError(str(error)) from None


def setup(app):
    app.connect("config-inited", on_config_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
