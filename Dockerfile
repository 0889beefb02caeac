# scrm-bot: one image for every role (serve, worker, migrate, up). Build: docker build -t scrm-bot .
# Stage 1 builds the wheel; stage 2 is slim, non-root, with the CJK font the QR posters need.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY wecom ./wecom
COPY scrm ./scrm
COPY livecode ./livecode
COPY admin ./admin
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
# fonts-wqy-microhei: livecode/poster.py draws Chinese text on posters (FONT_CANDIDATES).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --create-home --home-dir /app scrm
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER 10001
WORKDIR /app
ENV PYTHONUNBUFFERED=1 \
    SCRM_HOST=0.0.0.0 \
    SCRM_PORT=8080 \
    SCRM_WORKER_METRICS_PORT=9100 \
    SCRM_LOG_FORMAT=json
EXPOSE 8080 9100
# The default is the one-process mode; a cluster runs `serve`, `worker` and `migrate` instead.
ENTRYPOINT ["scrm-bot"]
CMD ["up"]
