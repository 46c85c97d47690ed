FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY matcher matcher
COPY features features
COPY service service
COPY bench bench
COPY data data
ENV MATCHER_DATA_DIR=/app/data
RUN pip install --no-cache-dir . && mkdir -p models && matcher build --models /app/models
ENV MATCHER_MODELS_DIR=/app/models
# Serve as an unprivileged user; it owns only models/ (where profiles.db is written).
RUN useradd --create-home --uid 10001 matcher && chown -R matcher /app/models
USER matcher
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["matcher", "serve", "--host", "0.0.0.0", "--port", "8000"]
