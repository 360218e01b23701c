"""Live sliders in JupyterLab, timed in the browser: from the key press to the new figure.

    .venv/bin/python bench/bench_lab.py              # every chapter with a live slider, 3 rounds
    .venv/bin/python bench/bench_lab.py --quick      # one round
    .venv/bin/python bench/bench_lab.py --chapters 03 08

What a learner does, done by a headless Chromium (Debian's ``/usr/bin/chromium``,
driven by playwright): ``bpkit lab --prepare-only`` makes a workspace of trusted
copies (in a temporary home and Jupyter folders, so nothing of yours is read or
changed), JupyterLab serves it on 127.0.0.1, and for each chapter with a ``bp.live``
slider the page opens the chapter, runs all its cells, and presses → and ← on each
live slider's handle, sweeping it to its ends and back (a round), one move at a time.

A move's time is measured by the page itself, on one clock (``performance.now()``):
from the ``keydown`` event to the moment the slider's ``<img>`` has its new ``src``
and ``img.decode()`` has finished, that is, the figure is ready to be painted. So it
is the whole round trip: the browser sends the slider's new value, the server passes
it to the kernel, the chapter retrains and redraws, the PNG comes back, the page
hands it to the ``<img>`` and decodes it. The table gives, per slider, the median
move, the time within which 95 % of the moves answered, the slowest, and the
figure's size in pixels as drawn and as shown.

Where the time goes: the page also notes when each message leaves or reaches it on
the kernel's WebSocket, and the benchmark connects to each chapter's kernel (through
the connection file JupyterLab's server wrote) to note there, on the same wall clock
(``time.time()``, to within a millisecond), when the slider's message starts and
ends being handled and when the PNG starts and ends (``LiveFrame.png``: canvas drawn,
compressed). A second table splits each move into: reaching the kernel, the
chapter's draw (retraining, plotting), the PNG, the figure's message reaching the
page, the page's own work until the new ``src``, and decoding.

It measures this machine as it is: other programs running slow everything down,
so the header gives the number of cores and the load average.
"""
import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "_artifacts"

# ---------------------------------------------------------------- JupyterLab on a workspace


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lab_environment(home):
    """Environment variables that keep JupyterLab, IPython and matplotlib inside ``home``."""
    home = Path(home)
    folders = {"HOME": "home", "JUPYTER_DATA_DIR": "data", "JUPYTER_CONFIG_DIR": "config",
               "JUPYTER_RUNTIME_DIR": "runtime", "JUPYTERLAB_SETTINGS_DIR": "settings",
               "JUPYTERLAB_WORKSPACES_DIR": "workspaces", "IPYTHONDIR": "ipython"}
    env = {**os.environ, **{k: str(home / v) for k, v in folders.items()}}
    for v in folders.values():
        (home / v).mkdir(parents=True, exist_ok=True)
    # no news toast over the notebook
    (home / "config" / "labconfig").mkdir(exist_ok=True)
    (home / "config" / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    return env


@contextlib.contextmanager
def running_lab(home, book=ROOT / "book"):
    """A workspace made by ``bpkit lab --prepare-only`` in ``home``, served by JupyterLab on
    127.0.0.1. Yields ``(url, workspace, env)``."""
    from bpkit.lab import jupyterlab_command

    env = lab_environment(home)
    workspace = Path(home) / "workspace"
    bpkit = Path(sys.executable).with_name("bpkit")
    subprocess.run([str(bpkit), "lab", "--prepare-only", "--workspace", str(workspace),
                    "--book", str(book)],
                   env=env, check=True, capture_output=True, text=True)
    port = free_port()
    command = jupyterlab_command(workspace, [
        "--no-browser", f"--port={port}", "--ip=127.0.0.1", "--ServerApp.token=",
        "--ServerApp.password=", "--LabApp.news_url=None", "--ServerApp.port_retries=0",
        *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])])
    log = open(Path(home) / "jupyterlab.log", "w")
    proc = subprocess.Popen(command, env=env, cwd=workspace, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:   # up when its REST API answers
            try:
                with urllib.request.urlopen(f"{url}/api", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited at start-up; see {log.name}")
            if time.time() > deadline:
                raise RuntimeError("JupyterLab did not start within 120 s")
            time.sleep(0.5)
        yield url, workspace, env
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def chapters_with_live_sliders(book=ROOT / "book"):
    """The chapters (file names) whose code calls ``bp.live(``."""
    import nbformat

    return [path.name for path in sorted(Path(book).glob("*.ipynb"))
            if any(c.cell_type == "code" and "bp.live(" in c.source
                   for c in nbformat.read(path, as_version=4).cells)]


# ---------------------------------------------------------------- a chapter in the page

def open_chapter(page, url, name, timeout=120_000):
    """Open ``name`` in JupyterLab and wait until its kernel is ready and idle."""
    # ?reset: a workspace of its own, without the chapters opened before
    page.goto(f"{url}/lab/tree/{name}?reset", timeout=timeout)
    # the kernel must be ready, or Run All opens a "Select Kernel" dialog
    page.wait_for_selector(".jp-KernelName:has-text('Python 3 (ipykernel)')", timeout=timeout)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout)


# the notebook shown (the tabs behind it keep their pages, hidden)
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def run_all(page, timeout=600_000):
    """Run → Run All Cells, and wait until the last code cell has run (or a cell failed)."""
    start_run_all(page)
    wait_until_run(page, timeout)


def start_run_all(page):
    """Run → Run All Cells."""
    page.click("li.lm-MenuBar-item:has-text('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")


def wait_until_run(page, timeout=600_000):
    """Wait until the last code cell has run; a cell that failed is a ``RuntimeError``."""
    page.wait_for_function("""notebook => {
        notebook = document.querySelector(notebook);
        const error = notebook.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
        if (error && /Traceback \\(most recent call last\\)/.test(error.textContent)) return true;
        const prompts = [...notebook.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
        return prompts.length > 0 && !prompts.some(p => p.textContent.includes('*'))
            && /\\d/.test(prompts[prompts.length - 1].textContent); }""", arg=NOTEBOOK, timeout=timeout)
    errors = page.eval_on_selector_all(
        f'{NOTEBOOK} .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]',
        "outs => outs.map(o => o.textContent).filter(t => /Traceback \\(most recent call last\\)/.test(t))")
    if errors:
        raise RuntimeError("a cell failed:\n" + errors[0][-2000:])


LIVE_BOXES = """notebook => [...document.querySelector(notebook)
    .querySelectorAll('.jp-OutputArea-output .widget-vbox')]
    .filter(b => b.querySelector(':scope > img.widget-image')
                 && b.querySelector(':scope > .widget-slider'))"""


def live_boxes(page):
    """Each live slider's widget (a VBox of sliders, the figure, the error output)."""
    handle = page.evaluate_handle(LIVE_BOXES, NOTEBOOK)
    boxes = [p.as_element() for p in handle.get_properties().values()]
    return [b for b in boxes if b is not None]


def slider_handles(box):
    """(description, the noUiSlider handle) of each slider of a live box."""
    return [(s.query_selector(".widget-label").text_content().strip(),
             s.query_selector(".noUi-handle"))
            for s in box.query_selector_all(":scope > .widget-slider")]


# Installed in the page before JupyterLab loads. The page's clock, in ms since 1970
# (performance.timeOrigin + performance.now(), the same clock as the kernel's time.time()
# to within a millisecond): when → or ← arrives, and each message on the kernel's
# WebSocket, sent or received, with its size.
PAGE_CLOCK = """
(() => {
    const now = () => performance.timeOrigin + performance.now();
    window.__live = {now, key: null, pending: null, socket: []};
    document.addEventListener('keydown', e => {
        if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') window.__live.key = now();
    }, true);
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            if (!String(args[0]).includes('/api/kernels/')) return;
            const size = d => d.byteLength ?? d.size ?? d.length ?? 0;
            this.addEventListener('message', e => window.__live.socket.push(['in', now(), size(e.data)]));
            const send = this.send.bind(this);
            this.send = d => { window.__live.socket.push(['out', now(), size(d)]); return send(d); };
        }
    };
})();
"""

# Before a key press: watch the live box's <img>; when its src changes, note the time,
# wait until the new picture is decoded, note that, and the next frame after it.
ARM = """box => {
    const live = window.__live, img = box.querySelector(':scope > img.widget-image');
    const before = img.src;
    live.key = null;
    live.socket.length = 0;
    live.pending = new Promise(resolve => {
        const observer = new MutationObserver(() => {
            if (img.src === before) return;
            const src = live.now();
            observer.disconnect();
            img.decode().catch(() => null).then(() => {
                const decoded = live.now();
                requestAnimationFrame(() => {
                    const shown = img.getBoundingClientRect();
                    resolve({key: live.key, src, decoded, frame: live.now(),
                             socket: live.socket.filter(m => m[1] <= src),
                             natural: [img.naturalWidth, img.naturalHeight],
                             shown: [shown.width, shown.height]});
                });
            });
        });
        observer.observe(img, {attributes: true, attributeFilter: ['src']});
    });
}"""


def move(page, box, handle, key, timeout=30_000):
    """Press ``key`` on the focused slider ``handle``; the page's times of what follows."""
    page.evaluate(ARM, box)
    handle.focus()
    page.keyboard.press(key)
    return page.evaluate(f"""() => Promise.race([window.__live.pending,
        new Promise((_, reject) => setTimeout(() => reject(new Error('no new figure')), {timeout}))])""")


def sweep(handle):
    """The keys of one round: → to the slider's last value, ← to its first, → back to the
    start, one step of the slider each (a selection slider's step is one index; a
    ``FloatLogSlider``'s is its exponent's step, 0.05 in chapter 19)."""
    step = handle.evaluate("""h => { const t = h.closest('.noUi-target');
        return t && t.noUiSlider ? Number(t.noUiSlider.options.step) || 1 : 1; }""")
    now, low, high = (float(handle.get_attribute(a)) for a in
                      ("aria-valuenow", "aria-valuemin", "aria-valuemax"))
    up, span, down = (round(d / step) for d in (high - now, high - low, now - low))
    return ["ArrowRight"] * up + ["ArrowLeft"] * span + ["ArrowRight"] * down


# ---------------------------------------------------------------- the kernel's side

# Run in the chapter's kernel before its cells: note when each widget message from the
# browser starts and ends being handled, and when each live PNG starts and ends (in ms
# since 1970) with its size. The figure's message leaves right after its PNG.
KERNEL_SETUP = """
def _bench_live_setup():
    import time
    import bpkit.widgets
    kernel = get_ipython().kernel
    log = {"handled": [], "png": []}
    handle = kernel.shell_handlers["comm_msg"]
    def timed_handle(*args):
        start = 1000 * time.time()
        try:
            return handle(*args)
        finally:
            log["handled"].append([start, 1000 * time.time()])
    kernel.shell_handlers["comm_msg"] = timed_handle
    png = bpkit.widgets.LiveFrame.png
    def timed_png(self, fig):
        start = 1000 * time.time()
        data = png(self, fig)
        log["png"].append([start, 1000 * time.time(), len(data)])
        return data
    bpkit.widgets.LiveFrame.png = timed_png
    return log
_bench_live = _bench_live_setup()
"""


class KernelProbe:
    """A second client of a chapter's kernel, found through the server's sessions."""

    def __init__(self, url, env, name):
        from jupyter_client import BlockingKernelClient

        self.url, self.session, kernel = url, *chapter_session(url, name)
        self.client = BlockingKernelClient(
            connection_file=str(Path(env["JUPYTER_RUNTIME_DIR"]) / f"kernel-{kernel}.json"))
        self.client.load_connection_file()
        self.client.start_channels()

    def run(self, code, timeout=60):
        """Run ``code`` there; the text it prints."""
        out = []
        reply = self.client.execute_interactive(
            code, timeout=timeout, store_history=False,
            output_hook=lambda m: out.append(m["content"].get("text", "")))
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"kernel probe failed: {reply['content']}")
        return "".join(out)

    def take_log(self):
        """The kernel's timings since the last call (and forget them)."""
        return json.loads(self.run(
            "import json as _json\nprint(_json.dumps(_bench_live))\n"
            "_bench_live['handled'].clear(); _bench_live['png'].clear()"))

    def close(self):
        """Disconnect, and shut the chapter's kernel down."""
        self.client.stop_channels()
        shut_down(self.url, self.session)


def shut_down(url, session):
    """End a chapter's session and its kernel, as closing it in JupyterLab would."""
    request = urllib.request.Request(f"{url}/api/sessions/{session}", method="DELETE")
    with contextlib.suppress(OSError):
        urllib.request.urlopen(request, timeout=30).close()


def chapter_session(url, name, timeout=60):
    """(session id, kernel id) of the chapter ``name`` open in JupyterLab."""
    deadline = time.time() + timeout
    while True:
        with urllib.request.urlopen(f"{url}/api/sessions", timeout=10) as response:
            sessions = json.load(response)
        found = [(s["id"], s["kernel"]["id"]) for s in sessions
                 if Path(s["path"]).name == name and s.get("kernel")]
        if found:
            return found[0]
        if time.time() > deadline:
            raise RuntimeError(f"no kernel session for {name}: {sessions}")
        time.sleep(0.5)


# ---------------------------------------------------------------- the benchmark

def time_chapter(browser, url, env, name, rounds, pause=0.15):
    """One row per live slider of chapter ``name``: ``{chapter, slider, moves}``, each move
    the page's times and the kernel's (see ``attach_kernel_times``)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.add_init_script(PAGE_CLOCK)
    rows = []
    try:
        open_chapter(page, url, name)
        probe = KernelProbe(url, env, name)
        try:
            probe.run(KERNEL_SETUP)
            run_all(page)
            for box in live_boxes(page):
                box.scroll_into_view_if_needed()
                for description, handle in slider_handles(box):
                    keys = sweep(handle)
                    move(page, box, handle, keys[0])     # a warm-up move, not counted
                    time.sleep(pause)
                    probe.take_log()
                    moves = []
                    for _ in range(rounds):
                        for key in keys[1:] + keys[:1]:
                            moves.append(move(page, box, handle, key))
                            time.sleep(pause)      # the kernel goes idle before the next move
                    attach_kernel_times(moves, probe.take_log())
                    rows.append({"chapter": name.removesuffix(".ipynb"), "slider": description,
                                 "moves": moves})
        finally:
            probe.close()
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"bench-lab-{name}.png"), full_page=True)
        raise
    finally:
        page.close()
    return rows


def attach_kernel_times(moves, log):
    """Give each move the kernel's handling of its message (``handled``: start, end) and its
    PNG (``png``: start, end, bytes), found by time: both fall between key press and new src."""
    for m in moves:
        m["handled"] = next((h for h in log["handled"] if m["key"] <= h[0] <= m["src"]), None)
        m["png"] = m["handled"] and next(
            (p for p in log["png"] if m["handled"][0] <= p[0] <= m["handled"][1]), None)


def summary(row):
    """Medians and worst of one slider's moves, and where the time went (ms)."""
    moves, med = row["moves"], statistics.median
    total = [m["decoded"] - m["key"] for m in moves]
    parts = {k: [] for k in ("to kernel", "draw", "png", "back", "page", "decode", "bytes")}
    for m in (m for m in moves if m["png"] and m["socket"]):
        (start, _), (png_start, png_end, size) = m["handled"], m["png"]
        received = max((s for s in m["socket"] if s[0] == "in"), key=lambda s: s[2])[1]
        for k, v in (("to kernel", start - m["key"]), ("draw", png_start - start),
                     ("png", png_end - png_start), ("back", received - png_end),
                     ("page", m["src"] - received), ("decode", m["decoded"] - m["src"]),
                     ("bytes", size)):
            parts[k].append(v)
    ranked = sorted(total)
    return {"moves": len(moves), "median": med(total), "worst": max(total),
            "p95": ranked[round(0.95 * (len(ranked) - 1))],
            "natural": moves[-1]["natural"], "shown": moves[-1]["shown"],
            **{k: med(v) if v else float("nan") for k, v in parts.items()}}


def print_tables(rows):
    print("| chapter | slider | moves | median ms | 95% within ms | worst ms | "
          "image px (shown px) | PNG bytes |")
    print("|---|---|---|---|---|---|---|---|")
    summaries = [(row, summary(row)) for row in rows]
    for row, s in summaries:
        (w, h), (sw, sh) = s["natural"], s["shown"]
        print(f"| {row['chapter']} | {row['slider']} | {s['moves']} | {s['median']:.0f} | "
              f"{s['p95']:.0f} | {s['worst']:.0f} | {w}×{h} ({sw:.0f}×{sh:.0f}) | "
              f"{s['bytes']:,.0f} |")
    print("\nWhere a move's time goes (medians in ms, each part on its own): the slider's "
          "message reaching the kernel; the chapter's draw (retraining, plotting); the PNG "
          "(canvas drawn, compressed); the figure's message reaching the page; the page "
          "handing it to the <img>; decoding.\n")
    print("| chapter | slider | to kernel | draw | PNG | back | page | decode |")
    print("|---|---|---|---|---|---|---|---|")
    for row, s in summaries:
        print(f"| {row['chapter']} | {row['slider']} | " + " | ".join(
            f"{s[k]:.1f}" for k in ("to kernel", "draw", "png", "back", "page", "decode")) + " |")


def machine():
    cores = os.cpu_count()
    model = ""
    with contextlib.suppress(OSError):
        model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                      if line.startswith("model name")), "")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return f"{cores} cores ({model or 'unknown CPU'}), load average {load}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round per slider instead of 3")
    parser.add_argument("--rounds", type=int, help="rounds per slider (a round: to each end and back)")
    parser.add_argument("--chapters", nargs="*", help="chapter numbers or names (default: all with a live slider)")
    parser.add_argument("--book", type=Path, default=ROOT / "book", help="the book's folder")
    parser.add_argument("--json", type=Path, help="also write the raw timings there")
    args = parser.parse_args()
    rounds = args.rounds or (1 if args.quick else 3)
    chapters = chapters_with_live_sliders(args.book)
    if args.chapters:
        chapters = [c for c in chapters if any(c.startswith(w) or c == w for w in args.chapters)]
    from playwright.sync_api import sync_playwright

    from bpkit.pdf import CHROMIUM_ARGS

    print(f"# Live sliders in JupyterLab: the browser's round trip, key press to new figure decoded")
    print(f"\nmachine: {machine()}; JupyterLab on 127.0.0.1, headless Chromium; "
          f"{rounds} round(s) per slider (to each end and back, one move at a time)\n")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-lab-") as home, \
            running_lab(home, args.book) as (url, _, env), \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=CHROMIUM_ARGS)
        for name in chapters:
            rows += time_chapter(browser, url, env, name, rounds)
        browser.close()
    print_tables(rows)
    print(f"\nat the end: {machine()}")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
