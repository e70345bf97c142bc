#!/usr/bin/env bash
# Install what the ONVIF integration tests (pytest -m onvif) need. Idempotent; run as root.
#  - Debian: GStreamer RTSP server (python3-gi), ffmpeg (test clips; ipycam's RTSP), iproute2
#  - camera venv (default <repo>/.cache/peers/camvenv, override with VMS_ONVIF_CAMVENV):
#    ipycam 1.3.0 ONVIF emulator (--no-deps: it pins opencv-python, which needs libGL) with
#    numpy + opencv-python-headless, and wsdiscovery (spec-compliant WS-Discovery responder).
# The VMS side (onvif-zeep-async, av) comes from the project's own dependencies.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CAMVENV=${VMS_ONVIF_CAMVENV:-$ROOT/.cache/peers/camvenv}

APT_PKGS="ffmpeg iproute2 python3-venv python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-tools \
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly"
missing=""
for p in $APT_PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing
fi

if ! "$CAMVENV/bin/python" -c "import ipycam, wsdiscovery, cv2" 2>/dev/null; then
  mkdir -p "$(dirname "$CAMVENV")"
  /usr/bin/python3 -m venv "$CAMVENV"
  "$CAMVENV/bin/pip" install -q --no-deps ipycam==1.3.0
  "$CAMVENV/bin/pip" install -q "numpy>=1.26" "opencv-python-headless>=4.8" wsdiscovery==2.1.2
  "$CAMVENV/bin/python" -c "import ipycam, wsdiscovery, cv2"
fi
echo "ONVIF test peers ready: $CAMVENV"
