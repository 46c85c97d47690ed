# The service image: dependencies installed from hash-pinned locks (requirements.lock, serve.lock: the versions
# of constraints.txt, which the tests ran on, with the sha256 of every file), the model built from data/raw at
# image build time, served by an unprivileged user from a read-only tree. scripts/docker-smoke.sh checks it.
#
# The base is pinned to an exact release (Python 3.11.14 on Debian bookworm), never a moving tag; where Docker
# Hub can be reached, pin it harder by digest: BASE=python:3.11.14-slim-bookworm@sha256:<digest> (the digest
# from `docker buildx imagetools inspect python:3.11.14-slim-bookworm`), passed with --build-arg BASE=...
ARG BASE=python:3.11.14-slim-bookworm

# Everything `matcher build` needs (scikit-learn, pandas, pandera, ...): only the model stage uses it.
FROM ${BASE} AS base
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
WORKDIR /app
# Dependency layer: rebuilt only when the lock changes, not on a code change. --require-hashes: a file whose
# sha256 is not in the lock is refused; --no-deps: nothing outside the lock is installed.
COPY requirements.lock /tmp/
RUN pip install --require-hashes --no-deps -r /tmp/requirements.lock && rm /tmp/requirements.lock

# Build stage: fit the model on the shipped data. Only the served artifact leaves this stage.
FROM base AS model
COPY matcher matcher
COPY features features
COPY data/raw data/raw
RUN mkdir -p models && python -m matcher.cli build --data data/raw --models models

# What serving imports and nothing else (no scikit-learn, scipy, pandas), from its own lock.
FROM ${BASE} AS serve-base
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
WORKDIR /app
COPY serve.lock /tmp/
RUN pip install --require-hashes --no-deps -r /tmp/serve.lock && rm /tmp/serve.lock

# The served image: dependencies, then the code (run in place from /app, not installed twice), then the model:
# the manifest and the answers-<hash> arrays and tables. The estimator-<hash>.joblib the build also writes is
# for retraining and notebooks (matcher.model.build.load_estimator); serving never reads it.
FROM serve-base
# Serve as an unprivileged user who can write nothing in the image but /data, the declared volume holding the
# profiles database (MATCHER_PROFILES_DB). So `docker run --read-only --tmpfs /tmp` serves: Docker mounts a
# volume at /data, writable, owned by that user; and the database survives a restart where a named volume is
# mounted there (-v matcher-data:/data). Pointed at a place it cannot write, start-up stops with one line
# naming MATCHER_PROFILES_DB.
RUN useradd --create-home --uid 10001 matcher && mkdir /data && chown matcher /data
VOLUME /data
COPY matcher_client matcher_client
COPY matcher matcher
COPY features features
COPY service service
COPY --from=model /app/models/manifest.json /app/models/answers-* models/
COPY models/evaluation.json models/MODEL_CARD.md models/
ENV PYTHONPATH=/app MATCHER_MODELS_DIR=/app/models MATCHER_PROFILES_DB=/data/profiles.db
USER matcher
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["python", "-m", "matcher.cli", "serve", "--host", "0.0.0.0", "--port", "8000"]
