#!/usr/bin/env bash
# Runs the official AWS SDKs against chime-mock: the AWS SDK for Python (boto3), the AWS
# CLI and the AWS SDK for JavaScript v3 (@aws-sdk/client-chime), each pinned and installed
# into a project-local folder (clients/.venv, clients/js/node_modules). Builds and starts a
# release chime-mock on a free loopback port, runs every SDK's checks against it (one
# PASS/FAIL line per check), prints a summary per SDK and a closing "N passed, N failed"
# line, and exits 1 if any check failed. A missing Python 3 or Node.js/npm is an error
# (exit 2), never a silent skip. Usage: bash clients/run.sh (CHIME_MOCK_BIN=PATH uses that
# chime-mock binary instead of building one).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

missing() {
    echo "clients/run.sh: $1 is required for the SDK client checks but was not found; install it (see clients/README.md)" >&2
    exit 2
}

python="${PYTHON:-python3}"
command -v "$python" >/dev/null || missing "Python 3 ($python)"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' ||
    missing "Python 3.9 or newer (found $("$python" --version 2>&1))"
command -v node >/dev/null || missing "Node.js (node)"
command -v npm >/dev/null || missing "npm"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
    missing "Node.js 18 or newer (found $(node --version))"

echo "== client SDKs: installing the pinned packages into clients/.venv and clients/js/node_modules"
[ -x "$here/.venv/bin/python" ] || "$python" -m venv "$here/.venv"
"$here/.venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$here/python/requirements.txt"
(cd "$here/js" && npm ci --no-audit --no-fund --loglevel=error)

echo "== client SDKs: building and starting chime-mock"
mock_bin="${CHIME_MOCK_BIN:-}"
if [ -z "$mock_bin" ]; then
    (cd "$root" && cargo build --release --locked -p chime-mock)
    target_dir="$(cd "$root" && cargo metadata --format-version 1 --no-deps |
        "$python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
    mock_bin="$target_dir/release/chime-mock"
fi
work="$(mktemp -d)"
"$mock_bin" --listen 127.0.0.1:0 >"$work/mock.out" 2>"$work/mock.err" &
mock_pid=$!
trap 'kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
url=""
for _ in $(seq 1 100); do
    url="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/mock.out" | head -n 1 || true)"
    [ -n "$url" ] && break
    kill -0 "$mock_pid" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$url" ]; then
    echo "clients/run.sh: chime-mock did not start:" >&2
    cat "$work/mock.err" >&2
    exit 1
fi
echo "chime-mock at $url"
export CHIME_MOCK_URL="$url"

status=0
run() { # name, command...
    local name="$1"
    shift
    echo "== client SDKs: $name"
    if ! timeout 600 "$@" 2>"$work/$name.err" | tee "$work/$name.out"; then
        status=1
        sed -n '1,40p' "$work/$name.err" >&2
    fi
}
cd "$here/python"
run boto3 "$here/.venv/bin/python" test_boto3.py
run aws-cli "$here/.venv/bin/python" test_awscli.py
cd "$here/js"
run js-sdk-v3 node test_sdk.mjs

echo "== client SDKs: summary"
passed=0
failed=0
for name in boto3 aws-cli js-sdk-v3; do
    line="$(grep -E '^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed$' "$work/$name.out" | tail -n 1 || true)"
    if [ -z "$line" ]; then
        echo "  $name: no result (it did not finish)"
        status=1
        continue
    fi
    echo "  $line"
    set -- $(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1 \2/' <<<"$line")
    passed=$((passed + $1))
    failed=$((failed + $2))
done
echo "clients: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit "$status"
