# syntax=docker/dockerfile:1
# The Send ID bot as a small image. Settings come from the environment at run time, never from
# the image:  docker build -t sendid-bot .  &&  docker run --env-file .env -p 3000:3000 sendid-bot
# tests/ops/test_container.py lints this file (hadolint), builds it and runs the image as the bot.

FROM python:3.11-slim-bookworm AS build
ENV VIRTUAL_ENV=/opt/venv \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
ENV PATH="$VIRTUAL_ENV/bin:$PATH"
WORKDIR /src
# A venv without pip: the base image's pip installs into it, so the final image carries no pip.
RUN python -m venv --without-pip "$VIRTUAL_ENV"
# Dependencies first, from the lock alone: requirements/postgres.txt is the bot's dependencies
# and its postgres extra at the versions in uv.lock, with each file's sha256 (./scripts/lock
# exports it). pip installs nothing whose hash is not there, nor a package the file lacks. This
# layer is rebuilt only when that file changes.
COPY requirements/postgres.txt ./requirements.txt
RUN pip --python "$VIRTUAL_ENV/bin/python" install --require-hashes -r requirements.txt
# Then the bot itself, without dependencies: they are all in place already, from the lock.
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip --python "$VIRTUAL_ENV/bin/python" install --no-deps .

FROM python:3.11-slim-bookworm
ENV VIRTUAL_ENV=/opt/venv \
    PATH="/opt/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=3000
# An unprivileged user and its group, both 10001 (deploy/kubernetes runs the pod as 10001:10001);
# its home /data is the working directory, so the default SQLite database (sqlite:///sendid.db)
# lives there: mount a volume on /data to keep it. The group is created first: useradd's own
# --user-group would give it a system GID (999) that USER 10001:10001 does not match.
RUN groupadd --gid 10001 sendid \
    && useradd --no-log-init --uid 10001 --gid sendid --home-dir /data --create-home \
        --shell /usr/sbin/nologin sendid
COPY --from=build /opt/venv /opt/venv
WORKDIR /data
USER 10001:10001
EXPOSE 3000
# GET /healthz on $PORT (the slim image has no curl; the bot asks itself).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-m", "bot", "healthcheck"]
CMD ["python", "-m", "bot"]
