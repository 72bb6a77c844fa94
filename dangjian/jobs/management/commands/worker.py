"""``manage.py worker``: the task backend's worker plus the daily schedule, in one process.

With the database backend (the default) it runs django-tasks-db's worker loop; with RQ
(``DANGJIAN_TASKS=rq``) an RQ worker on the configured Redis. Beside it a thread ticks the schedule
every minute: it reaps jobs whose worker died and queues the day's periodic items. ``--batch`` runs
what is queued and exits (cron, tests).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, connections

from dangjian.jobs import schedule
from dangjian.jobs.runner import reap, worker_name

logger = logging.getLogger("dangjian.jobs")


class Command(BaseCommand):
    help = "运行后台任务进程（任务队列与每日定时任务）"

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="处理完已排队的任务后退出")
        parser.add_argument("--no-schedule", action="store_true", help="不运行每日定时任务")
        parser.add_argument("--interval", type=float, default=1.0, help="空闲时查询新任务的间隔（秒）")
        parser.add_argument("--tick", type=float, default=60.0, help="定时任务检查间隔（秒）")

    def handle(
        self, *args: Any, batch: bool, no_schedule: bool, interval: float, tick: float, **options: Any
    ) -> None:
        if options["verbosity"] > 1:
            logging.getLogger("dangjian.jobs").setLevel(logging.INFO)
        # A restarted worker first takes back what its dead predecessor left running.
        reap()
        if not no_schedule:
            if batch:
                schedule.tick()
            else:
                threading.Thread(target=self._schedule_loop, args=(tick,), daemon=True).start()
        if settings.TASKS_BACKEND == "rq":
            self._run_rq(batch)
        elif settings.TASKS_BACKEND == "db":
            self._run_db(batch, interval)
        else:
            self.stderr.write("DANGJIAN_TASKS=immediate 时任务在请求中执行，无需后台进程。")

    def _schedule_loop(self, every: float) -> None:
        stop = threading.Event()
        while not stop.wait(0 if every <= 0 else 1) and True:
            try:
                schedule.tick()
            except Exception:
                logger.exception("schedule tick failed")
            finally:
                connection.close()  # this thread's own connection; never hold it between ticks
            stop.wait(every)

    def _run_db(self, batch: bool, interval: float) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(
            queue_names=["default"],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=not batch,
            max_tasks=None,
            worker_id=worker_name()[:64],
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            worker.reset_signals()

    def _run_rq(self, batch: bool) -> None:
        import django_rq
        from django_tasks_rq.backend import Job as TaskJob
        from rq import SimpleWorker, Worker

        # Batch mode works in this process (tests share its database connection); otherwise RQ forks
        # a work horse per job, so a crash in a job never takes the worker down.
        class ForkingWorker(Worker):
            def fork_work_horse(self, job: Any, queue: Any) -> None:
                # The work horse opens a database session of its own: one inherited through fork()
                # is the worker's too, and two processes writing to one socket, or preparing
                # statements the other does not know of (core.rows.fetch), break each other.
                connections.close_all()
                super().fork_work_horse(job, queue)

        worker_class = SimpleWorker if batch else ForkingWorker
        # django_rq annotates worker_class as rq's Worker; rq 2's SimpleWorker is a sibling (BaseWorker).
        worker = django_rq.get_worker("default", worker_class=worker_class, job_class=TaskJob)  # type: ignore[arg-type]
        worker.work(burst=batch, with_scheduler=not batch, logging_level="WARNING")
