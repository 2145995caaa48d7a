"""`create_app` builds the whole web app: settings, database, clock and routes, wired in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backcoach import __version__
from backcoach.app.runtime import Clock, Runtime, create_runtime, utc_now
from backcoach.domain.errors import BackcoachError
from backcoach.settings import Settings
from backcoach.web.errors import api_detail, headers_for, status_for
from backcoach.web.offload import stop_writer

STATIC = Path(__file__).parent / "static"

# Scripts only from this origin (never inline), nothing embeds these pages, and forms only post back here. The
# camera coach's pose runtime is WebAssembly ('wasm-unsafe-eval' compiles it; no 'unsafe-eval') in a worker from
# this origin; connect-src 'self' keeps every frame and landmark on the device (docs/camera.md).
CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; media-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",  # the camera coach, this origin only
}


class SecurityHeaders:
    """Adds the security headers to every response. A plain ASGI middleware: Starlette's decorator-style
    middleware wraps each response in extra tasks and streams, which cost more than the headers themselves."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        personal = scope["path"].startswith(("/api/", "/account", "/calendar"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self.headers if n not in present]
                if personal and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(settings: Settings | None = None, clock: Clock = utc_now, runtime: Runtime | None = None) -> FastAPI:
    runtime_ = runtime or create_runtime(settings, clock=clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        stop_writer(app)
        runtime_.dispose()

    app = FastAPI(
        title="backcoach",
        version=__version__,
        summary="A home coach for lower-back exercises. Not medical advice.",
        docs_url=None,  # the interactive docs load assets from a CDN; the OpenAPI document stays at /openapi.json
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.runtime = runtime_
    from starlette.middleware.gzip import GZipMiddleware

    from backcoach.web import camera

    app.add_middleware(
        GZipMiddleware, minimum_size=800, exclude_content_types=("text/event-stream", *camera.UNCOMPRESSED)
    )

    app.add_middleware(SecurityHeaders)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        if not request.url.path.startswith("/api/"):
            from backcoach.web.pages import invalid_form

            return invalid_form(request, exc)  # type: ignore[return-value]
        detail = [
            {"loc": list(e["loc"]), "msg": str(e["msg"]).removeprefix("Value error, "), "type": e["type"]}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": detail}, status_code=422)

    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") or exc.status_code < 400:
            body = JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
            return body
        from backcoach.web.pages import TITLES, render

        page = render(
            request,
            "error.html",
            None,
            exc.status_code,
            title=TITLES.get(exc.status_code, "Something went wrong"),
            message=str(exc.detail),
        )
        for name, value in (exc.headers or {}).items():
            page.headers[name] = value
        return page

    @app.exception_handler(BackcoachError)
    async def application_error(request: Request, exc: BackcoachError) -> Response:
        """Every application error, mapped once: routes raise, this answers (web/errors.py says how)."""
        status = status_for(exc)
        if request.url.path.startswith("/api/"):
            detail = api_detail(exc, request.method)
            return JSONResponse({"detail": detail}, status_code=status, headers=headers_for(exc))
        from backcoach.web.pages import render_error

        return render_error(request, exc, status)

    from backcoach.web import (
        account_pages,
        api,
        catalogue_pages,
        clinic_api,
        clinic_pages,
        follow_api,
        history_pages,
        learn,
        link_pages,
        onboarding_pages,
        outcome_pages,
        pages,
        player,
        programs_api,
        pwa,
        today_pages,
    )

    app.include_router(api.router)
    app.include_router(clinic_api.router)
    app.include_router(link_pages.router)
    areas = (account_pages, onboarding_pages, today_pages, player, history_pages, catalogue_pages, outcome_pages, learn)
    for area in areas:
        app.include_router(area.router)
    app.include_router(learn.api_router)
    app.include_router(pwa.router)
    app.include_router(programs_api.router)
    app.include_router(follow_api.router)
    app.include_router(clinic_pages.router)
    from backcoach.web import handout_api, prescribe_pages

    app.include_router(handout_api.router)
    app.include_router(camera.router)
    app.include_router(prescribe_pages.router)
    learn.install(pages.templates())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def app_factory() -> FastAPI:
    """For `uvicorn --factory` and every server worker: settings from the environment."""
    return create_app()
