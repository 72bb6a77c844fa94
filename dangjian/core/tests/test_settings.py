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


# ---------------------------------------------------------------- deploy/


def _template_variables() -> set[str]:
    import re

    text = (ROOT / "deploy" / "dangjian.env.example").read_text()
    return set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_every_variable_of_the_deploy_template_is_one_the_settings_read():
    read = (ROOT / "config" / "settings.py").read_text() + (ROOT / "dangjian/core/backup.py").read_text()
    assert sorted(name for name in _template_variables() if f'"{name}"' not in read) == []


def test_the_readme_documents_the_same_variables_as_the_deploy_template():
    import re

    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = {
        name
        for line in table.splitlines()
        if line.startswith("| `")
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1])
    }
    make_run_only = {"PORT", "WORKERS"}  # the Makefile's, not the settings'
    assert sorted(documented - make_run_only) == sorted(_template_variables())


def test_the_deploy_template_with_its_keys_filled_in_passes_the_deploy_check(tmp_path):
    import re
    import secrets

    from cryptography.fernet import Fernet

    env = {}
    for line in (ROOT / "deploy" / "dangjian.env.example").read_text().splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]+)=(.*)$", line)
        if match:
            env[match[1]] = match[2]
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DANGJIAN_PII_KEYS=Fernet.generate_key().decode(),
        DANGJIAN_BACKUP_KEY=Fernet.generate_key().decode(),
        DANGJIAN_PII_INDEX_KEY=secrets.token_hex(32),
        DANGJIAN_AUDIT_KEY=secrets.token_hex(32),
        # Where this test may write; the database is not opened by the check.
        DANGJIAN_VAR_DIR=str(tmp_path),
        DANGJIAN_MEDIA_ROOT=str(tmp_path / "media"),
        DANGJIAN_AUDIT_CHECKPOINT_FILE=str(tmp_path / "checkpoints.jsonl"),
    )
    assert "CHANGE-ME" not in "".join(v for k, v in env.items() if k != "DATABASE_URL")
    done = run_manage("check", "--deploy", DANGJIAN_TEST_DB="", **env)
    assert done.returncode == 0, done.stderr
    # Left: HSTS for subdomains and the browsers' preload list, a choice for the zone's own domain.
    assert set(re.findall(r"\((\w+\.\w+)\)", done.stderr + done.stdout)) <= {"security.W005", "security.W021"}


def test_the_app_server_loads_the_urls_at_start_and_freezes_what_it_loaded():
    """config.wsgi, as gunicorn imports it in each worker: the URLs are loaded before the first
    request, and the objects loaded so far are out of the cyclic collector's reach (gc.freeze)."""
    code = (
        "import gc, sys; import config.wsgi; "
        "print(gc.get_freeze_count() > 100_000, 'dangjian.api.api' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**os.environ}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]


def test_starting_django_leaves_what_only_an_export_or_a_job_needs_unloaded():
    """Every command and worker runs django.setup(): the workbook writer, the payout services and
    the roster's importers are imported when an export or a job runs, not by the apps' ready()."""
    later = ("xlsxwriter", "dangjian.payouts.services", "dangjian.people.importers")
    code = f"import django, sys; django.setup(); print([m for m in {later!r} if m in sys.modules])"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
