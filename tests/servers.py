"""Real servers for the deployment tests, each on a free loopback port with its own data folder, stopped after use:
Chroma (`chroma run`, from the chromadb package), llama-cpp-python's OpenAI-compatible server, PostgreSQL (from
Debian's package, when installed)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch(command: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start a server with its output in a log file: a pipe nobody reads fills up and stalls a chatty server."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)


def wait_for(url: str, seconds: float, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


class ChromaServer:
    """`chroma run` on a loopback port; `stop()` and `start()` again keep the data folder (a restart)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> ChromaServer:
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
        log = self.path.with_name(self.path.name + ".log")
        self.proc = launch(
            [str(BIN / "chroma"), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            log,
            env,
        )
        wait_for(f"{self.url}/api/v2/heartbeat", 60, self.proc, log)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> ChromaServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class LlamaServer:
    """llama-cpp-python's own OpenAI-compatible server with a GGUF file."""

    def __init__(self, model: Path, log: Path) -> None:
        self.model, self.log = model, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> LlamaServer:
        self.proc = launch(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(self.model),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--n_ctx",
                "4096",
                "--n_threads",
                "2",
                "--model_alias",
                "qwen-0.5b",
            ],
            self.log,
        )
        wait_for(f"{self.url}/models", 180, self.proc, self.log)
        return self

    def __exit__(self, *exc) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=30)


def postgres_binaries() -> Path | None:
    """Debian's PostgreSQL server programs, when installed (.ci/run installs them)."""
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


class PostgresServer:
    """A throw-away PostgreSQL cluster, run as the `postgres` system user (it refuses root). Its folder is made in
    the system's temporary folder because pytest's own is closed to other users."""

    def __init__(self) -> None:
        self.bin = postgres_binaries()
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.path = Path(tempfile.mkdtemp(prefix="assistant-pg-"))

    def _run(self, *args: str) -> None:
        runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*runner, *args], capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr or done.stdout}")

    def __enter__(self) -> PostgresServer:
        assert self.bin is not None
        if os.geteuid() == 0:
            shutil.chown(self.path, "postgres", "postgres")
        data = self.path / "data"
        self._run(str(self.bin / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres")
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(self.path / "log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.path} -c listen_addresses=127.0.0.1",
            "start",
        )
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.path / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.path, ignore_errors=True)
