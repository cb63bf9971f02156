# Production image: the app with uvicorn workers; migrations run at start (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Shapely, psycopg and Pillow ship manylinux wheels: no compiler needed. The install is editable
# because templates, static files and migrations are read from the source tree next to `backend/`.
COPY pyproject.toml README.md alembic.ini ./
COPY backend ./backend
COPY alembic ./alembic
COPY templates ./templates
COPY static ./static
RUN pip install -e .

RUN useradd --system --uid 10001 --home /app qp && mkdir -p /app/var && chown -R qp /app/var
USER qp

ENV APP_ENV=prod
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["sh", "-c", "qp migrate && exec uvicorn 'backend.app:create_app' --factory --host 0.0.0.0 --port 8000 --workers ${WEB_WORKERS:-4} --proxy-headers --forwarded-allow-ips='*'"]
