import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks

ROOT = Path(__file__).resolve().parents[3]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_deploy_check_refuses_the_generated_development_keys(settings):
    settings.DEBUG = True  # the test runner turns it off; development leaves it on
    ids = {message.id for message in run_checks(include_deployment_checks=True)}
    assert {"dangjian.E001", "dangjian.E002", "dangjian.E003"} <= ids


def test_deploy_check_passes_our_checks_with_real_keys(settings):
    settings.SECRET_KEY = "x" * 60
    settings.PII_DEV_KEYS_IN_USE = False
    settings.DEBUG = False
    ids = {message.id for message in run_checks(include_deployment_checks=True)}
    assert not ids & {"dangjian.E001", "dangjian.E002", "dangjian.E003"}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG='maybe' is not a boolean"),
        ("DANGJIAN_IDLE_TIMEOUT_MINUTES", "half an hour", "is not a whole number"),
        ("DANGJIAN_IDLE_TIMEOUT_MINUTES", "0", "must be at least 1"),
        ("DANGJIAN_PII_KEYS", "not-a-key", "not a Fernet key"),
    ],
)
def test_a_bad_setting_stops_the_start_and_names_itself(name, value, message):
    result = run_manage("check", **{name: value})
    assert result.returncode != 0
    assert message in result.stderr
