# The service image: dependencies pinned by constraints.txt (the versions the tests ran on), the model built
# from data/raw at image build time, served by an unprivileged user. scripts/docker-smoke.sh builds and checks it.
# The dependency lists alone, read from pyproject.toml: editing another part of pyproject (tool settings,
# version) then leaves the dependency layers below cached. requirements.txt is the full list (building the
# model); serve.txt is the `serve` group, what the served process imports (tests/test_serve_deps.py).
FROM python:3.11-slim AS requirements
COPY pyproject.toml /
RUN python -c "import tomllib; p = tomllib.load(open('/pyproject.toml', 'rb'))['project']; \
w = lambda path, reqs: open(path, 'w').write('\n'.join(reqs) + '\n'); \
w('/requirements.txt', p['dependencies']); w('/serve.txt', p['optional-dependencies']['serve'])"

# Everything `matcher build` needs (scikit-learn, pandas, pandera, ...): only the model stage uses it.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
WORKDIR /app
# Dependency layer: rebuilt only when the dependency list or constraints.txt change, not on a code change.
COPY constraints.txt /tmp/
COPY --from=requirements /requirements.txt /tmp/
RUN pip install -c /tmp/constraints.txt -r /tmp/requirements.txt && rm /tmp/constraints.txt /tmp/requirements.txt

# Build stage: fit the model on the shipped data. Only the served artifact leaves this stage.
FROM base AS model
COPY matcher matcher
COPY features features
COPY data/raw data/raw
RUN mkdir -p models && python -m matcher.cli build --data data/raw --models models

# What serving imports and nothing else (no scikit-learn, scipy, pandas), same pins.
FROM python:3.11-slim AS serve-base
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
WORKDIR /app
COPY constraints.txt /tmp/
COPY --from=requirements /serve.txt /tmp/
RUN pip install -c /tmp/constraints.txt -r /tmp/serve.txt && rm /tmp/constraints.txt /tmp/serve.txt

# The served image: dependencies, then the code (run in place from /app, not installed twice), then the model:
# the manifest and the answers-<hash> arrays and tables. The estimator-<hash>.joblib the build also writes is
# for retraining and notebooks (matcher.model.build.load_estimator); serving never reads it.
FROM serve-base
# Serve as an unprivileged user; it owns only models/ (where profiles.db is written). COPY --chown rather than
# a chown afterwards, which would store the model files a second time in its own layer.
RUN useradd --create-home --uid 10001 matcher
COPY matcher_client matcher_client
COPY matcher matcher
COPY features features
COPY service service
COPY --chown=matcher --from=model /app/models/manifest.json /app/models/answers-* models/
COPY --chown=matcher models/evaluation.json models/MODEL_CARD.md models/
ENV PYTHONPATH=/app MATCHER_MODELS_DIR=/app/models
USER matcher
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["python", "-m", "matcher.cli", "serve", "--host", "0.0.0.0", "--port", "8000"]
