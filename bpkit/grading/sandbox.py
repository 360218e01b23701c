"""The operating-system sandbox every student kernel runs in (bubblewrap).

Student code is hostile, and Python cannot confine Python: numpy alone executes
strings, loads native libraries and unpickles files, so the ``ast`` policy is a
first line that gives readable reasons, never the guarantee. The guarantee is
this: each notebook's kernel is started by ``bwrap`` (the sandbox Flatpak uses,
Debian package ``bubblewrap``) in new mount, PID, network, IPC and UTS namespaces:

- **no network**: a network namespace with only its own loopback, so not even
  the host's 127.0.0.1 is reachable. The kernel talks to the grader over Unix
  sockets (ZeroMQ's ``ipc`` transport) in one folder bound into the sandbox,
  which stays unwritable to the student once the kernel is up;
- **a read-only system, and nothing else**: ``/usr``, a few files of ``/etc``,
  the Python installation, the virtual environment and the bpkit package are
  bound read-only; the teacher's notebooks, the other students' files, the grading
  folder and every home directory do not exist in there;
- **a private scratch folder**: ``/tmp`` (also the working folder and ``HOME``) is
  a size-limited tmpfs that vanishes with the sandbox;
- **an unprivileged user**: run as root, bwrap drops to a uid/gid of the kernel's own,
  unused by any account (``setpriv``, no capabilities, ``no_new_privs``); run as an
  ordinary user, a user namespace maps the teacher's uid to 65534 with no capabilities;
- **limits** (``prlimit``): address space (memory), processes, open files, file size;
- **nothing left running**: the kernel is PID 1's child in its own PID namespace
  and bwrap runs with ``--die-with-parent``; when the kernel ends, or the grader
  kills bwrap, the kernel's namespace and every process in it go with it.

What decides the grade stays outside: nbval, the teacher's stored outputs and the
report file live in the grader's process, which only reads what the kernel sends.

``SandboxedKernelManager`` is the jupyter_client kernel manager that does this;
the grader's pytest plugin (``_pytest_report``) hands it to nbval.
"""
import asyncio
import json
import os
import secrets
import shutil
import site
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import zmq
from jupyter_client.manager import KernelManager

#: The sandbox user as the kernel sees it: ``nobody`` on Debian and Ubuntu.
SANDBOX_UID = SANDBOX_GID = 65534
#: Run as root, each kernel gets a uid (and gid) of its own from this range, unused by any
#: account: the process limit counts a uid's processes machine-wide, so a shared uid would
#: let one student's fork bomb use up every other kernel's share.
KERNEL_UIDS = range(200_000, 1_200_000)
#: The sandbox's scratch folder, working folder and home.
SCRATCH = "/tmp"
#: Bytes of the largest message the grader reads from a kernel (an exercise's outputs are
#: kilobytes; anything larger is dropped by ZeroMQ before it is read).
MAX_MESSAGE = 32 * 2**20
#: Environment variable through which the grader's pytest receives the sandbox settings.
SETTINGS = "BPKIT_SANDBOX"
#: /etc files a Python kernel reads (user names, time zone, the dynamic linker's cache).
ETC_FILES = ("passwd", "group", "nsswitch.conf", "localtime", "ld.so.cache", "ld.so.conf",
             "hosts", "mime.types")
INSTALL_HINT = ("install bubblewrap (Debian and Ubuntu: apt-get install bubblewrap), "
                "or grade with --no-sandbox to run student code unconfined")


class SandboxUnavailable(RuntimeError):
    """bwrap is missing or cannot create namespaces on this machine."""


@dataclass(frozen=True)
class Limits:
    """What one student kernel may use. ``memory`` is address space (RLIMIT_AS), in bytes."""
    memory: int = 2 * 2**30
    processes: int = 256       # RLIMIT_NPROC: threads count, and a kernel runs about 10
    open_files: int = 512
    file_size: int = 64 * 2**20
    scratch: int = 256 * 2**20

    def __post_init__(self):
        for name, value in asdict(self).items():
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"sandbox limit {name} must be a positive integer, got {value!r}")


def find_tools():
    """Paths of bwrap, prlimit and setpriv; ``SandboxUnavailable`` if one is missing."""
    tools = {name: shutil.which(name) for name in ("bwrap", "prlimit", "setpriv")}
    missing = [name for name, path in tools.items() if path is None]
    if missing:
        raise SandboxUnavailable(f"{', '.join(missing)} not found: {INSTALL_HINT}")
    return tools


def check_available():
    """Start a trivial sandbox once; ``SandboxUnavailable`` with the reason if it fails."""
    tools = find_tools()
    argv = _bwrap_options(tools, socket_dir=None, limits=Limits(), env={}) + ["true"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxUnavailable(f"bwrap could not start ({exc}): {INSTALL_HINT}") from None
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise SandboxUnavailable(f"bwrap cannot create a sandbox here ({why}): {INSTALL_HINT}")
    return tools


def wrap(argv, socket_dir, limits, env, uid=SANDBOX_UID):
    """The command that runs ``argv`` in the sandbox, ``socket_dir`` bound read-write;
    ``uid``: the user it runs as on the machine, when the grader is root."""
    tools = find_tools()
    return _bwrap_options(tools, socket_dir, limits, env, uid) + list(argv)


def _bwrap_options(tools, socket_dir, limits, env, uid=SANDBOX_UID):
    privileged = os.geteuid() == 0
    argv = [tools["bwrap"], "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--hostname", "sandbox"]
    if not privileged:     # a user namespace stands in for root's setuid
        argv += ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_GID),
                 "--disable-userns"]
    made = {Path("/"), Path(SCRATCH)}
    argv += _filesystem(limits, made)
    if socket_dir is not None:
        argv += _parents(Path(socket_dir), made) + ["--bind", str(socket_dir), str(socket_dir)]
    argv += ["--chdir", SCRATCH, "--clearenv"]
    for key, value in {"HOME": SCRATCH, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                       "USER": "student", "LOGNAME": "student", **env}.items():
        argv += ["--setenv", key, str(value)]
    if privileged:         # setpriv needs these two to drop to the sandbox user, then clears all
        argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    argv += ["--", tools["prlimit"], f"--as={limits.memory}", f"--nproc={_nproc(limits)}",
             f"--nofile={limits.open_files}", f"--fsize={limits.file_size}", "--core=0", "--"]
    if privileged:
        argv += [tools["setpriv"], f"--reuid={uid}", f"--regid={uid}",
                 "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
                 "--"]
    return argv


def _filesystem(limits, made):
    """Read-only binds of the system and of Python; a fresh /proc, /dev and scratch tmpfs."""
    argv = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        path = Path(top)
        if path.is_symlink():          # merged /usr: /lib -> usr/lib
            argv += ["--symlink", os.readlink(path), top]
        elif path.is_dir():
            argv += ["--ro-bind", top, top]
    for name in ETC_FILES:
        argv += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    argv += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(limits.scratch), "--tmpfs", SCRATCH]
    for path in python_paths():
        argv += _parents(path, made) + ["--ro-bind", str(path), str(path)]
    return argv


def _parents(path, made):
    """Create the folders above a bind 0755: bwrap would make them 0700, closed to the
    sandbox user. ``made``: the folders created so far (updated)."""
    argv = []
    for parent in reversed(path.parents):
        if parent not in made:
            argv += ["--perms", "0755", "--dir", str(parent)]
            made.add(parent)
    return argv


def python_paths():
    """The folders a kernel needs to import numpy, ipykernel and bpkit, outermost only:
    the Python installation, the virtual environment, site-packages and bpkit itself
    (an editable install points outside site-packages, into the project)."""
    import bpkit

    wanted = [Path(sys.base_prefix), Path(sys.prefix), Path(bpkit.__file__).parent]
    wanted += [Path(p) for p in site.getsitepackages()]
    found = []
    for path in sorted({p.resolve() for p in wanted if p.exists()}, key=lambda p: len(p.parts)):
        if str(path).startswith("/usr/") or any(parent in found for parent in path.parents):
            continue
        found.append(path)
    # The interpreter may be reached through symlinks (a venv's bin/python); bind those folders.
    return found + [Path(p) for p in _unresolved(wanted) if not str(p).startswith("/usr/")]


def _unresolved(paths):
    """Unresolved spellings of ``paths`` that differ from their resolved form (symlinks)."""
    return sorted({str(p) for p in paths if p.exists() and p.resolve() != p.absolute()})


def _nproc(limits):
    """RLIMIT_NPROC counts every process of the real user id. As root the sandbox runs as
    65534 and the limit is the sandbox's; as a user it also counts the user's own processes."""
    if os.geteuid() == 0:
        return limits.processes
    uid, count = os.getuid(), 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                count += entry.stat().st_uid == uid
            except OSError:
                pass
    return limits.processes + count


class SandboxedKernelManager(KernelManager):
    """A kernel manager whose kernels run in the sandbox and talk over Unix sockets.

    Settings come from the ``BPKIT_SANDBOX`` environment variable (JSON: ``limits``,
    ``env``), set by the grader for its pytest run.
    """

    def __init__(self, **kwargs):
        settings = json.loads(os.environ.get(SETTINGS) or "{}")
        self.sandbox_limits = Limits(**settings.get("limits", {}))
        self.sandbox_env = dict(settings.get("env", {}))
        self.socket_dir = Path(settings.get("root") or "/tmp") / f"kernel-{os.getpid()}-{id(self)}"
        self.socket_dir.mkdir(mode=0o700, parents=True)
        self.uid = KERNEL_UIDS[secrets.randbelow(len(KERNEL_UIDS))] if os.geteuid() == 0 \
            else SANDBOX_UID
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", str(self.socket_dir / "k"))
        kwargs.setdefault("connection_file", str(self.socket_dir / "connection.json"))
        super().__init__(**kwargs)
        self._grant(0o770)

    def _grant(self, mode):
        """The sandbox user may create its sockets while the kernel starts (0o770), and
        only read afterwards (0o750), so that nothing it writes there outlives a cell."""
        if os.geteuid() == 0:
            os.chown(self.socket_dir, 0, self.uid)
        os.chmod(self.socket_dir, mode if os.geteuid() == 0 else 0o700)

    def client(self, **kwargs):
        """A client whose sockets drop any message larger than ``MAX_MESSAGE``: one output
        of hundreds of megabytes is never read into the grader's memory."""
        context = zmq.Context()
        context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE)
        kwargs.setdefault("context", context)
        return super().client(**kwargs)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        if os.geteuid() == 0:     # jupyter_client writes it 0600; the sandbox user reads it
            os.chown(self.connection_file, 0, self.uid)
            os.chmod(self.connection_file, 0o640)

    def format_kernel_cmd(self, extra_arguments=None):
        import bpkit

        # No history database: it would be one more file in the student's scratch space, and
        # when a student fills that space IPython prints its sqlite error into their cell.
        kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", self.connection_file,
                  "--HistoryManager.enabled=False"]
        # The kernel imports the very bpkit the grader runs (of its folder, only the package
        # is bound into the sandbox).
        env = {"PYTHONPATH": str(Path(bpkit.__file__).parent.parent),
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "MPLBACKEND": "agg", "MPLCONFIGDIR": f"{SCRATCH}/.matplotlib",
               "PYTHONDONTWRITEBYTECODE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
               **self.sandbox_env}
        return wrap(kernel, self.socket_dir, self.sandbox_limits, env, self.uid)

    async def _async_post_start_kernel(self, **kwargs):
        """Starting returns only once the kernel has made its five sockets, and the socket
        folder is then read-only to it: no client can send a cell before that."""
        await super()._async_post_start_kernel(**kwargs)
        ports = [self.shell_port, self.iopub_port, self.stdin_port, self.control_port,
                 self.hb_port]
        deadline = time.monotonic() + 120.0
        while time.monotonic() < deadline and await self._async_is_alive():
            if all(os.path.exists(f"{self.ip}-{port}") for port in ports):
                break
            await asyncio.sleep(0.02)
        if self.socket_dir.exists():
            self._grant(0o750)

    def cleanup_resources(self, restart=False):
        super().cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self.socket_dir, ignore_errors=True)
