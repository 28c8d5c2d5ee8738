"""Gunicorn settings for the container and for `make run` (which overrides bind and workers).

Each name below is a gunicorn setting; the environment tunes the ones that depend on the box
(an empty variable counts as unset).
"""

import os

# Every interface inside a container; `make run` passes --bind 127.0.0.1:8000 itself.
bind = os.environ.get("GUNICORN_BIND") or "0.0.0.0:8000"

# A sync worker serves one request at a time, so workers are the concurrency. One worker per
# CPU beat both gthread workers and 2 x CPUs + 1 (README, Performance: Gunicorn workers):
# more processes than CPUs take turns on each CPU's caches. At least 2, so that a slow
# request (a sign-in's password hash) does not hold up every other; at most 4:
# os.cpu_count() in a container sees the host's CPUs, not its quota, and every worker holds
# up to 2 x (DB_POOL_SIZE + DB_MAX_OVERFLOW) database connections (README).
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
# many requests, staggered by a tenth): memory stays flat through a whole `make bench`, and
# each replacement is a cold worker, which shows in the p99 (README, Performance). A slow
# leak, should one appear, is what the setting is for.
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
