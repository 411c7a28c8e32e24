"""The interactive docs page (/api/v1/docs) is served whole by the service: Swagger UI's files
come from its own origin, never from a CDN, and its Content-Security-Policy allows nothing else.
tests/app/test_docs_browser.py opens it in a real browser."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from homeshare.common.requests import API_CONTENT_SECURITY_POLICY
from homeshare.extensions import SWAGGER_UI_DIST
from tests.helpers import assert_problem

DOCS = "/api/v1/docs"
JAVASCRIPT = {"text/javascript", "application/javascript"}


class References(HTMLParser):
    """Every URL the page names in an attribute (src, href, and any other)."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.inline_scripts = 0
        self._in_script_without_src = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href", "action", "data", "poster"):
            if attrs.get(name) is not None:
                self.urls.append((tag, attrs[name]))
        self._in_script_without_src = tag == "script" and "src" not in attrs
        if any(name.startswith("on") for name in attrs):
            self.inline_scripts += 1

    def handle_data(self, data):
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag):
        self._in_script_without_src = False


def _references(html: str) -> References:
    parser = References()
    parser.feed(html)
    return parser


def _policy(header: str) -> dict[str, list[str]]:
    directives = {}
    for directive in header.split(";"):
        name, *sources = directive.split()
        directives[name] = sources
    return directives


def test_the_page_is_html_naming_only_files_of_its_own_origin(client):
    response = client.get(DOCS)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = _references(response.get_data(as_text=True))
    assert page.inline_scripts == 0
    assert {tag for tag, _ in page.urls} == {"link", "script"}
    for _, url in page.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, url  # no other host, not even protocol-relative
        assert parts.path.startswith(f"{DOCS}/assets/"), url
        assert parts.query.startswith("v="), url  # names the content, so browsers may cache it
    assert 'data-spec-url="/api/v1/openapi.json"' in response.get_data(as_text=True)


@pytest.mark.parametrize("name, mimetypes", [
    ("swagger-ui-bundle.js", JAVASCRIPT),
    ("swagger-initializer.js", JAVASCRIPT),
    ("swagger-ui.css", {"text/css"}),
    ("favicon-32x32.png", {"image/png"}),
])
def test_every_file_the_page_names_is_served_with_its_type(client, name, mimetypes):
    page = _references(client.get(DOCS).get_data(as_text=True))
    [url] = [url for _, url in page.urls if urlsplit(url).path == f"{DOCS}/assets/{name}"]
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype in mimetypes
    assert response.headers["X-Content-Type-Options"] == "nosniff"  # a wrong type would not run
    assert response.headers["Cache-Control"] == "public, max-age=31536000"
    assert len(response.data) > 0


def test_swagger_ui_is_the_pinned_package_with_its_licence(client):
    served = client.get(f"{DOCS}/assets/swagger-ui-bundle.js")
    assert served.data == (SWAGGER_UI_DIST / "swagger-ui-bundle.js").read_bytes()
    assert "Apache License, Version 2.0" in (SWAGGER_UI_DIST / "LICENSE").read_text()
    assert (SWAGGER_UI_DIST / "VERSION").read_text().strip() == "v5.34.0"


def test_the_initializer_asks_nothing_of_another_host(client):
    script = client.get(f"{DOCS}/assets/swagger-initializer.js").get_data(as_text=True)
    assert "http:" not in script and "https:" not in script and "//" + "cdn" not in script
    assert "validatorUrl: null" in script  # Swagger UI's default sends the spec's URL to a public validator


def test_only_the_named_files_are_served(client):
    for name in ("LICENSE", "oauth2-redirect.html", "swagger_ui.html", "index.css", "..%2Fextensions.py"):
        assert_problem(client.get(f"{DOCS}/assets/{name}"), 404)


def test_the_page_allows_its_own_origin_only(client):
    policy = _policy(client.get(DOCS).headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"]
    for directive in ("script-src", "style-src", "connect-src"):
        assert policy[directive] == ["'self'"], directive
    # swagger-ui.css draws two icons as data: images, inside the stylesheet itself.
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == policy["base-uri"] == policy["form-action"] == ["'none'"]
    sources = {source for values in policy.values() for source in values}
    assert sources == {"'self'", "'none'", "data:"}  # no host, no 'unsafe-inline', no 'unsafe-eval'


def test_everything_else_keeps_the_api_policy(client):
    for path in (f"{DOCS}/assets/swagger-ui-bundle.js", f"{DOCS}/", "/api/v1/openapi.json", "/api/v1/me",
                 "/healthz"):
        assert client.get(path).headers["Content-Security-Policy"] == API_CONTENT_SECURITY_POLICY, path


def test_the_trailing_slash_redirects_to_the_page(client):
    response = client.get(f"{DOCS}/")
    assert response.status_code == 308
    assert response.headers["Location"] == DOCS
    assert client.get(f"{DOCS}/", follow_redirects=True).request.path == DOCS
