#!/usr/bin/env bash
# Runs the official AWS SDKs against chime-mock, each pinned and installed from its own
# registry by clients/install.sh (called first):
#   boto3       AWS SDK for Python             PyPI    -> clients/.venv
#   aws-cli-v1  AWS CLI v1                     PyPI    -> clients/.venv
#   aws-cli-v2  AWS CLI v2                     Debian  -> /usr/bin/aws
#   js-sdk-v3   AWS SDK for JavaScript v3      npm     -> clients/js/node_modules
#   js-sdk-v2   AWS SDK for JavaScript v2      npm     -> clients/js/node_modules
#   go-v2       AWS SDK for Go v2              Debian  -> /usr/share/gocode, built into clients/go/.cache
# Each SDK runs the same twelve checks (one PASS/FAIL line each) twice: once against a mock
# started with the "plain" flags, once against one started with the "varied" flags (MOCK_FLAGS
# below); after each SDK's run the mock's verdicts on that SDK's requests are read from
# GET /_chime-mock/verdicts and printed ("verdicts: N", N must be 0). A closing summary gives
# one line per SDK (both passes, their verdicts) and "clients: N passed, N failed".
# Exit 0 when every check passed and no verdict was found, 1 otherwise, 2 when a
# prerequisite is missing (Python 3.9+, Node.js 18+ with npm, the Debian packages and root
# to install them: see install.sh), never a silent skip.
# Usage: bash clients/run.sh. Environment: CHIME_MOCK_BIN=PATH uses that chime-mock binary
# instead of building one; CHIME_MOCK_FLAGS_PLAIN / CHIME_MOCK_FLAGS_VARIED replace a pass's
# flags (set to empty, a mock without --judge-clients: its verdicts are then "not available",
# which fails a pass only when its flags include --judge-clients).
set -euo pipefail

# chime-mock's flags for each pass (every SDK runs against both).
declare -A MOCK_FLAGS=(
    [plain]="${CHIME_MOCK_FLAGS_PLAIN---judge-clients}"
    [varied]="${CHIME_MOCK_FLAGS_VARIED---judge-clients --vary-responses --seed 7}"
)
PASSES=(plain varied)
SDKS=(boto3 aws-cli-v1 aws-cli-v2 js-sdk-v3 js-sdk-v2 go-v2)

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

bash "$here/install.sh" # exits 2 naming a missing prerequisite
venv_python="$here/.venv/bin/python"
go_checks="$here/go/.cache/chime-go-v2-checks"

sdk_command() { # name: the command running that SDK's checks, from clients/<dir>
    case "$1" in
    boto3) echo "python|$venv_python test_boto3.py" ;;
    aws-cli-v1) echo "python|$venv_python test_awscli.py --name aws-cli-v1 --major 1" ;;
    aws-cli-v2) echo "python|$venv_python test_awscli.py --name aws-cli-v2 --major 2 --aws /usr/bin/aws" ;;
    js-sdk-v3) echo "js|node test_sdk.mjs" ;;
    js-sdk-v2) echo "js|node test_sdk_v2.mjs" ;;
    go-v2) echo "go|$go_checks" ;;
    esac
}

echo "== client SDKs: chime-mock"
mock_bin="${CHIME_MOCK_BIN:-}"
if [ -z "$mock_bin" ]; then
    (cd "$root" && cargo build --release --locked --bin chime-mock)
    target_dir="$(cd "$root" && cargo metadata --format-version 1 --no-deps |
        "$venv_python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
    mock_bin="$target_dir/release/chime-mock"
fi
work="$(mktemp -d)"
mock_pid=""
stop_mock() {
    if [ -n "$mock_pid" ]; then
        kill "$mock_pid" 2>/dev/null || true
        wait "$mock_pid" 2>/dev/null || true
        mock_pid=""
    fi
}
trap 'stop_mock; rm -rf "$work"' EXIT

start_mock() { # pass: starts chime-mock with that pass's flags, sets CHIME_MOCK_URL
    local pass="$1" url=""
    # shellcheck disable=SC2086 # the flags are a word list
    "$mock_bin" --listen 127.0.0.1:0 ${MOCK_FLAGS[$pass]} >"$work/mock-$pass.out" 2>"$work/mock-$pass.err" &
    mock_pid=$!
    for _ in $(seq 1 100); do
        url="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/mock-$pass.out" | head -n 1 || true)"
        [ -n "$url" ] && break
        kill -0 "$mock_pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$url" ]; then
        echo "clients/run.sh: chime-mock${MOCK_FLAGS[$pass]:+ ${MOCK_FLAGS[$pass]}} did not start:" >&2
        sed -n '1,20p' "$work/mock-$pass.err" >&2
        stop_mock
        return 1
    fi
    echo "chime-mock${MOCK_FLAGS[$pass]:+ ${MOCK_FLAGS[$pass]}} at $url"
    export CHIME_MOCK_URL="$url"
}

now_ms() { date +%s%3N; }
status=0
declare -A result verdicts seconds
for pass in "${PASSES[@]}"; do
    echo "== client SDKs: pass \"$pass\" (chime-mock --listen 127.0.0.1:0 ${MOCK_FLAGS[$pass]})"
    if ! start_mock "$pass"; then
        status=1
        continue
    fi
    judging=no
    [[ " ${MOCK_FLAGS[$pass]} " == *" --judge-clients "* ]] && judging=yes
    for name in "${SDKS[@]}"; do
        IFS='|' read -r dir command <<<"$(sdk_command "$name")"
        echo "== client SDKs: $name ($pass)"
        out="$work/$pass-$name.out"
        started=$(now_ms)
        # shellcheck disable=SC2086 # the command is a word list
        if ! (cd "$here/$dir" && timeout 600 $command) 2>"$work/$pass-$name.err" | tee "$out"; then
            status=1
            sed -n '1,40p' "$work/$pass-$name.err" >&2
        fi
        elapsed=$(($(now_ms) - started))
        seconds[$pass-$name]="$(printf '%d.%02d' $((elapsed / 1000)) $((elapsed % 1000 / 10)))"
        line="$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed$" "$out" | tail -n 1 || true)"
        result[$pass-$name]="${line#"$name: "}"
        verdict_status=0
        (cd "$here/python" && "$venv_python" verdicts.py) >"$work/$pass-$name.verdicts" || verdict_status=$?
        sed 's/^/  /' "$work/$pass-$name.verdicts"
        case "$verdict_status" in
        0) verdicts[$pass-$name]=0 ;;
        3)
            verdicts[$pass-$name]="not available"
            [ "$judging" = no ] || status=1
            ;;
        1)
            verdicts[$pass-$name]="$(sed -n 's/^verdicts: //p' "$work/$pass-$name.verdicts")"
            status=1
            ;;
        *)
            verdicts[$pass-$name]="unreadable"
            status=1
            ;;
        esac
        echo "-- $name ($pass): ${seconds[$pass-$name]} s"
    done
    stop_mock
done

echo "== client SDKs: summary (${#SDKS[@]} SDKs; passes: $(for p in "${PASSES[@]}"; do printf '%s [%s] ' "$p" "${MOCK_FLAGS[$p]}"; done))"
passed=0
failed=0
for name in "${SDKS[@]}"; do
    sdk_passed=0
    sdk_failed=0
    detail=""
    for pass in "${PASSES[@]}"; do
        r="${result[$pass-$name]:-}"
        if [ -z "$r" ]; then
            detail+="${detail:+; }$pass: no result (it did not finish)"
            status=1
            continue
        fi
        set -- $(sed -E 's/([0-9]+) passed, ([0-9]+) failed/\1 \2/' <<<"$r")
        sdk_passed=$((sdk_passed + $1))
        sdk_failed=$((sdk_failed + $2))
        detail+="${detail:+; }$pass: $r, verdicts: ${verdicts[$pass-$name]}, ${seconds[$pass-$name]} s"
    done
    echo "  $name: $sdk_passed passed, $sdk_failed failed ($detail)"
    passed=$((passed + sdk_passed))
    failed=$((failed + sdk_failed))
done
echo "clients: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit "$status"
