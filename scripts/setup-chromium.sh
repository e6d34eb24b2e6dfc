#!/usr/bin/env bash
# Provision Debian's Chromium for the report tests (headless screenshots through playwright-core),
# idempotently: nothing happens when it is already installed. CHROMIUM_PATH overrides the binary.
set -euo pipefail
bin="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$bin" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "[setup-chromium] $bin is missing and apt-get is not available: install Chromium and set CHROMIUM_PATH" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "[setup-chromium] $bin is missing; run as root (or with sudo) to install Debian's chromium" >&2
    exit 1
  fi
fi
echo "[setup-chromium] installing Debian's chromium (one time)" >&2
export DEBIAN_FRONTEND=noninteractive
# Only the browser and two small font packages: headless rendering needs nothing the recommends bring.
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core fonts-liberation >/dev/null
if [ ! -x "$bin" ]; then
  echo "[setup-chromium] apt-get finished but $bin is still missing" >&2
  exit 1
fi
echo "[setup-chromium] ready: $("$bin" --version 2>/dev/null || echo chromium)" >&2
