FROM python:3.12-slim
WORKDIR /srv/cplan
COPY pyproject.toml README.md alembic.ini ./
COPY alembic ./alembic
COPY app ./app
RUN pip install --no-cache-dir -e .
ENV PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["sh", "-c", "cplan migrate && cplan serve --host 0.0.0.0 --port 8000"]
