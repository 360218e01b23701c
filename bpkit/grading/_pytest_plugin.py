"""The grader's pytest plugin: nbval's kernels in the sandbox, and one JSON line per verdict.

Loaded only into the pytest that ``nbval_run`` starts. It runs in the grader's own
process, outside the sandbox: the student's kernel sends outputs here and nbval
compares them here, with the teacher's stored outputs, which the kernel never sees.

- With ``BPKIT_SANDBOX`` set, nbval's kernel manager becomes ``SandboxedKernelManager``.
- A kernel that dies (a crash, memory exhausted) fails its cell at once with
  ``KernelDied``, instead of being waited for until the time limit.
- One JSON line per test phase goes to the file named by ``BPKIT_GRADING_REPORT``
  (by the controlling process only, when pytest-xdist runs).
"""
import json
import os
import time
from queue import Empty

#: Seconds between checks that the kernel is still alive while a cell runs.
POLL = 0.25
#: Characters of output (printed, displayed, or an error's) kept per cell: a student's flood
#: of output must not fill the grader's memory (nbval keeps every output of every cell).
MAX_OUTPUT = 2_000_000


class KernelDied(RuntimeError):
    """The student's kernel ended while a cell ran."""


def pytest_configure(config):
    from nbval import kernel as nbval_kernel

    from .sandbox import SETTINGS, SandboxedKernelManager

    if os.environ.get(SETTINGS) and nbval_kernel.KernelManager is not SandboxedKernelManager:
        nbval_kernel.KernelManager = SandboxedKernelManager
    running = nbval_kernel.RunningKernel
    if getattr(running, "_bpkit_patched", False):
        return
    await_reply, get_message = running.await_reply, running.get_message

    def await_reply_or_death(self, msg_id, timeout=None):
        """nbval's ``await_reply``, but polling, so that a dead kernel is noticed at once."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = POLL if deadline is None else min(POLL, deadline - time.monotonic())
            if wait <= 0:
                raise Empty
            try:
                return await_reply(self, msg_id, timeout=wait)
            except Empty:
                if not self.km.is_alive():
                    raise KernelDied(_death(self.km)) from None

    def get_message_capped(self, stream, timeout=None):
        """nbval's ``get_message``, with each cell's outputs cut after ``MAX_OUTPUT``."""
        msg = get_message(self, stream, timeout=timeout)
        if stream == "iopub":
            budgets = self._bpkit_output = getattr(self, "_bpkit_output", {})
            parent = msg["parent_header"].get("msg_id")
            budgets[parent] = cap_output(msg, budgets.get(parent, MAX_OUTPUT))
        return msg

    running.await_reply = await_reply_or_death
    running.get_message = get_message_capped
    running._bpkit_patched = True


def cap_output(msg, budget):
    """Cut the text of an output message (printed text, a displayed value, an error) to
    what is left of its cell's ``budget`` of characters; return what is left after it."""
    content, cut = msg.get("content", {}), False
    fields = []
    if msg.get("msg_type") == "stream":
        fields = [(content, "text")]
    elif msg.get("msg_type") in ("display_data", "execute_result", "update_display_data"):
        data = content.get("data") or {}
        fields = [(data, key) for key in list(data)]
    elif msg.get("msg_type") == "error":
        fields = [(content, "evalue")]
        traceback = content.get("traceback") or []
        content["traceback"] = [line[:2000] for line in traceback[:50]]
    for holder, key in fields:
        text = holder.get(key)
        if not isinstance(text, str):
            holder[key] = str(text)[:1000] if budget > 0 else ""
            continue
        if len(text) > budget:
            holder[key], cut = text[:max(budget, 0)], True
        budget -= len(text)
    if cut and msg.get("msg_type") == "stream":
        content["text"] += f"\n[output cut here: a cell keeps {MAX_OUTPUT:,} characters]\n"
    return budget


def _death(km):
    """Why the kernel is gone, from its exit status (bwrap passes the kernel's on)."""
    process = getattr(getattr(km, "provisioner", None), "process", None)
    code = process.poll() if process is not None else None
    if code is None:
        return "the kernel died while this cell ran"
    if code in (-9, 137):
        return "the kernel died: killed by signal 9 (out of memory, or the code killed itself)"
    if code < 0 or code > 128:
        return f"the kernel died: killed by signal {abs(code) % 128 or abs(code)}"
    return f"the kernel died: it exited with status {code} while this cell ran"


#: Characters of a cell's printed output kept for the student's feedback.
MAX_FEEDBACK = 8000


def pytest_runtest_makereport(item, call):
    """Keep what the cell printed (a check lists its failing cases there) with the report,
    which pytest-xdist carries to the controlling process."""
    if call.when == "call":
        outputs = getattr(item, "test_outputs", None) or []
        text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
        item.user_properties.append(("stdout", text[:MAX_FEEDBACK]))


def pytest_runtest_logreport(report):
    path = os.environ.get("BPKIT_GRADING_REPORT")
    if not path or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    record = {"nodeid": report.nodeid, "when": getattr(report, "when", "collect"),
              "outcome": report.outcome, "text": report.longreprtext if report.failed else "",
              "stdout": dict(getattr(report, "user_properties", [])).get("stdout", "")}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")


def pytest_collectreport(report):
    if report.failed:
        pytest_runtest_logreport(report)
