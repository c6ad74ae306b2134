# inboxwatch as a container: non-root, config and database on a volume, health-checked.
#   docker build -t inboxwatch .
#   docker compose -f contrib/docker-compose.yml up -d   (passwords as Docker secrets)
# The volume holds inboxwatch.toml (mode 600, owner uid 10001) and the SQLite database.
FROM debian:bookworm-slim AS build
ARG PIP_CERT
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md /src/
COPY inboxwatch /src/inboxwatch
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check /src

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 inboxwatch \
 && useradd --uid 10001 --gid 10001 --home-dir /var/lib/inboxwatch --create-home \
        --shell /usr/sbin/nologin inboxwatch
COPY --from=build /opt/venv /opt/venv
COPY models /opt/inboxwatch/models
COPY data/sample /opt/inboxwatch/data/sample
COPY config.example.toml /opt/inboxwatch/
ENV PATH=/opt/venv/bin:$PATH \
    INBOXWATCH_HOME=/opt/inboxwatch \
    INBOXWATCH_CONFIG=/var/lib/inboxwatch/inboxwatch.toml \
    PYTHONUNBUFFERED=1
USER inboxwatch
WORKDIR /var/lib/inboxwatch
VOLUME ["/var/lib/inboxwatch"]
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s \
    CMD ["inboxwatch", "health"]
ENTRYPOINT ["inboxwatch"]
CMD ["--log-format", "json", "run"]
