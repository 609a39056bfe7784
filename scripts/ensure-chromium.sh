#!/bin/sh
# Make sure Debian's `chromium` is installed and print the path of its binary.
#
# The report's rendering test (resmo_pipeline_tests/test_compliance/test_report) draws the HTML report in
# headless Chromium. A fresh machine does not have it, so this installs it with apt-get, non-interactively and
# without recommended packages; the package lists are refreshed only when the first install attempt fails (a
# fresh container has none, a machine that has them is spared the download). Needs root (or sudo) for the
# install; exits non-zero, saying why, when Chromium cannot be installed.
set -eu

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    echo "$CHROMIUM"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo -n"
else
    echo "ensure-chromium: $CHROMIUM is missing and installing it needs root (run as root, or install sudo)" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: $CHROMIUM is missing and there is no apt-get: install Chromium with this system's" \
        "package manager" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
install() {
    $SUDO apt-get install -y --no-install-recommends chromium >&2
}

if ! install; then
    echo "ensure-chromium: the first install attempt failed; refreshing the package lists and trying again" >&2
    $SUDO apt-get update >&2
    install
fi

if [ ! -x "$CHROMIUM" ]; then
    echo "ensure-chromium: apt-get installed chromium but $CHROMIUM is not there" >&2
    exit 1
fi
echo "$CHROMIUM"
