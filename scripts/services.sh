#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis on loopback for the test suite.
#
#   scripts/services.sh start   wipe any previous state, install what is missing, start both
#   scripts/services.sh stop    stop both (only what this script started) and remove the state
#   scripts/services.sh env     print the exports the tests read
#
# CONDUIT_TEST_PG_PORT, CONDUIT_TEST_REDIS_PORT and CONDUIT_SERVICES_DIR let a second set
# (`make bench`) run beside the tests' own. Everything lives in .services/ at the repo root
# unless CONDUIT_SERVICES_DIR names another directory; nothing is persisted (fsync off, no
# Redis snapshots) because the data is thrown away after every run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${CONDUIT_SERVICES_DIR:-$ROOT/.services}"
PG_PORT="${CONDUIT_TEST_PG_PORT:-55432}"
REDIS_PORT="${CONDUIT_TEST_REDIS_PORT:-56379}"
PG_USER=conduit
START_TIMEOUT=30
POLICY_RC=/usr/sbin/policy-rc.d

log() { echo "services: $*" >&2; }
die() { log "$*"; exit 1; }
is_root() { [[ $EUID -eq 0 ]]; }

print_env() {
    echo "export DATABASE_URL=postgresql://$PG_USER@127.0.0.1:$PG_PORT/conduit_test"
    echo "export MIGRATIONS_DATABASE_URL=postgresql://$PG_USER@127.0.0.1:$PG_PORT/conduit_test_migrations"
    echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
}

# Debian keeps the server binaries off PATH, one directory per major version; take the newest.
pg_bindir() {
    local initdb
    initdb="$(printf '%s\n' /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)"
    [[ -x "$initdb" ]] || initdb="$(command -v initdb || true)"
    [[ -n "$initdb" ]] && dirname "$initdb"
}

# initdb and postgres refuse to run as root, and CI runs as root. From / because the
# postgres user may not be allowed into the caller's working directory.
as_pg_owner() {
    if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

install_missing() {
    local missing=()
    pg_bindir >/dev/null || missing+=(postgresql)
    command -v redis-server >/dev/null || missing+=(redis-server)
    # The cluster tests (tests/cluster/) run their own PgBouncer and HAProxy.
    [[ -x /usr/sbin/pgbouncer ]] || missing+=(pgbouncer)
    [[ -x /usr/sbin/haproxy ]] || missing+=(haproxy)
    [[ ${#missing[@]} -eq 0 ]] && return 0

    local cmd="DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
    if ! is_root || ! command -v apt-get >/dev/null; then
        die "missing ${missing[*]}; install with: sudo apt-get update && sudo $cmd"
    fi

    # The packages' maintainer scripts start system services (postgres on 5432, redis on
    # 6379, pgbouncer on 6432, haproxy); a policy-rc.d that exits 101 forbids that. Leave an
    # existing one alone.
    if [[ ! -e $POLICY_RC ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$POLICY_RC"
        chmod 755 "$POLICY_RC"
        trap 'rm -f "$POLICY_RC"' EXIT
    fi
    log "installing ${missing[*]}"
    apt-get update
    env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

wait_for() {
    local what="$1"; shift
    local deadline=$((SECONDS + START_TIMEOUT))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || die "$what not ready after ${START_TIMEOUT}s"
        sleep 0.2
    done
}

start_postgres() {
    local bindir pghome locale=C
    bindir="$(pg_bindir)"
    pghome="$STATE/pg"
    mkdir -p "$pghome"
    if is_root; then
        chown postgres: "$pghome"
        # The postgres user must be able to reach the repo (not so under /root); if it
        # cannot, keep the cluster in /tmp and remember where.
        if ! runuser -u postgres -- test -w "$pghome"; then
            rmdir "$pghome"
            pghome="$(mktemp -d /tmp/conduit-pg.XXXXXX)"
            chown postgres: "$pghome"
        fi
    fi
    echo "$pghome" >"$STATE/pghome"

    locale -a 2>/dev/null | grep -qix 'c.utf-\?8' && locale=C.UTF-8
    as_pg_owner "$bindir/initdb" -D "$pghome/data" -A trust -U "$PG_USER" \
        --encoding=UTF8 --locale="$locale" >"$STATE/initdb.log"
    as_pg_owner tee -a "$pghome/data/postgresql.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$pghome'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    as_pg_owner "$bindir/pg_ctl" -D "$pghome/data" -l "$pghome/server.log" \
        -w -t "$START_TIMEOUT" start >/dev/null
    wait_for PostgreSQL "$bindir/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"
    for db in conduit_test conduit_test_migrations; do
        "$bindir/createdb" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" "$db"
    done
}

stop_postgres() {
    local pghome bindir
    [[ -f "$STATE/pghome" ]] || return 0
    pghome="$(cat "$STATE/pghome")"
    if [[ -f "$pghome/data/postmaster.pid" ]] && bindir="$(pg_bindir)"; then
        as_pg_owner "$bindir/pg_ctl" -D "$pghome/data" -m fast -w -t "$START_TIMEOUT" stop >/dev/null ||
            as_pg_owner "$bindir/pg_ctl" -D "$pghome/data" -m immediate -w stop >/dev/null ||
            log "could not stop PostgreSQL in $pghome"
    fi
    [[ "$pghome" == "$STATE"/* ]] || rm -rf "$pghome"
}

redis_ready() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

start_redis() {
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" \
        --save '' --appendonly no --dir "$STATE" \
        --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log"
    wait_for Redis redis_ready
}

# By pidfile, and only if that pid is still a redis-server (pids get reused). Redis with no
# save points exits on SIGTERM without writing anything, so the port does not matter here.
stop_redis() {
    local pid
    [[ -f "$STATE/redis.pid" ]] || return 0
    pid="$(cat "$STATE/redis.pid")"
    [[ "$(ps -o comm= -p "$pid" 2>/dev/null)" == redis-server* ]] || return 0
    kill -TERM "$pid"
    local deadline=$((SECONDS + START_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)); then kill -KILL "$pid" 2>/dev/null || true; break; fi
        sleep 0.2
    done
}

stop_all() {
    [[ -d "$STATE" ]] || return 0
    stop_redis
    stop_postgres
    rm -rf "$STATE"
}

case "${1:-}" in
start)
    stop_all
    install_missing
    mkdir -p "$STATE"
    start_postgres
    start_redis
    log "PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT"
    log "for pytest by hand: eval \"\$(scripts/services.sh env)\""
    ;;
stop) stop_all ;;
env) print_env ;;
*) die "usage: $0 start|stop|env" ;;
esac
