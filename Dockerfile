FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

RUN useradd --system --create-home --uid 1000 app

COPY pyproject.toml README.md ./
COPY config ./config
COPY consent ./consent
COPY requests_app ./requests_app
RUN pip install .

COPY . .
RUN python scripts/compile_catalogues.py \
 && DJANGO_DEBUG=false DJANGO_SECRET_KEY=collectstatic-only-not-a-secret-0123456789abcdefghijklmn \
    DJANGO_ALLOWED_HOSTS=build IDENTITY_HASH_KEY=build-only EMAIL_URL=consolemail:// \
    LEDGER_SIGNING_KEY=YnVpbGQtb25seS1sZWRnZXIta2V5LW5vdC1zZWNyZXQ= \
    DATABASE_URL=postgres://build@localhost/build python manage.py collectstatic --noinput

USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
