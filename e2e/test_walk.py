"""Every demo persona walks every page its menus, tabs and buttons link to.

A breadth-first crawl of same-origin links (GET only) from the home page, one representative page
per URL pattern (ids and org codes replaced), bounded per persona so it runs in minutes on two cores.
It fails on any console error (a CSP violation is one) or uncaught script error, and on any link that
answers 4xx/5xx to the persona who was shown it. Downloads and exports are not opened in the browser
but still requested, so a dead export link fails too.
"""

import os
import re
from collections import deque
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from dangjian.accounts.seed import DEMO_USERS

from .conftest import login

pytestmark = pytest.mark.e2e

MAX_PAGES = int(os.environ.get("WALK_MAX_PAGES", 150))  # pages opened in the browser per persona
MAX_CHECKS = 20  # downloads and exports requested per persona

# Answered with a file, not a page: requested for its status only.
_DOWNLOAD = re.compile(
    r"(\.(xlsx|xls|csv|pdf|docx|svg|png|jpe?g|zip|jsonl)$)|/(xlsx|pdf|docx|csv|export|download|file|qr)(/|\.|$)"
)
_DOWNLOAD_QUERY = re.compile(r"(^|&)(export|format|download)=")
# Never followed: leaving the session, the API's machine endpoints, Django's own admin.
_SKIP = re.compile(r"^/(accounts/logout|django-admin|static|media)/")


def url_pattern(url: str) -> str:
    """The URL with ids, years, org codes and tokens replaced, and only the query's keys kept."""
    parts = urlsplit(url)
    segments = []
    for seg in parts.path.split("/"):
        if re.fullmatch(r"\d+", seg):
            seg = "{n}"
        elif re.fullmatch(r"[A-Z]{2,}(-[A-Z0-9]+)*", seg):
            seg = "{code}"
        elif len(seg) >= 24:
            seg = "{token}"
        segments.append(seg)
    # Query strings mostly pick an org, a year or a filter of the same page; only a download differs.
    keys = sorted(
        {k for k, _ in parse_qsl(parts.query, keep_blank_values=True)} & {"export", "format", "download"}
    )
    return "/".join(segments) + ("?" + "&".join(keys) if keys else "")


def _same_origin_links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    found = []
    origin = urlsplit(base)
    for href in hrefs:
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        absolute = urljoin(page.url, href)
        parts = urlsplit(absolute)
        if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
            continue
        found.append(urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, "")))
    return found


def walk(page, base: str) -> tuple[list[str], int]:
    """Crawl from the home page; returns the problems found and the number of pages opened."""
    problems: list[str] = []
    current = {"url": ""}

    def on_console(msg):
        if msg.type == "error":
            problems.append(f"{current['url']}: console: {msg.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"{current['url']}: script error: {exc}"))

    def on_response(response):
        # The console says only "Failed to load resource"; this names it.
        if response.status >= 400 and response.request.resource_type != "document":
            problems.append(f"{current['url']}: resource {response.url}: {response.status}")

    page.on("response", on_response)

    seen_patterns: set[str] = set()
    queue: deque[tuple[str, str]] = deque([(f"{base}/", "(start)")])
    seen_patterns.add(url_pattern(f"{base}/"))
    opened = checked = 0
    while queue and opened < MAX_PAGES:
        url, source = queue.popleft()
        parts = urlsplit(url)
        if (
            _DOWNLOAD.search(parts.path)
            or _DOWNLOAD_QUERY.search(parts.query)
            or parts.path.startswith("/api/")
        ):
            if checked < MAX_CHECKS:
                checked += 1
                status = page.request.get(url, max_redirects=0, timeout=120_000).status
                if status >= 400:
                    problems.append(f"{url} (linked from {source}): {status}")
            continue
        current["url"] = url
        try:
            response = page.goto(url, wait_until="load")
        except PlaywrightError as exc:
            if "Download is starting" not in str(exc):
                raise
            status = page.request.get(url, max_redirects=0, timeout=120_000).status
            if status >= 400:
                problems.append(f"{url} (linked from {source}): {status}")
            continue
        opened += 1
        status = response.status if response else 0
        if status >= 400:
            problems.append(f"{url} (linked from {source}): {status}")
            continue
        for link in _same_origin_links(page, base):
            if _SKIP.search(urlsplit(link).path):
                continue
            key = url_pattern(link)
            if key in seen_patterns:
                continue
            seen_patterns.add(key)
            queue.append((link, url))
    print(f"opened {opened} pages, requested {checked} downloads, {len(queue)} links left unvisited")
    return problems, opened


@pytest.mark.parametrize("username", [u[0] for u in DEMO_USERS])
def test_persona_walks_every_linked_page_without_errors(browser, server_url, username):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        login(page, server_url, username)
        assert "/accounts/login/" not in page.url, f"{username} could not log in"
        problems, opened = walk(page, server_url)
    finally:
        context.close()
    assert opened >= 2, f"{username} reached only {opened} page(s)"
    assert not problems, f"{username}: " + "\n".join(problems)
