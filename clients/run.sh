#!/usr/bin/env bash
# Runs the official AWS SDKs against chime-mock, each pinned and installed from its own
# registry by clients/install.sh (called first), the Rust one by Cargo:
#   rust        AWS SDK for Rust               crates.io -> examples/rust_sdk_checks.rs
#   boto3       AWS SDK for Python             PyPI    -> clients/.venv
#   aws-cli-v1  AWS CLI v1                     PyPI    -> clients/.venv
#   aws-cli-v2  AWS CLI v2                     Debian  -> /usr/bin/aws
#   js-sdk-v3   AWS SDK for JavaScript v3      npm     -> clients/js/node_modules
#   js-sdk-v2   AWS SDK for JavaScript v2      npm     -> clients/js/node_modules
#   go-v2       AWS SDK for Go v2              Debian  -> /usr/share/gocode, built into clients/go/.cache
# Each SDK runs the same twelve checks (one PASS/FAIL line each) twice: once against a mock
# started with the "plain" flags, once against one started with the "varied" flags (MOCK_FLAGS
# below); the two passes run at the same time, each with its own mock. After each SDK's run
# the mock's verdicts on that SDK's requests are read from GET /_chime-mock/verdicts and
# printed ("verdicts: N", N must be 0). A closing summary gives one line per SDK (both
# passes, their verdicts and times) and "clients: N passed, N failed".
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
# Response forms an SDK does not parse, found by the varied pass (findings about the SDK,
# not the mock: each is a form restJson1 allows; see clients/README.md). The varied pass
# starts that SDK's mock with --vary-skip so the SDK is still tried on every other form,
# and the summary prints the list.
declare -A VARY_SKIP=(
    [boto3]="error_type_body_only"
    [aws-cli-v1]="error_type_body_only"
    [aws-cli-v2]="error_type_body_only,error_type_namespaced"
    [js-sdk-v3]="error_type_body_only"
)
SDKS=(rust boto3 aws-cli-v1 aws-cli-v2 js-sdk-v3 js-sdk-v2 go-v2)

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

bash "$here/install.sh" # exits 2 naming a missing prerequisite
venv_python="$here/.venv/bin/python"
go_checks="$here/go/.cache/chime-go-v2-checks"

sdk_command() { # name: the command running that SDK's checks, from clients/<dir>
    case "$1" in
    rust) echo "python|$rust_checks" ;;
    boto3) echo "python|$venv_python test_boto3.py" ;;
    aws-cli-v1) echo "python|$venv_python test_awscli.py --name aws-cli-v1 --major 1" ;;
    aws-cli-v2) echo "python|$venv_python test_awscli.py --name aws-cli-v2 --major 2 --aws /usr/bin/aws" ;;
    js-sdk-v3) echo "js|node test_sdk.mjs" ;;
    js-sdk-v2) echo "js|node test_sdk_v2.mjs" ;;
    go-v2) echo "go|$go_checks" ;;
    esac
}

echo "== client SDKs: chime-mock and the Rust SDK's checks"
# Built in the dev profile, the one `cargo test` builds, so that after the tests nothing
# but these two targets is compiled.
target_dir="$(cd "$root" && cargo metadata --format-version 1 --no-deps |
    "$venv_python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
(cd "$root" && cargo build --locked --example rust_sdk_checks)
rust_checks="$target_dir/debug/examples/rust_sdk_checks"
mock_bin="${CHIME_MOCK_BIN:-}"
if [ -z "$mock_bin" ]; then
    (cd "$root" && cargo build --locked -p chime-mock --bin chime-mock)
    mock_bin="$target_dir/debug/chime-mock"
fi
work="$(mktemp -d)"
# Each pass runs in its own subshell with its own mock (its pid in $work/mock-PASS.pid).
trap 'for f in "$work"/mock-*.pid; do [ ! -f "$f" ] || kill "$(cat "$f")" 2>/dev/null || true; done; rm -rf "$work"' EXIT

mock_flags() { # pass sdk: chime-mock's flags for that SDK in that pass
    local flags="${MOCK_FLAGS[$1]}"
    if [[ " $flags " == *" --vary-responses "* && -n "${VARY_SKIP[$2]:-}" ]]; then
        flags+=" --vary-skip ${VARY_SKIP[$2]}"
    fi
    echo "$flags"
}

start_mock() { # pass sdk: starts chime-mock with its flags, sets mock_pid and CHIME_MOCK_URL
    local pass="$1" url="" flags
    flags="$(mock_flags "$1" "$2")"
    # shellcheck disable=SC2086 # the flags are a word list
    "$mock_bin" --listen 127.0.0.1:0 $flags >"$work/mock-$pass.out" 2>"$work/mock-$pass.err" &
    mock_pid=$!
    echo "$mock_pid" >"$work/mock-$pass.pid"
    for _ in $(seq 1 100); do
        url="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/mock-$pass.out" | head -n 1 || true)"
        [ -n "$url" ] && break
        kill -0 "$mock_pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$url" ]; then
        echo "clients/run.sh: chime-mock${flags:+ $flags} did not start:"
        sed -n '1,20p' "$work/mock-$pass.err"
        return 1
    fi
    echo "chime-mock${flags:+ $flags} at $url"
    export CHIME_MOCK_URL="$url"
}

now_ms() { date +%s%3N; }

# One pass: every SDK against a mock of its own, then that mock's verdicts on it. Writes, per SDK,
# $work/PASS-SDK.result ("N passed, N failed"), .verdicts (0, N, "not available",
# "unreadable") and .seconds; $work/PASS.status is 1 when anything failed.
run_pass() { # pass
    local pass="$1" judging=no status=0 name dir command out started elapsed verdict_status
    mock_pid=""
    trap '[ -z "$mock_pid" ] || { kill "$mock_pid" 2>/dev/null; wait "$mock_pid" 2>/dev/null; rm -f "$work/mock-$pass.pid"; } || true' EXIT
    trap 'exit 143' TERM
    echo 1 >"$work/$pass.status"
    echo "== client SDKs: pass \"$pass\" (chime-mock --listen 127.0.0.1:0 ${MOCK_FLAGS[$pass]})"
    [[ " ${MOCK_FLAGS[$pass]} " == *" --judge-clients "* ]] && judging=yes
    for name in "${SDKS[@]}"; do
        IFS='|' read -r dir command <<<"$(sdk_command "$name")"
        echo "== client SDKs: $name ($pass)"
        if [ -n "$mock_pid" ]; then
            kill "$mock_pid" 2>/dev/null || true
            wait "$mock_pid" 2>/dev/null || true
        fi
        mock_pid=""
        start_mock "$pass" "$name" || { echo "$name: chime-mock did not start" >>"$work/$pass.problems" && status=1 && continue; }
        out="$work/$pass-$name.out"
        started=$(now_ms)
        # shellcheck disable=SC2086 # the command is a word list
        if ! (cd "$here/$dir" && timeout 600 $command) 2>"$work/$pass-$name.err" | tee "$out"; then
            status=1
            sed -n '1,40p' "$work/$pass-$name.err"
        fi
        elapsed=$(($(now_ms) - started))
        printf '%d.%02d' $((elapsed / 1000)) $((elapsed % 1000 / 10)) >"$work/$pass-$name.seconds"
        { grep -E "^$name: [0-9]+ passed, [0-9]+ failed$" "$out" || true; } | tail -n 1 |
            sed "s/^$name: //" >"$work/$pass-$name.result"
        verdict_status=0
        (cd "$here/python" && "$venv_python" verdicts.py) >"$work/$pass-$name.verdict-lines" || verdict_status=$?
        sed 's/^/  /' "$work/$pass-$name.verdict-lines"
        case "$verdict_status" in
        0) echo 0 ;;
        1) status=1 && sed -n 's/^verdicts: //p' "$work/$pass-$name.verdict-lines" ;;
        3) { [ "$judging" = no ] || status=1; } && echo "not available" ;;
        *) status=1 && echo "unreadable" ;;
        esac >"$work/$pass-$name.verdicts"
        case "$(cat "$work/$pass-$name.verdicts")" in
        0) ;;
        "not available") [ "$judging" = no ] || echo "$name: verdicts not available from a mock started with --judge-clients" >>"$work/$pass.problems" ;;
        *) echo "$name: verdicts: $(cat "$work/$pass-$name.verdicts")" >>"$work/$pass.problems" ;;
        esac
        echo "-- $name ($pass): $(cat "$work/$pass-$name.seconds") s"
    done
    echo "$status" >"$work/$pass.status"
}

# The first pass streams its output; the others run at the same time against their own mock
# and their output follows.
pids=()
for pass in "${PASSES[@]:1}"; do
    (run_pass "$pass") >"$work/$pass.log" 2>&1 &
    pids+=($!)
done
(run_pass "${PASSES[0]}") 2>&1
for pid in "${pids[@]}"; do wait "$pid" || true; done
for pass in "${PASSES[@]:1}"; do cat "$work/$pass.log"; done

status=0
echo "== client SDKs: summary (${#SDKS[@]} SDKs; passes: $(for p in "${PASSES[@]}"; do printf '%s [%s] ' "$p" "${MOCK_FLAGS[$p]}"; done))"
passed=0
failed=0
for name in "${SDKS[@]}"; do
    sdk_passed=0
    sdk_failed=0
    detail=""
    for pass in "${PASSES[@]}"; do
        r="$(cat "$work/$pass-$name.result" 2>/dev/null || true)"
        if [ -z "$r" ]; then
            detail+="${detail:+; }$pass: no result (it did not finish)"
            status=1
            continue
        fi
        set -- $(sed -E 's/([0-9]+) passed, ([0-9]+) failed/\1 \2/' <<<"$r")
        sdk_passed=$((sdk_passed + $1))
        sdk_failed=$((sdk_failed + $2))
        detail+="${detail:+; }$pass: $r, verdicts: $(cat "$work/$pass-$name.verdicts"), $(cat "$work/$pass-$name.seconds") s"
    done
    [ -z "${VARY_SKIP[$name]:-}" ] || detail+="; forms it does not parse: ${VARY_SKIP[$name]//,/, }"
    echo "  $name: $sdk_passed passed, $sdk_failed failed ($detail)"
    passed=$((passed + sdk_passed))
    failed=$((failed + sdk_failed))
done
for pass in "${PASSES[@]}"; do
    [ "$(cat "$work/$pass.status" 2>/dev/null)" = 0 ] || status=1
    if [ -s "$work/$pass.problems" ]; then
        echo "  pass $pass failed: $(paste -sd ';' "$work/$pass.problems" | sed 's/;/; /g')"
    fi
done
echo "clients: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit "$status"
