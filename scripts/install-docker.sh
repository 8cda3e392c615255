#!/usr/bin/env bash
# Installs Docker's engine (Debian's docker.io package) when dockerd is
# missing. Running it again does nothing. Needs root, because apt-get does.
set -euo pipefail

if command -v dockerd >/dev/null 2>&1; then
	echo "install-docker: dockerd is already installed at $(command -v dockerd)"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-docker: dockerd is missing, and installing it needs root: run this script as root" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq docker.io >/dev/null
echo "install-docker: installed $(dockerd --version)"
