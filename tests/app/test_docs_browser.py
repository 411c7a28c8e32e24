"""The docs page in a real browser, on a machine that reaches no other host.

Headless Chromium, driven by Selenium through the system's chromedriver, opens /api/v1/docs
served by a real local server (an app on a migrated SQLite database with one householder). It
signs in through "Authorize" with a token from the login endpoint, runs GET /api/v1/me with
"Try it out" and "Execute", and sees the 200. Chromium resolves no host name but the server's,
and every request the page made (Chrome's network events) must have gone to the server.

Needs Debian's ``chromium`` and ``chromium-driver`` and the ``browser`` extra (selenium): it
skips without them, except under CI=true, where it fails (.ci/run installs them).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import urllib.request
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from tests import factories
from tests.conftest import migrated_app

try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # the browser extra is not installed
    webdriver = None

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
REQUIRED = os.environ.get("CI", "").lower() == "true"
HOST = "127.0.0.1"
WAIT_SECONDS = 30


def _unavailable() -> str | None:
    if webdriver is None:
        return "selenium is not installed (pip install -e '.[browser]')"
    if not CHROMIUM or not CHROMEDRIVER:
        return "Chromium or chromedriver is not installed (apt-get install chromium chromium-driver)"
    return None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a real HTTP server at 127.0.0.1; yields its base URL and a householder."""
    with migrated_app("sqlite", tmp_path_factory, "hs_docs") as application:
        make = factories.Factories(application)
        person = make.householder(make.scheme())
        http = make_server(HOST, 0, application, threaded=True)
        thread = threading.Thread(target=http.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://{HOST}:{http.server_port}", person
        finally:
            http.shutdown()
            thread.join()


@pytest.fixture(scope="module")
def browser():
    reason = _unavailable()
    if reason:
        if REQUIRED:
            pytest.fail(f"the docs page's browser test is required under CI=true: {reason}")
        pytest.skip(reason)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
        "--disable-extensions", "--disable-background-networking", "--disable-component-update",
        # Offline but for the server: any other host name fails to resolve.
        f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {HOST}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    # The driver's path is given, so Selenium skips Selenium Manager: nothing is looked up or downloaded.
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(WAIT_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()


def _login(base_url: str, person: factories.Person) -> str:
    request = urllib.request.Request(
        f"{base_url}/api/v1/auth/login", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"email": person.email, "password": person.password}).encode(),
    )
    with urllib.request.urlopen(request, timeout=WAIT_SECONDS) as response:
        assert response.status == 200
        return json.load(response)["access_token"]


def _requested_urls(driver) -> list[str]:
    """Every URL the page asked for since the last call (Chrome's Network.requestWillBeSent)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _scrolled_to(wait, xpath: str):
    """The element, once Swagger UI rendered it: it renders the operations near the viewport only,
    so scroll down until it shows."""

    def rendered(driver):
        found = driver.find_elements(By.XPATH, xpath)
        if found:
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", found[0])
            return found[0]
        driver.execute_script("window.scrollBy(0, window.innerHeight / 2)")
        return False

    return wait.until(rendered)


def _click(wait, selector: str):
    element = wait.until(shown.element_to_be_clickable((By.CSS_SELECTOR, selector)))
    element.click()
    return element


def test_the_docs_page_signs_in_and_runs_a_request_without_leaving_the_host(browser, server):
    base_url, person = server
    token = _login(base_url, person)
    wait = WebDriverWait(browser, WAIT_SECONDS, poll_frequency=0.1)

    browser.get(f"{base_url}/api/v1/docs")
    try:
        wait.until(shown.presence_of_element_located((By.CSS_SELECTOR, ".opblock")))
    except TimeoutException:
        pytest.fail(f"Swagger UI did not show the operations; console: {browser.get_log('browser')}")
    assert browser.title == "Homeshare API"

    _click(wait, ".auth-wrapper button.authorize")
    wait.until(shown.visibility_of_element_located((By.CSS_SELECTOR, ".modal-ux input"))).send_keys(token)
    _click(wait, ".modal-ux button.modal-btn.auth.authorize")
    wait.until(shown.presence_of_element_located((By.CSS_SELECTOR, ".modal-ux button.modal-btn.auth.btn-done")))
    _click(wait, ".modal-ux button.modal-btn.auth.btn-done")
    wait.until(shown.invisibility_of_element_located((By.CSS_SELECTOR, ".modal-ux")))

    operation = _scrolled_to(wait, "//div[contains(@class, 'opblock-get')][.//*[@data-path='/api/v1/me']]")
    operation.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
    _click(wait, f"#{operation.get_attribute('id')} button.try-out__btn")
    _click(wait, f"#{operation.get_attribute('id')} button.execute")
    status = wait.until(shown.visibility_of_element_located(
        (By.CSS_SELECTOR, f"#{operation.get_attribute('id')} .live-responses-table tr.response .response-col_status")))
    assert status.text.strip() == "200"
    body = operation.find_element(By.CSS_SELECTOR, ".live-responses-table tr.response .response-col_description").text
    assert person.email in body  # the token was sent: it is the householder's own account

    requested = _requested_urls(browser)
    origin = urlsplit(base_url)
    elsewhere = [url for url in requested
                 if urlsplit(url).scheme != "data" and urlsplit(url)[:2] != origin[:2]]
    assert elsewhere == []
    paths = {urlsplit(url).path for url in requested}
    assert {"/api/v1/docs", "/api/v1/docs/assets/swagger-ui-bundle.js", "/api/v1/docs/assets/swagger-ui.css",
            "/api/v1/docs/assets/swagger-initializer.js", "/api/v1/openapi.json", "/api/v1/me"} <= paths
    # No script error and nothing the Content-Security-Policy refused.
    assert [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"] == []
