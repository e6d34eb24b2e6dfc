"""Fork server ("zygote") for the interop test scripts: imports MLflow once, then forks per script run.

Usage: ``python py_zygote.py <socket path> [--eager] [--no-sub]``

The process binds a Unix socket right away and prints ``READY <pid>`` on stdout; the heavy modules
are imported on the first connection (or at once with ``--eager``). Its stdin is a lifeline: when
it reaches EOF (the Node process that started us is gone), the zygote removes its socket and exits.

Protocol, one request per connection. The client sends one JSON object and half-closes:
``{"script": path, "argv": [...], "stdin": base64, "env": {...}, "cwd": path}``.
The zygote answers with newline-delimited JSON events:

- ``{"event": "started"}`` the script is running (a client must not re-run it after this);
- ``{"event": "exit", "code": n, "signal": n | null, "cpu_s": seconds, "stdout": base64, "stderr": base64}``;
- ``{"event": "redirect", "socket": path}`` ask that zygote instead (its interpreter was started
  with the request's environment, see below);
- ``{"event": "fallback", "reason": text}`` nothing ran: run ``python script`` yourself.

Per connection the zygote forks a handler, which forks the script process and waits for it, so
exit codes and deaths by signal are reported exactly. The script process gets the request's
environment (``os.environ`` replaced entirely), cwd, argv, ``sys.path[0]`` and stdin, has fds 1
and 2 on temporary files (so C extensions and subprocesses are captured too), and runs the
script as ``__main__`` the way ``python script.py`` does: SystemExit and uncaught exceptions map to
the same exit codes and traceback, then non-daemon threads are joined and atexit handlers run.

What a fresh interpreter would have computed differently from the request's environment is
handled explicitly: caches that depend on it are reset after the fork (tempfile's directory,
import caches, numpy's global RNG seed, MLflow's telemetry client, the time zone), and every
environment variable read while importing (recorded during the preload), plus everything that
configures the interpreter itself (``PYTHON*``, locale, allocator/BLAS knobs), forms a
*signature*: a request whose signature differs from the zygote's own start environment (e.g.
``PYTHONHASHSEED=0``) is redirected to a sub-zygote started with that environment (one per
signature, started on demand by the master, sharing its lifeline), or falls back.

Known differences from a fresh interpreter, none of which the scripts depend on: the preloaded
modules are already in ``sys.modules``; warnings and log lines emitted while importing them went to
the zygote's log, once; without ``PYTHONHASHSEED`` all runs share the zygote's hash seed.

Processes are reaped with waitpid (the master is a child subreaper on Linux, so orphans come back
to it), so the CPU time of every run is accounted to the test run. With
``MLFLOW_GENAI_PY_ZYGOTE_TRACE_IMPORTS=<file>`` in the environment, each run appends the modules it
imported beyond the preload to that file (to tune PRELOAD).
"""

import base64
import gc
import hashlib
import json
import os
import select
import shutil
import signal
import socket
import sys
import tempfile
import time
import traceback

# Modules the interop scripts use, imported once in the master. Each costs memory only.
PRELOAD = [
    "mlflow",
    "mlflow.client",
    "mlflow.tracking",
    "mlflow.entities",
    "mlflow.entities.model_registry",
    "mlflow.exceptions",
    "mlflow.artifacts",
    "mlflow.store.tracking.sqlalchemy_store",
    "mlflow.store.model_registry.sqlalchemy_store",
    "mlflow.store.tracking.rest_store",
    "mlflow.store.model_registry.rest_store",
    "mlflow.store.artifact.local_artifact_repo",
    "mlflow.store.artifact.s3_artifact_repo",
    "mlflow.store.artifact.mlflow_artifacts_repo",
    "mlflow.store.artifact.http_artifact_repo",
    "mlflow.store.db.utils",
    "mlflow.store.tracking.sqlalchemy_workspace_store",
    "mlflow.store.workspace.utils",
    "mlflow.store.db.trace_analytics_schema_75868b020152",
    "mlflow.store.db.trace_analytics_backfill_75868b020152",
    "mlflow.tracing.processor.otel",
    "mlflow.genai.review_queues",
    "git",
    "mlflow.tracing.client",
    "mlflow.tracing.utils",
    "mlflow.tracing.utils.otlp",
    "mlflow.tracing.export.mlflow_v3",
    "mlflow.tracing.processor.mlflow_v3",
    "mlflow.tracking._model_registry.client",
    "mlflow.tracking.request_header.registry",
    "mlflow.store.model_registry.sqlalchemy_workspace_store",
    "mlflow.utils.search_logged_model_utils",
    "netrc",
    "mlflow.utils.validation",
    "mlflow.genai",
    "mlflow.genai.prompts",
    "mlflow.models",
    "mlflow.models.utils",
    "mlflow.pyfunc",
    "mlflow.pyfunc.scoring_server.client",
    "sqlalchemy",
    "sqlalchemy.dialects.sqlite",
    "alembic",
    "alembic.command",
    "alembic.config",
    "alembic.runtime.migration",
    "alembic.script",
    "alembic.operations",
    "alembic.ddl.sqlite",
    "numpy",
    "pandas",
    "pydantic",
    "boto3",
    "botocore.session",
    "google.protobuf.json_format",
    "opentelemetry.sdk.resources",
    "opentelemetry.proto.collector.trace.v1.trace_service_pb2",
]

# Environment variables read in C at start-up or load time (invisible to the os.environ recorder).
SIGNATURE_PREFIXES = ("PYTHON", "LC_", "OMP_", "OPENBLAS_", "MKL_", "MALLOC_", "JE_", "LD_", "GRPC_", "TQDM_")
SIGNATURE_KEYS = {"LANG", "LANGUAGE", "HOME", "PATH", "TMPDIR"}
# Read while importing only to set up MLflow's telemetry client, which _reset_after_fork sets up
# again from the request's environment (the session id is one MLflow sets itself).
NOT_SIGNATURE = {"_MLFLOW_TELEMETRY_SESSION_ID", "MLFLOW_DISABLE_TELEMETRY", "DO_NOT_TRACK"}
# Start-up tweaks for the master only: no BLAS or jemalloc background threads before fork().
PRELOAD_ONLY_ENV = {"OPENBLAS_NUM_THREADS": "1", "JE_ARROW_MALLOC_CONF": "background_thread:false"}
# The folder python.ts makes for a zygote: the zygote removes it if the test run dies.
OWNED_DIR = "mlflow-genai-zygote-"
MAX_SUB_ZYGOTES = 4
SUB_START_TIMEOUT_S = 120


class Zygote:
    def __init__(self, sock_path, allow_sub):
        self.sock_path = sock_path
        self.allow_sub = allow_sub
        self.start_env = dict(os.environ)
        self.read_keys = set()
        self.preloaded = False
        self.listener = None

    # -- master ------------------------------------------------------------------------------

    def preload(self):
        """Imports PRELOAD once, recording the environment variables read meanwhile."""
        if self.preloaded:
            return
        self.preloaded = True
        environ_cls = type(os.environ)
        get_item, contains = environ_cls.__getitem__, environ_cls.__contains__
        iterate, copy = environ_cls.__iter__, environ_cls.copy
        read = self.read_keys
        # Reads made while copying or scanning the whole environment (GitPython copies it to run
        # `git version`, tqdm scans it for TQDM_*) are not lookups of a variable: not recorded.
        bulk = [0]

        def recording_get(env, key):
            if not bulk[0]:
                read.add(key)
            return get_item(env, key)

        def recording_contains(env, key):
            if not bulk[0]:
                read.add(key)
            return contains(env, key)

        def bulk_iter(env):
            bulk[0] += 1
            try:
                yield from iterate(env)
            finally:
                bulk[0] -= 1

        def bulk_copy(env):
            bulk[0] += 1
            try:
                return copy(env)
            finally:
                bulk[0] -= 1

        saved = {k: os.environ.get(k) for k in PRELOAD_ONLY_ENV}
        os.environ.update(PRELOAD_ONLY_ENV)
        environ_cls.__getitem__, environ_cls.__contains__ = recording_get, recording_contains
        environ_cls.__iter__, environ_cls.copy = bulk_iter, bulk_copy
        started = time.monotonic()
        try:
            for name in PRELOAD:
                try:
                    __import__(name)
                except Exception as e:  # an optional module missing is fine
                    _log(f"preload of {name} failed: {type(e).__name__}: {e}")
        finally:
            environ_cls.__getitem__, environ_cls.__contains__ = get_item, contains
            environ_cls.__iter__, environ_cls.copy = iterate, copy
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        self.read_keys = {k for k in read if isinstance(k, str)} - NOT_SIGNATURE
        tasks = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 1
        if tasks != 1:
            _log(f"warning: {tasks} OS threads after the preload; fork() keeps only this one")
        _log(f"preloaded {len(sys.modules)} modules in {time.monotonic() - started:.1f}s")
        # Objects of the preload are never freed: keep the children's GC off their pages.
        gc.collect()
        gc.freeze()

    def serve(self):
        _become_subreaper()
        # SIGTERM (the test run's teardown) unwinds, so the socket file is removed below.
        signal.signal(signal.SIGTERM, _terminate)
        if os.path.exists(self.sock_path) and not _alive(self.sock_path):
            os.unlink(self.sock_path)  # left by a zygote that was killed
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.sock_path)
        self.listener.listen(128)
        sys.stdout.write(f"READY {os.getpid()}\n")
        sys.stdout.flush()
        try:
            while True:
                # Handlers are reaped here (not with SIGCHLD=SIG_IGN) so that their CPU time is
                # accounted to this process, and so to the test run.
                _reap()
                ready, _, _ = select.select([self.listener, 0], [], [], 0.5)
                if 0 in ready and not os.read(0, 4096):
                    # Lifeline closed: the test run is over (or was killed without its teardown).
                    if self.allow_sub and os.path.basename(os.path.dirname(self.sock_path)).startswith(OWNED_DIR):
                        shutil.rmtree(os.path.dirname(self.sock_path), ignore_errors=True)
                    return
                if self.listener in ready:
                    try:
                        conn, _ = self.listener.accept()
                    except OSError:
                        continue
                    self.preload()
                    sys.stdout.flush()
                    sys.stderr.flush()
                    pid = os.fork()
                    if pid == 0:
                        code = 1
                        try:
                            signal.signal(signal.SIGTERM, signal.SIG_DFL)
                            self.listener.close()
                            self.handle(conn)
                            code = 0
                        except BaseException:  # noqa: BLE001 - the handler must not return to the loop
                            _log("handler failed:\n" + traceback.format_exc())
                        finally:
                            os._exit(code)
                    conn.close()
        finally:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            try:
                os.unlink(self.sock_path)
            except OSError:
                pass
            # Children get the same SIGTERM (one process group) or lifeline EOF: reap them, so that
            # their CPU time is accounted too.
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                try:
                    if os.waitpid(-1, os.WNOHANG)[0] == 0:
                        time.sleep(0.05)
                except ChildProcessError:
                    break

    # -- handler (one forked process per connection) ------------------------------------------

    def handle(self, conn):
        chunks = []
        while True:
            data = conn.recv(1 << 16)
            if not data:
                break
            chunks.append(data)
        if not chunks:
            return  # a warm-up ping
        req = json.loads(b"".join(chunks))
        env = {str(k): str(v) for k, v in req["env"].items()}
        mismatch = self.signature_mismatch(env)
        if mismatch:
            answer = self.redirect(env, mismatch) if self.allow_sub else None
            _send(conn, answer or {"event": "fallback", "reason": f"interpreter environment differs: {mismatch}"})
            return
        cwd = req.get("cwd")
        if cwd and not os.path.isdir(cwd):
            _send(conn, {"event": "fallback", "reason": f"no such directory: {cwd}"})
            return
        stdin = tempfile.TemporaryFile()
        stdin.write(base64.b64decode(req.get("stdin") or ""))
        stdin.flush()
        stdin.seek(0)
        out = tempfile.TemporaryFile()
        err = tempfile.TemporaryFile()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                conn.close()
                code = run_script(req["script"], req.get("argv") or [], env, cwd, stdin, out, err)
            finally:
                os._exit(code)
        _send(conn, {"event": "started"})
        usage = None
        try:
            _, status, usage = os.wait4(pid, 0)
        except ChildProcessError:
            status = None
        sig = None
        if status is None:
            code = -1
        elif os.WIFSIGNALED(status):
            sig, code = os.WTERMSIG(status), -1
        else:
            code = os.WEXITSTATUS(status)
        out.seek(0)
        err.seek(0)
        _send(
            conn,
            {
                "event": "exit",
                "code": code,
                "signal": sig,
                "cpu_s": round(usage.ru_utime + usage.ru_stime, 3) if usage else None,
                "stdout": base64.b64encode(out.read()).decode("ascii"),
                "stderr": base64.b64encode(err.read()).decode("ascii"),
            },
        )

    def signature_mismatch(self, env):
        keys = set(self.read_keys) | SIGNATURE_KEYS
        keys |= {k for k in (*env, *self.start_env) if k.startswith(SIGNATURE_PREFIXES)}
        return sorted(k for k in keys - NOT_SIGNATURE if env.get(k) != self.start_env.get(k))

    def redirect(self, env, keys):
        """The socket of a sub-zygote started with the request's environment (started now if needed)."""
        signature = json.dumps({k: env.get(k) for k in keys}, sort_keys=True)
        digest = hashlib.sha256(signature.encode()).hexdigest()[:16]
        base = os.path.dirname(self.sock_path)
        path = os.path.join(base, f"sub-{digest}.sock")
        import fcntl

        with open(os.path.join(base, f"sub-{digest}.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if _alive(path):
                return {"event": "redirect", "socket": path, "keys": keys}
            subs = [n for n in os.listdir(base) if n.startswith("sub-") and n.endswith(".sock")]
            if len(subs) >= MAX_SUB_ZYGOTES:
                return None
            import subprocess

            # stdin is inherited: the sub-zygote shares our lifeline.
            proc = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), path, "--eager", "--no-sub"],
                env=env,
                cwd=base,
                stdout=subprocess.PIPE,
            )
            ready, _, _ = select.select([proc.stdout], [], [], SUB_START_TIMEOUT_S)
            line = proc.stdout.readline() if ready else b""
            proc.stdout.close()
            if not line.startswith(b"READY"):
                _log(f"sub-zygote for {keys} did not start")
                proc.kill()
                return None
            return {"event": "redirect", "socket": path, "keys": keys}


def run_script(path, argv, env, cwd, stdin, out, err):
    """Runs `path` as __main__ like `python path *argv`, in this (forked) process. Returns the exit code."""
    os.dup2(stdin.fileno(), 0)
    os.dup2(out.fileno(), 1)
    os.dup2(err.fileno(), 2)
    for f in (stdin, out, err):
        f.close()
    os.environ.clear()
    os.environ.update(env)
    if cwd:
        os.chdir(cwd)
    _reset_after_fork()
    sys.argv = [path, *argv]
    sys.path[0] = os.path.dirname(os.path.realpath(path))

    import builtins
    import importlib.machinery
    import types

    main = types.ModuleType("__main__")
    main.__file__ = path
    main.__cached__ = None
    main.__builtins__ = builtins
    main.__loader__ = importlib.machinery.SourceFileLoader("__main__", path)
    main.__spec__ = None
    sys.modules["__main__"] = main
    preloaded = set(sys.modules)
    try:
        with open(path, "rb") as f:
            source = f.read()
    except OSError as e:
        sys.stderr.write(f"{sys.executable}: can't open file {path!r}: [Errno {e.errno}] {e.strerror}\n")
        return _finalize(2)
    code = 0
    try:
        exec(compile(source, path, "exec", dont_inherit=True), main.__dict__)
    except SystemExit as e:
        code = _system_exit_code(e)
    except BaseException as e:  # noqa: BLE001 - reported as the interpreter does
        tb = e.__traceback__
        # Drop this function's frame: the traceback starts in the script, as with `python script.py`.
        if tb is not None and tb.tb_frame.f_code is run_script.__code__:
            tb = tb.tb_next
        e.__traceback__ = tb
        sys.excepthook(type(e), e, tb)
        code = 1
        if isinstance(e, KeyboardInterrupt):
            # The interpreter ends by re-raising SIGINT on itself, so its parent sees the signal.
            _finalize(code)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
    code = _finalize(code)
    trace = os.environ.get("MLFLOW_GENAI_PY_ZYGOTE_TRACE_IMPORTS")
    if trace:
        # Debugging aid for PRELOAD: which modules did this script import on its own?
        with open(trace, "a") as f:
            name = os.path.basename(path)
            f.write(f"{name}\t#call\n")
            f.writelines(f"{name}\t{m}\n" for m in sorted(set(sys.modules) - preloaded))
    return code


def _reset_after_fork():
    """Undoes what the preload cached from the master's environment, as a fresh interpreter would."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    tempfile.tempdir = None
    import importlib
    import linecache

    importlib.invalidate_caches()
    linecache.clearcache()
    time.tzset()
    sys.stdin = _reopen_stdin()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    telemetry = sys.modules.get("mlflow.telemetry.client")
    if telemetry is not None:
        try:
            telemetry.set_telemetry_client()
        except Exception:  # noqa: BLE001 - telemetry never matters to a script
            pass


def _reopen_stdin():
    import io

    old = sys.stdin
    encoding = getattr(old, "encoding", None) or "utf-8"
    errors = getattr(old, "errors", None) or "strict"
    return io.TextIOWrapper(io.open(0, "rb", closefd=False), encoding=encoding, errors=errors)


def _system_exit_code(e):
    value = e.code
    if value is None:
        return 0
    if isinstance(value, int):
        return value & 0xFF
    try:
        sys.stderr.write(f"{value}\n")
    except Exception:  # noqa: BLE001
        pass
    return 1


def _finalize(code):
    """What the interpreter does at exit: join non-daemon threads, run atexit handlers, flush."""
    import atexit
    import threading

    try:
        threading._shutdown()
    except Exception:  # noqa: BLE001
        pass
    atexit._run_exitfuncs()
    main = sys.modules.get("__main__")
    if main is not None:
        # Module globals are released at shutdown: unclosed files flush, finalizers run.
        main.__dict__.clear()
    gc.collect()
    try:
        sys.stdout.flush()
    except Exception:  # noqa: BLE001
        if code == 0:
            code = 120
    try:
        sys.stderr.flush()
    except Exception:  # noqa: BLE001
        pass
    return code


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def _alive(path):
    """Whether a zygote listens on `path`."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
        return True
    except OSError:
        return False
    finally:
        probe.close()


def _become_subreaper():
    """Orphans below us (sub-zygotes, processes a script left behind) become our children: we reap
    them, and their CPU time is accounted to the test run like the rest."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER (Linux)
    except Exception:  # noqa: BLE001 - elsewhere, orphans go to init as usual
        pass


def _reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _send(conn, event):
    try:
        conn.sendall(json.dumps(event).encode() + b"\n")
    except OSError:
        pass  # the client went away (e.g. a test timeout); nothing to tell


def _log(message):
    try:
        sys.stderr.write(f"[py_zygote {os.getpid()}] {message}\n")
        sys.stderr.flush()
    except Exception:  # noqa: BLE001
        pass


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    if len(args) != 1:
        sys.exit("usage: py_zygote.py <socket path> [--eager] [--no-sub]")
    zygote = Zygote(args[0], allow_sub="--no-sub" not in flags)
    if "--eager" in flags:
        zygote.preload()
    zygote.serve()


if __name__ == "__main__":
    main()
