#!/usr/bin/env bash
# Install the Debian packages given as arguments, only those missing (idempotent; quiet when all are there).
# Used by .ci/run and the Makefile for the system tools the ingest path runs: antiword (.doc) and
# tesseract-ocr-vie (the Vietnamese OCR model).
set -euo pipefail
missing=()
for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "missing system packages: ${missing[*]} (no apt-get here: install them by hand)" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "missing system packages: ${missing[*]} (run as root or install sudo)" >&2
        exit 1
    fi
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
