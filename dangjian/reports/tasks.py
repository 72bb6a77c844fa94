"""The figure store's background task: the worker recomputes what writes marked."""

from __future__ import annotations

from django_tasks import task


@task()
def refresh_figures() -> None:
    from .figures import refresh

    refresh()


def queue_refresh() -> None:
    refresh_figures.enqueue()
