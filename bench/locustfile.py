"""The load test's users (locust): demo personas logged in through the login page, each reading the pages
its role may see. Started by ``bench/bench_load.py``, which seeds the database, starts gunicorn and the
worker, and passes the personas' API tokens in ``BENCH_LOAD_TOKENS`` (a JSON file).

Every request is written to ``BENCH_LOAD_SAMPLES`` (a CSV: start time, page, ms, error) for the bench
to compute its own figures. Every request must answer 200 itself: redirects are not followed, so a lost session (a 302 to the login
page) or a refused page counts as an error, never as a fast success.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import random
import re
import time

from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("BENCH_LOAD_PASSWORD", "Dangjian@2023")
YEAR = os.environ.get("BENCH_LOAD_YEAR", "2023")
TOKENS: dict[str, str] = {}
if os.environ.get("BENCH_LOAD_TOKENS"):
    with open(os.environ["BENCH_LOAD_TOKENS"]) as fh:
        TOKENS = json.load(fh)

# (page name in the figures, path, weight); path None: a person page from the persona's roster;
# HOME: where the home page sends the persona (a member's own page).
HOME = "home"
BUSINESS = [
    ("dashboard", f"/reports/?year={YEAR}", 3),
    ("roster", "/people/", 3),
    ("person", None, 3),
    ("org tree", "/orgs/", 2),
    ("activities", "/activities/", 2),
    ("api members", "/api/v1/members", 2),
]
PAGES = {
    "admin": BUSINESS,
    "liaison1": BUSINESS,
    "jizhuang": BUSINESS,
    "sanhai": BUSINESS,
    # The auditor sees the tree and the audit log, not members; the member their own home page.
    "auditor": [("org tree", "/orgs/", 2), ("audit log", "/audit/", 2), ("api orgs", "/api/v1/orgs", 1)],
    "dangyuan": [("own page", HOME, 2), ("my activities", "/activities/mine/", 1)],
}
# Ten users in every ten: two each of the four business personas, one auditor, one member.
ROTATION = itertools.cycle(
    [
        "admin",
        "liaison1",
        "jizhuang",
        "sanhai",
        "auditor",
        "admin",
        "liaison1",
        "jizhuang",
        "sanhai",
        "dangyuan",
    ]
)
PERSON_LINK = re.compile(r'href="/people/p/(\d+)/"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Persona(HttpUser):
    wait_time = between(
        float(os.environ.get("BENCH_LOAD_WAIT_MIN", "1")), float(os.environ.get("BENCH_LOAD_WAIT_MAX", "3"))
    )

    def on_start(self) -> None:
        self.username = next(ROTATION)
        self.pages = PAGES[self.username]
        self.people: list[str] = []
        login = self.client.get("/accounts/login/", name="login page", allow_redirects=False)
        match = CSRF_INPUT.search(login.text)
        with self.client.post(
            "/accounts/login/",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": match.group(1) if match else "",
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            # A good login redirects to the home page; a bad one answers the form again (200).
            if response.status_code != 302 or "/accounts/" in response.headers.get("Location", ""):
                response.failure(f"{self.username}: login answered {response.status_code}")
        if any(path is None for _, path, _ in self.pages):
            roster = self.client.get("/people/", name="roster", allow_redirects=False)
            self.people = PERSON_LINK.findall(roster.text)
        if any(path == HOME for _, path, _ in self.pages):
            home = self.client.get("/", name="home redirect", allow_redirects=False)
            self.pages = [
                (n, home.headers.get("Location", "/") if p == HOME else p, w) for n, p, w in self.pages
            ]

    @task
    def read_a_page(self) -> None:
        name, path, _ = random.choices(self.pages, weights=[w for _, _, w in self.pages])[0]
        if path is None:
            if not self.people:
                return
            path = f"/people/p/{random.choice(self.people)}/"
        headers = {}
        if path.startswith("/api/"):
            headers["Authorization"] = f"Bearer {TOKENS.get(self.username, '')}"
        with self.client.get(
            path, name=name, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{self.username} {path}: {response.status_code}")


SAMPLES: list[tuple[float, str, float, str]] = []


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, start_time=None, **kwargs):
    SAMPLES.append(
        (start_time or time.time(), name, response_time, "" if exception is None else str(exception))
    )


@events.quitting.add_listener
def _write_samples(environment, **kwargs):
    path = os.environ.get("BENCH_LOAD_SAMPLES")
    if path:
        with open(path, "w", newline="") as fh:
            csv.writer(fh).writerows(SAMPLES)
