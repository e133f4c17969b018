# shellcheck shell=bash
# Shared helpers for scripts/test and scripts/serve. Source it; do not run it.

# Repository root, whatever directory the calling script was started from.
NEXUS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export NEXUS_ROOT

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Prints a step header to stderr, so a command's stdout stays its own.
step() {
  printf '\n==> %s\n' "$*" >&2
}

# A persistent target directory outside the work tree, so a fresh clone (or a
# second clone) reuses what earlier builds compiled.
setup_cargo_target_dir() {
  : "${HOME:?HOME must be set}"
  CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nexus/target}"
  mkdir -p "$CARGO_TARGET_DIR"
  CARGO_TARGET_DIR="$(cd "$CARGO_TARGET_DIR" && pwd)"
  export CARGO_TARGET_DIR
}

require_cargo() {
  # rustup installs into ~/.cargo/bin; a non-login shell may not have it on PATH.
  if ! command -v cargo >/dev/null 2>&1 && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
    PATH="$HOME/.cargo/bin:$PATH"
    export PATH
  fi
  command -v cargo >/dev/null 2>&1 || die "cargo not found. Install Rust with rustup:
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y
then open a new shell (or run: . \"\$HOME/.cargo/env\") and try again"
}

# Makes sure a rustup component (rustfmt, clippy) is there, adding it through
# rustup when it is not.
require_rust_component() {
  local component="$1" probe="$2"
  if cargo "$probe" --version >/dev/null 2>&1; then
    return 0
  fi
  command -v rustup >/dev/null 2>&1 \
    || die "cargo $probe not found and rustup is not there to add it; install the '$component' component for your Rust toolchain"
  echo "adding rustup component $component" >&2
  rustup component add "$component" \
    || die "could not add the '$component' component: run 'rustup component add $component'"
}

require_cmd() {
  local cmd="$1" hint="$2"
  command -v "$cmd" >/dev/null 2>&1 || die "$cmd not found: $hint"
}

# sha256 over the given files plus any extra strings (tool versions).
stamp_of() {
  local files=() extra=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do
    files+=("$1")
    shift
  done
  [[ "${1:-}" == "--" ]] && shift
  extra=("$@")
  {
    cat "${files[@]}"
    printf '%s\n' "${extra[@]}"
  } | sha256sum | cut -d' ' -f1
}

# A free TCP port on 127.0.0.1.
free_port() {
  "${PYTHON:-python3}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Starts moto (the AWS emulator) on 127.0.0.1 with the project's launcher
# (scripts/tools/moto_server.py), waits until it answers and sets MOTO_PID
# and MOTO_URL. Usage: start_moto <venv> <port> <log file>
start_moto() {
  local venv="$1" port="$2" log="$3"
  "$venv/bin/python" "$NEXUS_ROOT/scripts/tools/moto_server.py" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  MOTO_PID=$!
  MOTO_URL="http://127.0.0.1:$port"
  local i
  for i in $(seq 1 100); do
    if "$venv/bin/python" -c "import urllib.request, sys; urllib.request.urlopen('$MOTO_URL/moto-api/', timeout=1)" >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$MOTO_PID" 2>/dev/null || die "moto exited at start; its log is $log:
$(tail -20 "$log")"
    sleep 0.2
  done
  die "moto did not answer on $MOTO_URL within 20 s; its log is $log"
}

# Starts osmem-server (an in-memory OpenSearch, from the osmem-server
# package in <venv>) on 127.0.0.1:<port>, waits until it prints its URL and
# sets OSMEM_PID and OSMEM_URL. With [parent pid] it exits when that process
# does. Usage: start_osmem <venv> <port> <log file> [parent pid]
start_osmem() {
  local venv="$1" port="$2" log="$3" parent="${4:-}" bin
  bin="$("$venv/bin/python" -c 'import os, osmem_server; print(os.path.join(os.path.dirname(osmem_server.__file__), "bin", "osmem-server"))')" \
    || die "osmem-server is not installed in $venv (it comes from scripts/tools/requirements.txt)"
  [[ -f "$bin" ]] || die "no osmem-server binary at $bin; delete $venv and run again"
  [[ -x "$bin" ]] || chmod +x "$bin"
  local args=(-addr "127.0.0.1:$port" -no-stdin-watch)
  [[ -n "$parent" ]] && args+=(-parent-pid "$parent")
  "$bin" "${args[@]}" >"$log" 2>&1 &
  OSMEM_PID=$!
  OSMEM_URL=""
  local i
  for i in $(seq 1 100); do
    # It prints {"url": ..., "pid": ...} on one line once it listens.
    OSMEM_URL="$("$venv/bin/python" - "$log" <<'PY' 2>/dev/null || true
import json, sys
for line in open(sys.argv[1]):
    if line.lstrip().startswith("{"):
        print(json.loads(line)["url"])
        break
PY
)"
    [[ -n "$OSMEM_URL" ]] && return 0
    kill -0 "$OSMEM_PID" 2>/dev/null || die "osmem-server exited at start; its log is $log:
$(tail -20 "$log")"
    sleep 0.2
  done
  die "osmem-server did not print its URL within 20 s; its log is $log"
}

# Creates (or repairs) the virtualenv <venv> and installs
# scripts/tools/requirements.txt into it when that file changed.
setup_python_tools() {
  local venv="$1" tools_dir="$NEXUS_ROOT/scripts/tools"
  require_cmd python3 "install Python 3.11 or newer"
  if [[ -d "$venv" ]] && ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
    echo "recreating broken virtualenv $venv"
    rm -rf "$venv"
  fi
  if [[ ! -d "$venv" ]]; then
    python3 -m venv "$venv" \
      || die "could not create $venv with 'python3 -m venv' (on Debian: apt-get install python3-venv)"
  fi
  local stamp_file="$venv/.nexus-tools-stamp" stamp
  stamp="$(stamp_of "$tools_dir/requirements.txt" -- "$("$venv/bin/python" --version 2>&1)")"
  if [[ -f "$stamp_file" && "$(cat "$stamp_file")" == "$stamp" ]]; then
    echo "python tools up to date"
  else
    "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q \
      -r "$tools_dir/requirements.txt"
    echo "$stamp" >"$stamp_file"
  fi
}

# Installs the Node tools (buf) from scripts/tools/package-lock.json into
# scripts/tools/node_modules when they changed, and sets BUF.
setup_buf() {
  local tools_dir="$NEXUS_ROOT/scripts/tools"
  require_cmd node "install Node.js 20 or newer (e.g. apt-get install nodejs npm)"
  require_cmd npm "install npm (e.g. apt-get install npm)"
  local npm_stamp_file="$tools_dir/node_modules/.nexus-tools-stamp" npm_stamp
  npm_stamp="$(stamp_of "$tools_dir/package.json" "$tools_dir/package-lock.json" -- "node $(node --version)")"
  BUF="$tools_dir/node_modules/.bin/buf"
  if [[ -x "$BUF" && -f "$npm_stamp_file" && "$(cat "$npm_stamp_file")" == "$npm_stamp" ]]; then
    echo "node tools up to date" >&2
  else
    npm ci --prefix "$tools_dir" --no-audit --no-fund >&2
    [[ -x "$BUF" ]] || die "npm ci did not install buf at $BUF"
    echo "$npm_stamp" >"$npm_stamp_file"
  fi
  "$BUF" --version >/dev/null || die "buf at $BUF does not run; delete scripts/tools/node_modules and run again"
  export BUF
}
