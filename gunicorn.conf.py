"""gunicorn settings for `make serve`: the timeline in production mode behind a TLS proxy.

Everything can be changed from the environment: PORT (8000), WEB_CONCURRENCY (workers: two per
CPU plus one, at most 8), GUNICORN_TIMEOUT (30 s), GUNICORN_ACCESSLOG ("-" for stdout, empty
for none), DB_WORKER (1: the master also runs `manage.py db_worker`, the background worker for
spreadsheet imports; 0 where a service manager runs workers of its own). It listens on 127.0.0.1
only; the proxy in front of it terminates TLS and passes
X-Forwarded-Proto (set BEHIND_PROXY=1 for Django to trust it).
"""

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
# Sync workers: every request is short (indexed queries, a cache), so one per core and a spare
# keeps the CPUs busy; capped because each worker holds its own database connection and cache.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 8))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Import Django once in the master: workers fork ready to serve, and a broken setting stops
# the start instead of every worker dying in turn.
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
# A request line longer than this (a megabyte of query string, say) is refused with a 400
# before Django sees it; the views refuse anything over 16 KB themselves.
limit_request_line = 8190
# No runtime control socket (gunicorn 25+): one fixed path per user would be shared by every
# instance on the machine; signals and the service manager do the same job.
control_socket_disable = True
# The proxy on this machine may say which scheme the reader used.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


_background_worker: subprocess.Popen | None = None


def _start_background_worker(server) -> None:
    """One `manage.py db_worker` beside the web workers, for as long as the master runs: an
    import runs there, never inside a request that gunicorn's timeout would kill."""
    global _background_worker
    if os.environ.get("DB_WORKER", "1") == "0":
        return
    manage = Path(__file__).resolve().parent / "manage.py"
    _background_worker = subprocess.Popen([sys.executable, str(manage), "db_worker"])
    server.log.info("Background worker started (pid %s)", _background_worker.pid)


def on_exit(server) -> None:
    if _background_worker is not None and _background_worker.poll() is None:
        # SIGTERM: the worker finishes the import it is running (or it rolls back) and stops.
        _background_worker.terminate()
        try:
            _background_worker.wait(timeout=graceful_timeout)
        except subprocess.TimeoutExpired:
            _background_worker.kill()


def when_ready(server) -> None:
    """Start the background worker; build the in-memory event index (timeline/query/index.py)
    once, before the workers fork.

    Every worker then starts with it (the arrays are shared, copy-on-write) instead of each
    building its own while the first readers wait; after an edit each worker rebuilds its own
    on its next request.
    """
    _start_background_worker(server)
    from django.conf import settings

    if not settings.configured:  # preload_app switched off: nothing loaded yet
        return
    from django.db import connections

    from timeline.query import index

    try:
        index.current()
    except Exception:
        server.log.exception("Could not build the event index; each worker will on its first request")
    finally:
        connections.close_all()  # no connection may be shared with the forked workers
