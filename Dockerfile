# Production image: the app with uvicorn workers; migrations run at start (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 UV_NO_CACHE=1 \
    PATH=/app/.venv/bin:$PATH
WORKDIR /app

# Dependencies first, exactly as uv.lock pins them (`--locked` fails if the lock disagrees with
# pyproject.toml): this layer is rebuilt only when one of these two files changes, not on every code change.
# No extras: the image has no `sortition-algorithms` (the `legacy` extra), so it draws with LEXIMIN only;
# `qp draw --algorithm legacy` answers that the extra is missing.
RUN pip install 'uv==0.13.9'
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-install-project --python /usr/local/bin/python3.11

# Shapely, psycopg and Pillow ship manylinux wheels: no compiler needed. The project is installed
# editable because templates, static files and migrations are read from the source tree next to `backend/`.
COPY alembic.ini ./
COPY alembic ./alembic
COPY templates ./templates
COPY static ./static
COPY backend ./backend
RUN uv sync --locked --python /usr/local/bin/python3.11

# The folders the app writes to (uploads; mail and SMS with the file backends), owned by the app user.
RUN useradd --system --uid 10001 --home /app qp && mkdir -p /app/var/uploads /app/var/mail /app/var/sms /app/data && chown -R qp /app/var /app/data
USER qp

ENV APP_ENV=prod
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["sh", "-c", "qp migrate && exec uvicorn 'backend.app:create_app' --factory --host 0.0.0.0 --port 8000 --workers ${WEB_WORKERS:-4} --proxy-headers --forwarded-allow-ips='*'"]
