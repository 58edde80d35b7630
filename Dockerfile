# One image for every app of the platform; the compose file picks the command.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHONPATH=/app
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock
COPY kit kit
COPY identity identity
COPY services services
COPY gateway gateway
COPY cli cli
COPY migrations migrations
RUN useradd --system --uid 10001 app
USER app
