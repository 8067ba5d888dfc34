# The LLM Twin application image: llm_twin + its pinned dependencies, installed offline.
#   scripts/wheelhouse.sh && docker build -t llm-twin .
# Dependencies come only from .wheelhouse/ (built on the host from requirements-app.txt): the build
# needs no network. No secret is ever part of the context (.dockerignore) or of a layer: settings
# arrive at run time from the environment or the ZenML secret `settings`.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_NO_INPUT=1
COPY requirements-app.txt /tmp/requirements-app.txt
# a plain COPY works with and without BuildKit; the wheels stay in this stage, not in the image
COPY .wheelhouse/ /wheelhouse/
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-index --find-links /wheelhouse -r /tmp/requirements-app.txt

FROM ${BASE_IMAGE}
ARG APP_UID=1000
RUN useradd --create-home --uid ${APP_UID} --user-group --shell /usr/sbin/nologin twin
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY --chown=root:root llm_twin/ /app/llm_twin/
COPY --chown=root:root configs/ /app/configs/
COPY --chown=root:root data/sample/ /app/data/sample/
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    ZENML_ANALYTICS_OPT_IN=false \
    ZENML_LOGGING_VERBOSITY=WARN \
    SAGEMAKER_ADMIN_CONFIG_OVERRIDE=/app/llm_twin/sagemaker_sdk.yaml \
    SAGEMAKER_SUPPRESS_V2_WARNING=1
USER twin
ENTRYPOINT ["python", "-m", "llm_twin"]
CMD ["--help"]
