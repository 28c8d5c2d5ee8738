# syntax=docker/dockerfile:1
# Conduit: `docker build -t conduit .`, or `docker compose up --build` (see README, Deployment).

# Builder: turn the pinned runtime requirements (and their pinned dependencies) into wheels.
# Nothing here reaches the image.
FROM python:3.11-slim AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /wheels
COPY requirements.txt constraints.txt ./
RUN pip wheel --wheel-dir /wheels -r requirements.txt

# Runtime: the wheels installed offline, the app's files, a user without privileges.
FROM python:3.11-slim AS runtime
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    CONDUIT_CONFIG=production \
    FLASK_APP=wsgi

# Mounted, not copied, so the wheels take no layer of the image.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels -r /wheels/requirements.txt

RUN groupadd --system --gid 10001 conduit \
    && useradd --system --uid 10001 --gid conduit --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin conduit

# Owned by root and only readable by the app's user: a compromised worker cannot rewrite code.
WORKDIR /app
COPY app ./app
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY config.py wsgi.py gunicorn.conf.py ./
COPY scripts/entrypoint.sh /usr/local/bin/conduit-entrypoint

# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
EXPOSE 8000

# /healthz answers while the process serves; gunicorn.conf.py binds 0.0.0.0:8000 by default.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"]

ENTRYPOINT ["conduit-entrypoint"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
