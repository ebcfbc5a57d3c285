#!/usr/bin/env bash
# Installs the pinned client SDKs that clients/run.sh drives against chime-mock, each from its
# own registry, and prints each step's wall time:
#   apt   the Debian packages below, at exactly the pinned versions (AWS CLI v2, Go and the
#         AWS SDK for Go v2 with its Debian dependencies); skipped when every one is already
#         installed at its version, otherwise `apt-get update` then `apt-get install`, which
#         needs root: without it, and with a package missing, this exits 2 naming them;
#   pip   boto3 and the AWS CLI v1 into clients/.venv (python/requirements.txt, a pip freeze);
#   npm   @aws-sdk/client-chime (v3) and aws-sdk (v2) into clients/js/node_modules (npm ci);
#   go    the Go checks (clients/go) built offline in GOPATH mode against the Debian sources
#         in /usr/share/gocode, build cache in clients/go/.cache (ignored by git).
# A missing Python 3.9+, Node.js 18+ or npm is exit 2 as well. Nothing is installed globally
# except the Debian packages. Usage: bash clients/install.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

# Debian bookworm pins: package=version.
DEBIAN_PINS=(
    "awscli=2.9.19-1"
    "golang-go=2:1.19~1"
    "golang-github-aws-aws-sdk-go-v2-dev=1.17.1-3"
)

missing() {
    echo "clients/install.sh: $1 is required for the SDK client checks but was not found; install it (see clients/README.md)" >&2
    exit 2
}

step_started=$SECONDS
timed() { # name: prints the time since the previous call
    echo "-- install $1: $((SECONDS - step_started)) s"
    step_started=$SECONDS
}

# apt: only what is not installed at its pinned version.
absent=()
for pin in "${DEBIAN_PINS[@]}"; do
    package="${pin%%=*}"
    version="${pin#*=}"
    installed="$(dpkg-query -W -f='${db:Status-Status} ${Version}' "$package" 2>/dev/null || true)"
    [ "$installed" = "installed $version" ] || absent+=("$pin")
done
if [ "${#absent[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "clients/install.sh: these Debian packages are not installed at their pinned versions: ${absent[*]}" >&2
        echo "clients/install.sh: run as root, or install them first: sudo apt-get install -y --no-install-recommends ${absent[*]}" >&2
        exit 2
    fi
    command -v apt-get >/dev/null || missing "apt-get (Debian packages ${absent[*]})"
    echo "== client SDKs: apt-get install ${absent[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${absent[@]}" >/dev/null
else
    echo "== client SDKs: Debian packages already at their pinned versions (${DEBIAN_PINS[*]})"
fi
[ -x /usr/bin/aws ] && /usr/bin/aws --version 2>&1 | grep -q '^aws-cli/2\.' ||
    missing "the AWS CLI v2 at /usr/bin/aws (Debian package awscli)"
[ -d /usr/share/gocode/src/github.com/aws/aws-sdk-go-v2/service/chime ] ||
    missing "the AWS SDK for Go v2's service/chime in /usr/share/gocode (Debian package golang-github-aws-aws-sdk-go-v2-dev)"
timed apt

# pip: the Python SDKs into clients/.venv.
python="${PYTHON:-python3}"
command -v "$python" >/dev/null || missing "Python 3 ($python)"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' ||
    missing "Python 3.9 or newer (found $("$python" --version 2>&1))"
echo "== client SDKs: pip install into clients/.venv"
[ -x "$here/.venv/bin/python" ] || "$python" -m venv "$here/.venv"
"$here/.venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$here/python/requirements.txt"
timed pip

# npm: both JavaScript SDKs into clients/js/node_modules.
command -v node >/dev/null || missing "Node.js (node)"
command -v npm >/dev/null || missing "npm"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
    missing "Node.js 18 or newer (found $(node --version))"
echo "== client SDKs: npm ci in clients/js"
(cd "$here/js" && npm ci --no-audit --no-fund --loglevel=error)
timed npm

# go: offline, GOPATH mode, against the Debian-packaged SDK sources.
go=/usr/lib/go-1.19/bin/go
[ -x "$go" ] || go="$(command -v go || true)"
[ -n "$go" ] || missing "Go (Debian package golang-go)"
echo "== client SDKs: go build clients/go ($("$go" version))"
mkdir -p "$here/go/.cache/gopath"
(cd "$here/go" &&
    env GO111MODULE=off GOFLAGS= GOPROXY=off GOTOOLCHAIN=local \
        GOPATH="$here/go/.cache/gopath:/usr/share/gocode" GOCACHE="$here/go/.cache/build" \
        "$go" build -o "$here/go/.cache/chime-go-v2-checks" .)
timed go
