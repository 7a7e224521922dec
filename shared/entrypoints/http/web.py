"""The browser pages: `/` (ask), `/documents`, `/dashboard` (analytics), `/api/docs` (Swagger UI), and the files
they load.

Plain HTML, CSS and JavaScript from shared/entrypoints/http/static/ (package data: they ship in the wheel and in the
Lambda function package with shared/), and Swagger UI's own files from the pinned swagger-ui-bundle-v2
package, so nothing is fetched from a CDN and the pages work offline. Every page and asset is served with a
Content-Security-Policy that allows only this origin's scripts, styles and connections (no inline script), and
in AWS mode the documents bucket, where the documents page PUTs files to presigned URLs.

Every URL in the pages is relative (`static/ask.js`, `api/v1/...`), so they keep working when API Gateway
serves the app under a stage prefix (`/prod/`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from swagger_ui_bundle import swagger_ui_path

from shared.entrypoints.http.deps import ApiServices

STATIC = Path(__file__).resolve().parent / "static"
SWAGGER_UI = Path(str(swagger_ui_path))


def content_security_policy(connect_to: str = "") -> str:
    """Scripts, styles, images (Swagger UI's icons are data: URLs) and fetches from this origin only, plus
    `connect_to` (the documents bucket, where AWS mode's uploads go); no plugins, no framing (clickjacking),
    no <base> rewriting, forms post only here."""
    connect = f"'self' {connect_to}".strip()
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src {connect}; font-src 'self'; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'; form-action 'self'")


SECURITY_HEADERS = {"Content-Security-Policy": content_security_policy(), "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}

_MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".png": "image/png", ".svg": "image/svg+xml"}
# What /static/{name} may serve: the project's own files and the three Swagger UI files the docs page loads
# (not the source maps and other bundles the package also carries).
_SWAGGER_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")
PAGES = {"/": "ask.html", "/documents": "documents.html", "/dashboard": "dashboard.html", "/api/docs": "api-docs.html"}

router = APIRouter(include_in_schema=False)


@cache
def _assets() -> dict[str, Path]:
    own = {p.name: p for p in STATIC.iterdir() if p.suffix in _MEDIA_TYPES}
    return {**own, **{f"swagger-ui/{name}": SWAGGER_UI / name for name in _SWAGGER_FILES}}


# The top bar and sign-in card that /, /documents and /dashboard share, put in place of this marker with the
# link to the page itself marked current (a server-side include: the pages have no build step).
_SIGN_IN_MARK = "<!--#signin-->"
_OWN_LINK = {"ask.html": "./", "documents.html": "documents", "dashboard.html": "dashboard"}


@cache
def _page(name: str) -> str:
    page = (STATIC / name).read_text(encoding="utf-8")
    if _SIGN_IN_MARK in page:
        own = f'<a href="{_OWN_LINK[name]}"'
        shared = (STATIC / "signin.fragment.html").read_text(encoding="utf-8")
        page = page.replace(_SIGN_IN_MARK, shared.replace(own, own + ' aria-current="page"', 1))
    return page


def upload_origin(app: FastAPI) -> str | None:
    """Where the documents page sends files in AWS mode: the origin of the bucket's presigned upload URLs
    (None in local mode, where files go to POST /api/v1/documents). Presigning is local: no AWS call."""
    if not hasattr(app.state, "upload_origin"):
        services = getattr(app.state, "services", None)
        urls = services.upload_urls if isinstance(services, ApiServices) else None
        origin = None
        if urls is not None:
            probe = urlsplit(urls.blobs.presign_put("origin-probe", expires_seconds=60))
            origin = f"{probe.scheme}://{probe.netloc}"
        app.state.upload_origin = origin
    return app.state.upload_origin


def _html(request: Request, name: str) -> HTMLResponse:
    page, headers = _page(name), {**SECURITY_HEADERS, "Cache-Control": "no-cache"}
    bucket = upload_origin(request.app)
    if bucket is not None:
        page = page.replace('data-upload="direct"', 'data-upload="presigned"', 1)
        headers["Content-Security-Policy"] = content_security_policy(bucket)
    return HTMLResponse(page, headers=headers)


@router.get("/")
def ask_page(request: Request) -> HTMLResponse:
    return _html(request, PAGES["/"])


@router.get("/documents")
def documents_page(request: Request) -> HTMLResponse:
    return _html(request, PAGES["/documents"])


@router.get("/dashboard")
def dashboard_page(request: Request) -> HTMLResponse:
    return _html(request, PAGES["/dashboard"])


@router.get("/api/docs")
def api_docs_page(request: Request) -> HTMLResponse:
    return _html(request, PAGES["/api/docs"])


@router.get("/static/{name:path}")
def static_file(name: str) -> FileResponse:
    path = _assets().get(name)
    if path is None:
        raise HTTPException(404, "no such file")
    # Revalidated after an hour: the names are not content-hashed, and an upgrade must reach browsers.
    return FileResponse(path, media_type=_MEDIA_TYPES[path.suffix],
                        headers={**SECURITY_HEADERS, "Cache-Control": "public, max-age=3600"})
