#!/usr/bin/env bash
# Runs the whole cmed test suite. Meant for a fresh Debian machine, as root (or via sudo):
# installs the test tools it needs with apt-get when they are missing, then runs
# `cargo test --all-targets` (dev profile). Safe to run again: apt is skipped when
# everything is already installed.
set -euo pipefail

cd "$(dirname "$0")/.."

# Test dependencies, one "debian-package:command" pair per entry. A package is installed
# only when its command is not on PATH. tmux drives the console test; tftp-hpa, atftp and
# curl are the real TFTP/HTTP clients of the provisioning tests; tshark decodes what our
# SCCP and SIP servers send (text2pcap comes with it); sip-tester is sipp, the SIP client
# of the registrar tests; baresip and linphone-cli (linphonec, linphonecsh) are the two SIP
# softphones that register to cmed with digest in tests/sip_clients_e2e.rs and call through
# it, with the audio checked, in tests/sip_calls_e2e.rs; sipsak sends the voicemail
# server's message-summary NOTIFY in tests/mwi_e2e.rs and tests/voicemail_e2e.rs, where
# sipp and baresip also play the voicemail server itself; rsyslogd receives cmed's IOS
# messages in tests/logging_e2e.rs; systemd-analyze (systemd) checks packaging/cmed.service
# in tests/service_unit.rs (no systemd needs to run); openssh-client's ssh and ssh-keygen,
# with sshpass typing passwords, log in to cmed's SSH server in tests/ssh_e2e.rs.
TEST_PACKAGES=(
    tmux:tmux
    tftp-hpa:tftp
    atftp:atftp
    curl:curl
    tshark:tshark
    sip-tester:sipp
    baresip:baresip
    linphone-cli:linphonec
    sipsak:sipsak
    rsyslog:/usr/sbin/rsyslogd
    systemd:systemd-analyze
    openssh-client:ssh
    sshpass:sshpass
)

# Python modules the tests import, one "debian-package:module" pair per entry, installed
# when Debian's python3 cannot import the module: python3-prometheus-client is the
# independent Prometheus text parser that reads cmed's /metrics in tests/metrics_e2e.rs.
# (A pyenv or venv python3 on PATH does not see Debian's packages; the test finds
# /usr/bin/python3 itself.)
TEST_PYTHON_MODULES=(
    python3-prometheus-client:prometheus_client.parser
)

missing=()
for entry in "${TEST_PACKAGES[@]}"; do
    pkg=${entry%%:*}
    cmd=${entry#*:}
    if ! command -v "$cmd" >/dev/null 2>&1; then
        missing+=("$pkg")
    fi
done
for entry in "${TEST_PYTHON_MODULES[@]}"; do
    pkg=${entry%%:*}
    module=${entry#*:}
    if ! /usr/bin/python3 -c "import $module" >/dev/null 2>&1; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} > 0)); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "scripts/test.sh: missing test dependencies: ${missing[*]}" >&2
        echo "Install them (apt-get install ${missing[*]}) or run this script as root / with sudo." >&2
        exit 1
    fi
    echo "==> installing test dependencies: ${missing[*]}"
    for pkg in "${missing[@]}"; do
        if [[ $pkg == tshark ]]; then
            # Answer wireshark-common's "allow non-superusers to capture?" question up front,
            # otherwise the install stops at a debconf prompt.
            echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
        fi
    done
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The automation tools administrators drive IOS routers with, which tests/ssh_e2e.rs drives
# cmed with: Netmiko (cisco_ios), scrapli (its classic IOSXEDriver: scrapli 2026 is a new
# API) and ntc-templates, in a virtualenv in the target directory, made once.
VENV=${CARGO_TARGET_DIR:-target}/ssh-venv
SSH_TOOLS=(netmiko "scrapli<2026" ntc-templates)
if ! "$VENV/bin/python" -c "import netmiko, scrapli.driver.core, ntc_templates" >/dev/null 2>&1; then
    echo "==> making $VENV (${SSH_TOOLS[*]})"
    mkdir -p "$(dirname "$VENV")"
    if ! python3 -m venv "$VENV" 2>/dev/null; then
        if [[ $(id -u) -eq 0 ]]; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-venv
        fi
        /usr/bin/python3 -m venv "$VENV"
    fi
    "$VENV/bin/pip" install -q --disable-pip-version-check "${SSH_TOOLS[@]}"
    if [[ $(id -u) -eq 0 && -n ${SUDO_USER:-} && $SUDO_USER != root ]]; then
        chown -R "$SUDO_USER" "$VENV"
    fi
fi

echo "==> cargo test --all-targets --no-fail-fast"
if [[ $(id -u) -eq 0 && -n ${SUDO_USER:-} && $SUDO_USER != root && $(stat -c %U .) == "$SUDO_USER" ]]; then
    # Started with sudo in a user's checkout: root was needed for apt only. Build and test as
    # that user, so target/ stays theirs and their own toolchain (~/.cargo/bin) is found.
    user_home=$(getent passwd "$SUDO_USER" | cut -d: -f6)
    exec sudo -u "$SUDO_USER" -H -- env "PATH=$user_home/.cargo/bin:$PATH" cargo test --all-targets --no-fail-fast
fi
exec cargo test --all-targets --no-fail-fast
