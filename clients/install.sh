#!/usr/bin/env bash
# Installs the pinned client SDKs that clients/run.sh drives against chime-mock, each from its
# own registry, and prints each step's wall time:
#   apt   the Debian packages below, at exactly the pinned versions (AWS CLI v2, Go and the
#         AWS SDK for Go v2 with its Debian dependencies); skipped when every one is already
#         installed at its version, otherwise `apt-get update` then `apt-get install`, which
#         needs root: without it, and with a package missing, this exits 2 naming them;
#   pip   boto3 and the AWS CLI v1 into clients/.venv (python/requirements.txt, a pip freeze);
#   npm   @aws-sdk/client-chime (v3) and aws-sdk (v2) into clients/js/node_modules (npm ci,
#         skipped when node_modules was installed from the same package-lock.json);
#   go    the Go checks (clients/go) built offline in GOPATH mode against the Debian sources
#         in /usr/share/gocode, build cache in clients/go/.cache (ignored by git).
# apt, pip and npm run at the same time, and go as soon as apt is done (each step to its own
# log, shown when it ends).
# A missing Python 3.9+, Node.js 18+ or npm is exit 2 as well (checked before anything is
# installed); a failed step is exit 1. Nothing is installed globally except the Debian
# packages. Usage: bash clients/install.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

# Debian bookworm pins: package=version.
DEBIAN_PINS=(
    "awscli=2.9.19-1"
    "golang-go=2:1.19~1"
    "golang-github-aws-aws-sdk-go-v2-dev=1.17.1-3"
    "golang-github-aws-smithy-go-dev=1.13.3-2" # a dependency of the above, pinned as the Go build uses it
)

missing() {
    echo "clients/install.sh: $1 is required for the SDK client checks but was not found; install it (see clients/README.md)" >&2
    exit 2
}

# Prerequisites first, so that a missing one stops this before anything is installed.
absent=() # the Debian pins not installed at their version
for pin in "${DEBIAN_PINS[@]}"; do
    package="${pin%%=*}"
    version="${pin#*=}"
    installed="$(dpkg-query -W -f='${db:Status-Status} ${Version}' "$package" 2>/dev/null || true)"
    [ "$installed" = "installed $version" ] || absent+=("$pin")
done
if [ "${#absent[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "clients/install.sh: these Debian packages are not installed at their pinned versions: ${absent[*]}" >&2
        echo "clients/install.sh: run as root, or install them first: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${absent[*]}" >&2
        exit 2
    fi
    command -v apt-get >/dev/null || missing "apt-get (to install the Debian packages ${absent[*]})"
fi
python="${PYTHON:-python3}"
command -v "$python" >/dev/null || missing "Python 3 ($python)"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' ||
    missing "Python 3.9 or newer (found $("$python" --version 2>&1))"
command -v node >/dev/null || missing "Node.js (node)"
command -v npm >/dev/null || missing "npm"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
    missing "Node.js 18 or newer (found $(node --version))"

# The steps: each prints what it does and, last, "-- install STEP: N s".
install_apt() {
    local started=$SECONDS
    if [ "${#absent[@]}" -gt 0 ]; then
        echo "== client SDKs: apt-get install ${absent[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # --force-unsafe-io: no fsync per unpacked file (the Go SDK's sources are ~9,000 files).
        apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-unsafe-io \
            "${absent[@]}" >/dev/null
    else
        echo "== client SDKs: Debian packages already at their pinned versions (${DEBIAN_PINS[*]})"
    fi
    echo "-- install apt: $((SECONDS - started)) s"
}
install_pip() {
    local started=$SECONDS
    echo "== client SDKs: pip install into clients/.venv"
    [ -x "$here/.venv/bin/python" ] || "$python" -m venv "$here/.venv"
    # --no-compile: Python compiles only the modules it imports, when it first imports them.
    "$here/.venv/bin/python" -m pip install --disable-pip-version-check --quiet --no-compile \
        -r "$here/python/requirements.txt"
    echo "-- install pip: $((SECONDS - started)) s"
}
install_npm() {
    local started=$SECONDS
    # npm ci starts from an empty node_modules every time: skipped when the lock file is the
    # one the last npm ci here installed (a stamp written after it succeeded).
    local stamp="$here/js/node_modules/.chime-installed-lock" lock="$here/js/package-lock.json"
    if [ -f "$stamp" ] && cmp -s "$stamp" "$lock"; then
        echo "== client SDKs: clients/js/node_modules already installed from package-lock.json"
    else
        echo "== client SDKs: npm ci in clients/js"
        (cd "$here/js" && npm ci --no-audit --no-fund --loglevel=error)
        cp "$lock" "$stamp"
    fi
    echo "-- install npm: $((SECONDS - started)) s"
}
build_go() {
    local started=$SECONDS go=/usr/lib/go-1.19/bin/go
    [ -x "$go" ] || go="$(command -v go || true)"
    [ -n "$go" ] || { echo "clients/install.sh: no Go (Debian package golang-go)" && return 1; }
    echo "== client SDKs: go build clients/go ($("$go" version))"
    mkdir -p "$here/go/.cache/gopath"
    (cd "$here/go" &&
        env GO111MODULE=off GOFLAGS= GOPROXY=off GOTOOLCHAIN=local \
            GOPATH="$here/go/.cache/gopath:/usr/share/gocode" GOCACHE="$here/go/.cache/build" \
            "$go" build -o "$here/go/.cache/chime-go-v2-checks" .)
    echo "-- install go: $((SECONDS - started)) s"
}

started=$SECONDS
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
install_apt >"$logs/apt" 2>&1 &
apt_pid=$!
install_pip >"$logs/pip" 2>&1 &
pip_pid=$!
install_npm >"$logs/npm" 2>&1 &
npm_pid=$!
failed=()
# go starts as soon as apt has ended, while pip and npm may still run.
go_pid=""
if wait "$apt_pid"; then
    if [ ! -x /usr/bin/aws ] || ! /usr/bin/aws --version 2>&1 | grep -q '^aws-cli/2\.'; then
        echo "clients/install.sh: /usr/bin/aws is not the AWS CLI v2 (Debian package awscli)" >>"$logs/apt"
        failed+=(apt)
    elif [ ! -d /usr/share/gocode/src/github.com/aws/aws-sdk-go-v2/service/chime ]; then
        echo "clients/install.sh: no service/chime in /usr/share/gocode (Debian package golang-github-aws-aws-sdk-go-v2-dev)" >>"$logs/apt"
        failed+=(apt)
    else
        build_go >"$logs/go" 2>&1 &
        go_pid=$!
    fi
else
    failed+=(apt)
fi
cat "$logs/apt"
wait "$pip_pid" || failed+=(pip)
cat "$logs/pip"
wait "$npm_pid" || failed+=(npm)
cat "$logs/npm"
if [ -n "$go_pid" ]; then
    wait "$go_pid" || failed+=(go)
    cat "$logs/go"
fi
if [ "${#failed[@]}" -gt 0 ]; then
    echo "clients/install.sh: failed: ${failed[*]} (output above)" >&2
    exit 1
fi
echo "-- install (apt, pip and npm at once, go once apt is done): $((SECONDS - started)) s"
