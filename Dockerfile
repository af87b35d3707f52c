# defasagem: the API and the pages under gunicorn, the model bundle and the logs in volumes.
# Works with the real python:3.11-slim (online) and, unchanged, offline: `make docker-check`
# puts pre-downloaded wheels in docker/wheelhouse/ and pip then reads only those.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
COPY docker/wheelhouse/ /wheelhouse/
# The dependency layer: rebuilt only when pyproject.toml changes. With wheels present, pip
# installs from them alone (no network), else from PyPI.
COPY pyproject.toml README.md ./
RUN if ls /wheelhouse/*.whl >/dev/null 2>&1; then \
        export PIP_NO_INDEX=1 PIP_FIND_LINKS=/wheelhouse; \
    fi \
    && python -m venv /opt/venv \
    && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && /opt/venv/bin/pip install --requirement /tmp/requirements.txt
# The package itself.
COPY src/ ./src/
COPY configs/ ./configs/
RUN if ls /wheelhouse/*.whl >/dev/null 2>&1; then \
        export PIP_NO_INDEX=1 PIP_FIND_LINKS=/wheelhouse; \
    fi \
    && /opt/venv/bin/pip install --no-deps . \
    && mkdir -p /opt/defasagem \
    && cp -r configs /opt/defasagem/configs

FROM python:3.11-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# LightGBM needs the OpenMP runtime; a base image that already has it skips apt (offline).
# hadolint ignore=DL3008
RUN if ! ldconfig -p | grep -q libgomp.so.1; then \
        apt-get update \
        && apt-get install --yes --no-install-recommends libgomp1 \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && groupadd --system --gid 10001 defasagem \
    && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /home/defasagem defasagem \
    && mkdir -p /models /logs /data /acesso \
    && chown defasagem:defasagem /models /logs /acesso \
    && chmod 700 /acesso
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/defasagem /opt/defasagem
COPY docker/entrypoint.sh /usr/local/bin/defasagem-entrypoint
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    OMP_NUM_THREADS=1 \
    DEFASAGEM_WORKERS=2 \
    DEFASAGEM_PORT=8000 \
    DEFASAGEM_AUTH_DIR=/acesso
USER 10001:10001
WORKDIR /home/defasagem
VOLUME ["/models", "/logs", "/acesso"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['DEFASAGEM_PORT'] + '/ready', timeout=4)"]
ENTRYPOINT ["defasagem-entrypoint"]
