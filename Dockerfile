# The app image for compose.yaml (docs/deployment.md). CPU only: the model runs in the Ollama service.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=False ORT_DISABLE_TELEMETRY=1
WORKDIR /app
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
COPY pyproject.toml README.md ./
COPY assistant assistant
COPY ingest ingest
RUN pip install ".[postgres]"
COPY app.py ./
COPY corpus corpus
COPY prompts prompts
COPY .streamlit .streamlit
# the volume mounted at /data starts from these folders
RUN mkdir -p /data/index /data/uploads /data/cache
EXPOSE 8501
CMD ["python", "-m", "assistant.app.web", "--server.address", "0.0.0.0", "--server.port", "8501", "--server.headless", "true"]
