"""The tasks the backends carry. Keep them thin: the work is in ``runner`` and the apps' handlers."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: int, step: str) -> None:
    from .runner import execute

    execute(job_id, step)


@task()
def run_daily(name: str, day: str) -> None:
    from .schedule import run_item

    run_item(name, day)
