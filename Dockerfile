# immuno as a container: the installed wheel (code, knowledge and schema baked in), run by a
# non-root user under gunicorn, with a health check on /healthz.
#   docker build -t immuno .
#   docker compose up        (the bot plus PostgreSQL: docker-compose.yml)
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md requirements.lock ./
COPY bot ./bot
COPY knowledge ./knowledge
# The pinned, hashed dependencies first (requirements.lock), then immuno itself without deps.
RUN python -m venv /opt/immuno \
 && /opt/immuno/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/immuno/bin/pip install --no-cache-dir --require-hashes -r requirements.lock \
 && /opt/immuno/bin/pip install --no-cache-dir --no-deps .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 immuno
COPY --from=build /opt/immuno /opt/immuno
ENV PATH=/opt/immuno/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PORT=3000 \
    IMMUNO_CACHE_DIR=/home/immuno/.cache/immuno
USER immuno
WORKDIR /home/immuno
# Fails the build if the baked-in knowledge does not validate.
RUN immuno validate
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"
# `immuno web` runs gunicorn on $PORT with $WEB_CONCURRENCY workers and $IMMUNO_THREADS threads.
CMD ["immuno", "web"]
