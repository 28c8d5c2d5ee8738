#!/bin/sh
# The image's entrypoint: optionally migrate, then become the command given (the Dockerfile's
# CMD, gunicorn, unless `docker run IMAGE COMMAND` names another).
#
#   MIGRATE_ON_START=1   run `flask db upgrade` first; for a single container. With several
#                        replicas, migrate once instead (the migrate service in
#                        docker-compose.yml), not in every replica at the same time.
#
# exec hands this process to the command, so SIGTERM from `docker stop` reaches gunicorn.
set -eu

if [ "${MIGRATE_ON_START:-0}" = "1" ]; then
    flask --app wsgi db upgrade
fi

exec "$@"
