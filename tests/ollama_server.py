"""A small HTTP server that speaks Ollama's API (tags, show, chat streamed and not, embed), for testing the real
Ollama client: no Ollama server can be installed here."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeOllama:
    def __init__(
        self,
        models=("gemma3:4b",),
        reply="Senteret ble etablert i juni 2020 [1].",
        token_delay=0.0,
        die_after: int | None = None,
        first_delay: float = 0.0,
    ) -> None:
        self.models = list(models)
        self.reply = reply
        self.token_delay = token_delay
        self.die_after = die_after  # close the connection after this many streamed tokens
        self.first_delay = first_delay  # seconds of silence before the first token (a model reading a long prompt)
        self.requests: list[tuple[str, dict]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeOllama:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def tokens(self) -> list[str]:
        words = self.reply.split(" ")
        return [w + (" " if n < len(words) - 1 else "") for n, w in enumerate(words)]

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _json(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                fake.requests.append((self.path, {}))
                if self.path == "/api/tags":
                    self._json(
                        200,
                        {
                            "models": [
                                {
                                    "name": m,
                                    "model": m,
                                    "modified_at": "2026-11-01T00:00:00Z",
                                    "size": 3_300_000_000,
                                    "digest": "0" * 64,
                                    "details": {
                                        "family": "gemma3",
                                        "parameter_size": "4.3B",
                                        "quantization_level": "Q4_K_M",
                                    },
                                }
                                for m in fake.models
                            ]
                        },
                    )
                else:
                    self._json(404, {"error": "not found"})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.requests.append((self.path, body))
                model = body.get("model") or body.get("name")
                if self.path in ("/api/show", "/api/chat", "/api/embed") and model not in fake.models:
                    return self._json(404, {"error": f"model '{model}' not found"})
                if self.path == "/api/show":
                    return self._json(
                        200,
                        {
                            "modelfile": "",
                            "parameters": "",
                            "template": "",
                            "details": {"family": "gemma3"},
                            "model_info": {},
                            "capabilities": ["completion"],
                        },
                    )
                if self.path == "/api/embed":
                    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                    return self._json(200, {"model": model, "embeddings": [[0.1, 0.2, 0.3] for _ in inputs]})
                if self.path != "/api/chat":
                    return self._json(404, {"error": "not found"})
                if not body.get("stream", True):
                    return self._json(
                        200,
                        {
                            "model": model,
                            "created_at": "2026-11-29T00:00:00Z",
                            "message": {"role": "assistant", "content": fake.reply},
                            "done": True,
                            "done_reason": "stop",
                            "eval_count": len(fake.tokens()),
                        },
                    )
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                time.sleep(fake.first_delay)
                for n, token in enumerate(fake.tokens()):
                    if fake.die_after is not None and n >= fake.die_after:
                        self.wfile.flush()
                        self.connection.shutdown(2)  # the server goes away mid-answer
                        return
                    time.sleep(fake.token_delay)
                    self._chunk(
                        {
                            "model": model,
                            "created_at": "2026-11-29T00:00:00Z",
                            "message": {"role": "assistant", "content": token},
                            "done": False,
                        }
                    )
                self._chunk(
                    {
                        "model": model,
                        "created_at": "2026-11-29T00:00:00Z",
                        "message": {"role": "assistant", "content": ""},
                        "done": True,
                        "done_reason": "stop",
                        "eval_count": len(fake.tokens()),
                    }
                )
                self.wfile.write(b"0\r\n\r\n")

            def _chunk(self, obj: dict) -> None:
                data = (json.dumps(obj) + "\n").encode()
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

        return Handler
