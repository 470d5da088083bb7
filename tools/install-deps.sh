#!/bin/bash
# Install everything heat-savanna's tests and sandbox need, idempotently.
#
#   tools/install-deps.sh            (from anywhere; VENV defaults to .venv)
#
# - Debian packages: openssh-server, rabbitmq-server, mariadb-server, sudo,
#   curl, shellcheck, chromium + chromium-driver (browser tests of the
#   sandbox's Horizon), and a Java runtime only if `java` is missing.
#   `apt-get update` runs only when a package is missing.
# - The venv ${VENV:-.venv} with this repo, contrib/sandbox and the test
#   requirements, pinned by constraints.txt. Skipped when the pins and
#   requirement files have not changed since the last successful run.
# - The venv .venv-horizon (Horizon + heat-dashboard + selenium), pinned by
#   contrib/sandbox/horizon-constraints.txt, for the optional console.
# Never reads stdin; safe to run again (a second run takes about a second).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
export DEBIAN_FRONTEND=noninteractive

log() { printf 'install-deps: %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        log "need root (or sudo) to run: $*" >&2
        return 1
    fi
}

missing_debs() {
    local pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
                grep -q 'install ok installed'; then
            printf '%s\n' "$pkg"
        fi
    done
}

install_debs() {
    local wanted=(openssh-server rabbitmq-server mariadb-server
                  mariadb-client sudo curl shellcheck python3-venv iproute2
                  util-linux chromium chromium-driver)
    if ! command -v java >/dev/null 2>&1; then
        wanted+=(default-jre-headless)
    fi
    local missing
    mapfile -t missing < <(missing_debs "${wanted[@]}")
    if [ "${#missing[@]}" -eq 0 ]; then
        log "Debian packages: all present"
        return 0
    fi
    log "Debian packages to install: ${missing[*]}"
    as_root apt-get update -q </dev/null
    as_root apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef \
        -o Dpkg::Options::=--force-confold "${missing[@]}" </dev/null
    # The sandbox runs its own daemons; the distribution's copies stay off.
    local svc
    for svc in rabbitmq-server mariadb ssh; do
        if command -v systemctl >/dev/null 2>&1 &&
                systemctl is-active --quiet "$svc" 2>/dev/null; then
            as_root systemctl disable --now "$svc" </dev/null || true
        fi
    done
}

venv_stamp() {
    # Changes whenever what pip would install changes.
    cat constraints.txt requirements.txt test-requirements.txt setup.cfg \
        contrib/sandbox/setup.cfg 2>/dev/null | sha256sum | cut -d' ' -f1
}

install_venv() {
    local stamp_file="$VENV/.heat-savanna-deps"
    local stamp
    stamp="$(venv_stamp)"
    if [ -x "$VENV/bin/python" ] && [ -f "$stamp_file" ] &&
            [ "$(cat "$stamp_file")" = "$stamp" ] &&
            "$VENV/bin/python" -c 'import heat_savanna, savanna_sandbox' \
                2>/dev/null; then
        log "venv $VENV: up to date"
        return 0
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        log "creating venv $VENV"
        "$PYTHON" -m venv "$VENV"
    fi
    log "installing Python packages into $VENV (pinned by constraints.txt)"
    "$VENV/bin/pip" install -q --disable-pip-version-check \
        -c constraints.txt -r test-requirements.txt \
        -e . -e contrib/sandbox </dev/null
    printf '%s\n' "$stamp" >"$stamp_file"
}

horizon_venv() {
    # Horizon + heat-dashboard for the sandbox's optional console: their
    # pins (Django) do not fit Heat's venv, so they get a venv of their own.
    local hv="$REPO/.venv-horizon" pins=contrib/sandbox/horizon-constraints.txt
    local stamp stamp_file="$REPO/.venv-horizon/.heat-savanna-deps"
    stamp="$(sha256sum "$pins" | cut -d' ' -f1)"
    if [ -x "$hv/bin/python" ] && [ -f "$stamp_file" ] &&
            [ "$(cat "$stamp_file")" = "$stamp" ]; then
        log "venv $hv: up to date"
        return 0
    fi
    [ -x "$hv/bin/python" ] || "$PYTHON" -m venv "$hv"
    log "installing Horizon into $hv (pinned by $pins)"
    "$hv/bin/pip" install -q --disable-pip-version-check -c "$pins" \
        horizon heat-dashboard selenium </dev/null
    printf '%s\n' "$stamp" >"$stamp_file"
}

install_debs
install_venv
horizon_venv
log "done"
