"""Test servers on pytest-httpserver (werkzeug): one that speaks Ollama's API (tags, show, chat streamed and not,
embed), for testing the real Ollama client (no Ollama server can be installed here), and an OpenAI-compatible chat
endpoint that fails as asked."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


class ServerGone(Exception):
    """Raised inside a streamed response: werkzeug drops the connection, as a server that dies mid-answer does."""


class _Served:
    """A threaded pytest-httpserver on a free loopback port, used as a context manager."""

    def __init__(self, path: str = "") -> None:
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.requests: list[tuple[str, dict]] = []
        self.path = path

    def __enter__(self):
        self.server.start()
        self.url = self.server.url_for(self.path).rstrip("/")
        return self

    def __exit__(self, *exc) -> None:
        self.server.clear()
        self.server.stop()


class FakeOllama(_Served):
    def __init__(
        self,
        models=("gemma3:4b",),
        reply="Senteret ble etablert i juni 2020 [1].",
        token_delay=0.0,
        die_after: int | None = None,
        first_delay: float = 0.0,
    ) -> None:
        super().__init__()
        self.models = list(models)
        self.reply = reply
        self.token_delay = token_delay
        self.die_after = die_after  # close the connection after this many streamed tokens
        self.first_delay = first_delay  # seconds of silence before the first token (a model reading a long prompt)
        self.server.expect_request("/api/tags", method="GET").respond_with_handler(self._tags)
        for path in ("/api/show", "/api/chat", "/api/embed"):
            self.server.expect_request(path, method="POST").respond_with_handler(self._post)

    def tokens(self) -> list[str]:
        words = self.reply.split(" ")
        return [w + (" " if n < len(words) - 1 else "") for n, w in enumerate(words)]

    def _tags(self, request: Request) -> Response:
        self.requests.append((request.path, {}))
        details = {"family": "gemma3", "parameter_size": "4.3B", "quantization_level": "Q4_K_M"}
        models = [
            {"name": m, "model": m, "modified_at": "2026-11-01T00:00:00Z", "size": 3_300_000_000, "digest": "0" * 64,
             "details": details}
            for m in self.models
        ]  # fmt: skip
        return Response(json.dumps({"models": models}), mimetype="application/json")

    def _post(self, request: Request) -> Response:
        body = json.loads(request.get_data() or b"{}")
        self.requests.append((request.path, body))
        model = body.get("model") or body.get("name")
        if model not in self.models:
            return Response(json.dumps({"error": f"model '{model}' not found"}), 404, mimetype="application/json")
        if request.path == "/api/show":
            shown = {"modelfile": "", "parameters": "", "template": "", "details": {"family": "gemma3"},
                     "model_info": {}, "capabilities": ["completion"]}  # fmt: skip
            return Response(json.dumps(shown), mimetype="application/json")
        if request.path == "/api/embed":
            inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
            return Response(json.dumps({"model": model, "embeddings": [[0.1, 0.2, 0.3] for _ in inputs]}))
        done = {"model": model, "created_at": "2026-11-29T00:00:00Z", "done": True, "done_reason": "stop",
                "eval_count": len(self.tokens())}  # fmt: skip
        if not body.get("stream", True):
            message = {"role": "assistant", "content": self.reply}
            return Response(json.dumps({**done, "message": message}), mimetype="application/json")
        limit = (body.get("options") or {}).get("num_predict")
        if limit and limit < len(self.tokens()):  # as Ollama does: stop at the length limit, and say so
            done = {**done, "done_reason": "length", "eval_count": limit}
        return Response(self._stream(model, done, limit), mimetype="application/x-ndjson")

    def _stream(self, model: str, done: dict, limit: int | None = None) -> Iterator[bytes]:
        time.sleep(self.first_delay)
        for n, token in enumerate(self.tokens()[:limit]):
            if self.die_after is not None and n >= self.die_after:
                raise ServerGone("the server goes away mid-answer")
            time.sleep(self.token_delay)
            message = {"role": "assistant", "content": token}
            yield (json.dumps({"model": model, "created_at": "2026-11-29T00:00:00Z", "message": message,
                               "done": False}) + "\n").encode()  # fmt: skip
        yield (json.dumps({**done, "message": {"role": "assistant", "content": ""}}) + "\n").encode()


REPLY = "Bærekraftssenteret ble etablert i juni 2020 [1]."


class FaultyOpenAI(_Served):
    """An OpenAI-compatible chat endpoint that fails as asked: "stall" (no byte for `seconds`), "500", or "close"
    (the stream ends after `after` tokens without its end)."""

    def __init__(
        self,
        fault: str,
        seconds: float = 10.0,
        after: int = 3,
        reply: str = "Bærekraftssenteret ble etablert i juni 2020 [1].",
    ) -> None:
        super().__init__("/v1")
        self.fault, self.seconds, self.after, self.reply = fault, seconds, after, reply
        self.server.expect_request("/v1/chat/completions", method="POST").respond_with_handler(self._chat)

    def _chat(self, request: Request) -> Response:
        request.get_data()
        if self.fault == "500":
            error = {"error": {"message": "internal error", "type": "server_error"}}
            return Response(json.dumps(error), 500, mimetype="application/json")
        if self.fault == "stall":
            time.sleep(self.seconds)
        return Response(self._events(), mimetype="text/event-stream")

    def _events(self) -> Iterator[bytes]:
        def event(delta: dict, finish: str | None) -> bytes:
            chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m",
                     "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}  # fmt: skip
            return f"data: {json.dumps(chunk)}\n\n".encode()

        for count, word in enumerate(self.reply.split(" ")):
            if self.fault == "close" and count >= self.after:
                raise ServerGone("the stream ends without its end")
            yield event({"content": word + " "}, None)
        yield event({}, "stop")
        yield b"data: [DONE]\n\n"
