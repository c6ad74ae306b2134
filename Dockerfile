# inboxwatch as a container: non-root, config and database on a volume, health-checked.
#   docker build -t inboxwatch .
#   docker compose -f contrib/docker-compose.yml up -d   (passwords as Docker secrets)
# The volume holds inboxwatch.toml (mode 600, owner uid 10001) and the SQLite database.
# The image installs the wheel (model, sample mailbox and example config inside) with the
# PostgreSQL driver, without the training packages (scikit-learn, scipy: the [train] extra),
# and keeps only the two lemma tables of spacy-lookups-data that the classifier reads.
FROM debian:bookworm-slim AS build
ARG PIP_CERT
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml setup.py MANIFEST.in README.md LICENSE config.example.toml /src/
COPY inboxwatch /src/inboxwatch
COPY models /src/models
COPY data /src/data
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check "/src[postgres]" \
 && find /opt/venv/lib/python3*/site-packages/spacy_lookups_data/data -type f \
        ! -name en_lemma_lookup.json.gz ! -name hu_lemma_lookup.json.gz \
        ! -name '*license*' -delete

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 inboxwatch \
 && useradd --uid 10001 --gid 10001 --home-dir /var/lib/inboxwatch --create-home \
        --shell /usr/sbin/nologin inboxwatch
COPY --from=build /opt/venv /opt/venv
# STATE_DIRECTORY: where the default SQLite database goes (as systemd's StateDirectory=).
ENV PATH=/opt/venv/bin:$PATH \
    INBOXWATCH_CONFIG=/var/lib/inboxwatch/inboxwatch.toml \
    STATE_DIRECTORY=/var/lib/inboxwatch \
    PYTHONUNBUFFERED=1
USER inboxwatch
WORKDIR /var/lib/inboxwatch
VOLUME ["/var/lib/inboxwatch"]
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s \
    CMD ["inboxwatch", "health"]
ENTRYPOINT ["inboxwatch"]
CMD ["--log-format", "json", "run"]
