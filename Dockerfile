# The API image: dependencies in their own cached layer (pinned by constraints.txt), a non-editable install,
# a non-root user, the server as PID 1's exec'd child so SIGTERM reaches it, and a healthcheck on /readyz.
FROM python:3.12-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /srv/cplan

# Dependencies only: this layer is rebuilt when pyproject.toml or constraints.txt change, not the code.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
 && pip install -c constraints.txt -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

COPY README.md alembic.ini ./
COPY alembic ./alembic
COPY app ./app
RUN pip install -c constraints.txt --no-deps . \
 && useradd --system --uid 10001 --home-dir /srv/cplan cplan \
 && mkdir -p /srv/cplan/data /var/lib/cplan-keys && chown cplan /srv/cplan/data /var/lib/cplan-keys
USER cplan
# Without DATABASE_URL (no PostgreSQL) the image runs on SQLite in its data folder: mount a volume there.
ENV DATABASE_URL=sqlite+aiosqlite:////srv/cplan/data/cplan.db
VOLUME /srv/cplan/data

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=5 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)"]
CMD ["sh", "-c", "cplan migrate && exec cplan serve --host 0.0.0.0 --port 8000"]
