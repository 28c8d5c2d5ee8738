"""Gunicorn settings for the container and for `make run` (which overrides bind and workers).

Each name below is a gunicorn setting; the environment tunes the ones that depend on the box
(an empty variable counts as unset).
"""

import os

# Every interface inside a container; `make run` passes --bind 127.0.0.1:8000 itself.
bind = os.environ.get("GUNICORN_BIND") or "0.0.0.0:8000"

# A sync worker serves one request at a time, so workers are the concurrency. Measured on 2
# CPUs (README, Performance): sync workers beat gthread ones, and one worker per CPU beat
# 2 x CPUs + 1. With PostgreSQL on the same CPUs, four workers made every uncached request
# cost a third more CPU than two (more processes taking turns on each CPU's caches), and
# serving from the cache gained nothing. At least 2, so that a slow request (a sign-in's
# password hash) does not hold up every other; at most 4: os.cpu_count() in a container
# sees the host's CPUs, not its quota, and every worker holds up to DB_POOL_SIZE +
# DB_MAX_OVERFLOW database connections.
# sched_getaffinity (Linux) honours a cpuset; macOS, for `make run`, has only cpu_count.
_usable_cpus = (
    len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
)
workers = int(os.environ.get("WEB_CONCURRENCY") or min(max(_usable_cpus, 2), 4))
# Above 1, gunicorn runs the gthread worker; keep DB_POOL_SIZE + DB_MAX_OVERFLOW >= threads.
threads = int(os.environ.get("GUNICORN_THREADS") or 1)

# A request silent for this long has its worker killed and replaced.
timeout = 30
# On SIGTERM, in-flight requests get this long to finish; docker-compose.yml's
# stop_grace_period must stay longer, or Docker kills the workers mid-request.
graceful_timeout = 30
# Only gthread keeps connections alive; a proxy in front reuses them for this long.
keepalive = 5

# Workers are not recycled unless GUNICORN_MAX_REQUESTS asks (replace each after about that
# many requests, staggered by a tenth). Memory stays flat at ~90 MB per worker through a
# whole `make bench`, and a replacement costs ~0.8 s of CPU and a cold worker: recycled
# every 20,000 requests, the cached pages' p99 rose from ~25 ms to 130-820 ms (README,
# Performance). A slow leak, should one appear, is what the setting is for.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS") or 0)
max_requests_jitter = max_requests // 10

# Off: each worker imports the app after the fork, so no pooled connection or client socket
# is ever shared between processes, and a SIGHUP reload picks up new code.
preload_app = False

# The workers' heartbeat files; /dev/shm is memory, where a container's overlay disk can
# stall the heartbeat and get healthy workers killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# The app writes its own request log line; gunicorn's errors and lifecycle go to stderr.
accesslog = None
errorlog = "-"
loglevel = "info"

# The app's ProxyFix (TRUSTED_PROXIES) is the one place that trusts X-Forwarded-*; gunicorn
# would otherwise also take X-Forwarded-Proto from any client on loopback.
forwarded_allow_ips = ""

# The control socket defaults to one fixed path per user (~/.gunicorn/gunicorn.ctl): several
# instances on one machine (tests, benchmarks, replicas) would take it from one another,
# and the container's user has no home to write it in. Signals do the same job.
control_socket_disable = True
