# The service image: dependencies pinned by constraints.txt (the versions the tests ran on), the model built
# from data/raw at image build time, served by an unprivileged user. scripts/docker-smoke.sh builds and checks it.
# The dependency list alone, read from pyproject.toml: editing another part of pyproject (tool settings,
# version) then leaves the dependency layer below cached.
FROM python:3.11-slim AS requirements
COPY pyproject.toml /
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('/pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /requirements.txt

FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
WORKDIR /app
# Dependency layer: rebuilt only when the dependency list or constraints.txt change, not on a code change.
COPY constraints.txt /tmp/
COPY --from=requirements /requirements.txt /tmp/
RUN pip install -c /tmp/constraints.txt -r /tmp/requirements.txt && rm /tmp/constraints.txt /tmp/requirements.txt

# Build stage: fit the model on the shipped data. Only models/ leaves this stage.
FROM base AS model
COPY matcher matcher
COPY features features
COPY data/raw data/raw
RUN mkdir -p models && python -m matcher.cli build --data data/raw --models models

# The served image: dependencies, then the code (run in place from /app, not installed twice), then the model.
FROM base
COPY matcher_client matcher_client
COPY matcher matcher
COPY features features
COPY service service
COPY --from=model /app/models models
COPY models/evaluation.json models/MODEL_CARD.md models/
ENV PYTHONPATH=/app MATCHER_MODELS_DIR=/app/models
# Serve as an unprivileged user; it owns only models/ (where profiles.db is written).
RUN useradd --create-home --uid 10001 matcher && chown -R matcher /app/models
USER matcher
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["python", "-m", "matcher.cli", "serve", "--host", "0.0.0.0", "--port", "8000"]
