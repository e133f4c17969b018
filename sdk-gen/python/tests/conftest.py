"""Fixtures: a real nexus server on 127.0.0.1 with a temp data dir.

NEXUS_BIN (required) is the nexus binary; NEXUS_ROOT (default: the repo
root above this file) holds schemas/, policies/, projections/ and sagas/.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc
import pytest

# The package under test: the source tree (also fine when it is installed).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from nexus.v1 import command_pb2, command_pb2_grpc  # noqa: E402

MISSING_BIN = (
    "set NEXUS_BIN to a built nexus binary (cargo build -p nexus-server, or run scripts/test)"
)
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
TEST_TIMEOUT = 120.0

_running: list["NexusServer"] = []


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NexusServer:
    """One nexus process; restart() reuses its port and data dir."""

    def __init__(self, binary: str, root: Path, workdir: Path, extra_args: list[str] | None = None, env=None):
        self.binary, self.root, self.workdir = binary, root, workdir
        self.port = _free_port()
        self.target = f"127.0.0.1:{self.port}"
        self.data_dir = workdir / "data"
        self.log_path = workdir / "nexus.log"
        self.extra_args = extra_args or []
        self.env = env
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        args = [
            self.binary, "serve",
            "--listen", self.target,
            "--data-dir", str(self.data_dir),
            "--schemas-dir", str(self.root / "schemas"),
            "--policies-dir", str(self.root / "policies"),
            "--projections-dir", str(self.root / "projections"),
            "--sagas-dir", str(self.root / "sagas"),
            *self.extra_args,
        ]  # fmt: skip
        env = {**os.environ, **(self.env or {})}
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== start: {' '.join(args)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        if self not in _running:
            _running.append(self)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        last = "no answer"
        with grpc.insecure_channel(self.target) as channel:
            stub = command_pb2_grpc.CommandServiceStub(channel)
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"nexus exited with {self.proc.returncode}\n{self.log_tail()}")
                try:
                    stub.ListAggregateTypes(command_pb2.ListAggregateTypesRequest(), timeout=1.0)
                    return
                except grpc.RpcError as error:
                    # UNAUTHENTICATED still means it answers.
                    if error.code() == grpc.StatusCode.UNAUTHENTICATED:
                        return
                    last = f"{error.code()}: {error.details()}"
                time.sleep(0.1)
        raise RuntimeError(f"nexus did not answer within {READY_TIMEOUT:.0f} s ({last})\n{self.log_tail()}")

    def stop(self, kill: bool = False) -> None:
        """SIGTERM (or SIGKILL with kill=True); SIGKILL after STOP_TIMEOUT."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT)

    def restart(self, kill: bool = False) -> None:
        self.stop(kill=kill)
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def _nexus_bin() -> str:
    binary = os.environ.get("NEXUS_BIN", "")
    if not binary or not os.path.isfile(binary) or not os.access(binary, os.X_OK):
        pytest.fail(MISSING_BIN + (f" (NEXUS_BIN={binary!r} is not an executable file)" if binary else ""), pytrace=False)
    return binary


def _nexus_root() -> Path:
    return Path(os.environ.get("NEXUS_ROOT") or Path(__file__).resolve().parents[3])


@pytest.fixture(scope="session")
def nexus_bin() -> str:
    return _nexus_bin()


@pytest.fixture(scope="session")
def nexus_root() -> Path:
    return _nexus_root()


def _start(nexus_bin: str, nexus_root: Path, **kwargs):
    workdir = Path(tempfile.mkdtemp(prefix="nexus-sdk-py-"))
    server = NexusServer(nexus_bin, nexus_root, workdir, **kwargs)
    try:
        server.start()
    except Exception:
        server.stop(kill=True)
        raise  # the message carries the log tail
    return server


@pytest.fixture(scope="session")
def server(nexus_bin, nexus_root):
    """A server shared by the tests that do not restart it."""
    srv = _start(nexus_bin, nexus_root)
    yield srv
    srv.cleanup()


@pytest.fixture
def own_server(nexus_bin, nexus_root):
    """A server of this test alone (it may restart it)."""
    srv = _start(nexus_bin, nexus_root)
    yield srv
    srv.cleanup()


@pytest.fixture
def start_server(nexus_bin, nexus_root):
    """Starts servers with extra flags/env; stops them at the end."""
    started = []

    def start(**kwargs):
        srv = _start(nexus_bin, nexus_root, **kwargs)
        started.append(srv)
        return srv

    start.started = started
    yield start
    for srv in started:
        srv.cleanup()


class HandlerProcess:
    """One instance of a remote command handler: a Python subprocess (for
    example examples/inventory/handler.py) with its output in a log file."""

    def __init__(self, script: Path, target: str, name: str, workdir: Path, args: list[str] | None = None):
        self.name = name
        self.log_path = workdir / f"handler-{name}.log"
        src = str(Path(__file__).resolve().parents[1] / "src")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))}
        args = [sys.executable, "-u", str(script), "--server", target, "--name", name, *(args or [])]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:]) or "(empty log)"

    def wait_for_log(self, text: str, count: int = 1, timeout: float = READY_TIMEOUT) -> None:
        """Waits until ``text`` appears ``count`` times in the log."""
        deadline = time.monotonic() + timeout
        while self.log().count(text) < count:
            if self.proc.poll() is not None:
                raise RuntimeError(f"handler {self.name} exited with {self.proc.returncode}\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"handler {self.name}: no {text!r} in its log within {timeout:.0f} s\n{self.log_tail()}")
            time.sleep(0.05)

    def pause(self) -> None:
        """SIGSTOP: the instance hangs with its requests (kill() still works)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGSTOP)

    def kill(self) -> None:
        """SIGKILL: the instance vanishes without a goodbye."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=STOP_TIMEOUT)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_handler(nexus_root):
    """Starts handler instances (start_handler(target, name, script=...));
    waits until each has registered; kills them at the end."""
    workdir = Path(tempfile.mkdtemp(prefix="nexus-sdk-py-handlers-"))
    handlers: list[HandlerProcess] = []

    def start(target: str, name: str, script: Path | None = None, args: list[str] | None = None) -> HandlerProcess:
        script = script or nexus_root / "examples" / "inventory" / "handler.py"
        handler = HandlerProcess(script, target, name, workdir, args)
        handlers.append(handler)
        handler.wait_for_log("registered")
        return handler

    start.handlers = handlers
    yield start
    for handler in handlers:
        handler.stop()
    shutil.rmtree(workdir, ignore_errors=True)


def run(coro, timeout: float = TEST_TIMEOUT):
    """Runs an async test body with an upper bound on its duration."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        servers = []
        for value in getattr(item, "funcargs", {}).values():
            if isinstance(value, NexusServer):
                servers.append(value)
            servers += getattr(value, "started", [])
        for srv in servers or _running:
            report.sections.append((f"nexus log tail ({srv.target})", srv.log_tail()))
        for value in getattr(item, "funcargs", {}).values():
            for handler in getattr(value, "handlers", []):
                report.sections.append((f"handler log tail ({handler.name})", handler.log_tail()))
