# One image for every app of the platform; the compose file picks the command.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHONPATH=/app
WORKDIR /app
# Chromium prints the annual review's PDF (gateway/review/printer.py; GATEWAY_REVIEW_CHROMIUM points at it).
RUN apt-get update && apt-get install -y --no-install-recommends chromium fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
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
