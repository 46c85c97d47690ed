"""ASGI middleware: the request-body limit (413) and CORS whose refusals are problem+json."""

from __future__ import annotations

from fastapi.middleware.cors import CORSMiddleware

from service.api.errors import problem


class BodyLimit:
    """Refuse bodies over the limit with 413: at once when Content-Length says so, otherwise by counting the
    bytes as they arrive (a chunked body has no Content-Length). The body is at most `limit` bytes, so it
    is held here and replayed to the app."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and not length.isdigit():
            await problem(400, "Content-Length header is not a number")(scope, receive, send)
            return
        if length is not None and int(length) > self.limit:
            await problem(413, f"request body over {self.limit} bytes")(scope, receive, send)
            return
        received: list[dict] = []
        size = 0
        while True:
            message = await receive()
            received.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.limit:
                await problem(413, f"request body over {self.limit} bytes")(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay():
            return received.pop(0) if received else await receive()

        await self.app(scope, replay, send)


class CORS(CORSMiddleware):
    """Starlette's CORS middleware, but a refused preflight answers problem+json like every other 4xx."""

    def preflight_response(self, request_headers):
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        refused = problem(response.status_code, f"{response.body.decode()}: this origin, method or header is "
                                                "not allowed to call the API from a browser")
        for key in ("vary", "access-control-allow-methods", "access-control-max-age",
                    "access-control-allow-headers"):
            if key in response.headers:
                refused.headers[key] = response.headers[key]
        return refused
