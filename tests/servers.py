"""Real servers for the deployment tests, each on a free loopback port with its own data folder, stopped after use:
Chroma (`chroma run`, from the chromadb package), llama-cpp-python's OpenAI-compatible server, PostgreSQL (from
Debian's package, when installed), and a small OpenAI-speaking server that fails on purpose."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


class FaultyOpenAI:
    """An OpenAI-compatible chat endpoint that fails as asked: "stall" (no byte for `seconds`), "500", or "close"
    (the stream ends after `after` tokens without its end)."""

    def __init__(
        self,
        fault: str,
        seconds: float = 10.0,
        after: int = 3,
        reply: str = "Bærekraftssenteret ble etablert i juni 2020 [1].",
    ) -> None:
        self.fault, self.seconds, self.after, self.reply = fault, seconds, after, reply
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FaultyOpenAI:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if fake.fault == "500":
                    body = json.dumps({"error": {"message": "internal error", "type": "server_error"}}).encode()
                    self.send_response(500)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if fake.fault == "stall":
                    time.sleep(fake.seconds)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for count, word in enumerate(fake.reply.split(" ")):
                    if fake.fault == "close" and count >= fake.after:
                        self.wfile.flush()
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    self._event(
                        {
                            "id": "x",
                            "object": "chat.completion.chunk",
                            "created": 0,
                            "model": "m",
                            "choices": [{"index": 0, "delta": {"content": word + " "}, "finish_reason": None}],
                        }
                    )
                self._event(
                    {
                        "id": "x",
                        "object": "chat.completion.chunk",
                        "created": 0,
                        "model": "m",
                        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                    }
                )
                self._chunk(b"data: [DONE]\n\n")
                self.wfile.write(b"0\r\n\r\n")

            def _event(self, obj: dict) -> None:
                self._chunk(f"data: {json.dumps(obj)}\n\n".encode())

            def _chunk(self, data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

        return Handler
