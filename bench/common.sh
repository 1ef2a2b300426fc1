# bench/common.sh — the set-up bench/run.sh and bench/scaling.sh share (sourced, not run):
# paths, the peers' venv, Debian tools, and N distinct profiles.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEERS=${PEERS:-$(cd "$ROOT/../shared/peers" 2>/dev/null && pwd || echo /work/shared/peers)}
VENV=${VENV:-/tmp/peers-venv}
PY=$VENV/bin/python

need_apt() {  # need_apt COMMAND PACKAGE...: install from Debian when the command is missing
  local cmd=$1; shift
  if ! command -v "$cmd" >/dev/null 2>&1; then
    apt-get install -y "$@" >/dev/null || { apt-get update >/dev/null && apt-get install -y "$@" >/dev/null; }
  fi
}

need_peers() {  # the peers' venv, from their pinned requirements
  if [ ! -x "$PY" ]; then
    python3 -m venv "$VENV"
    "$PY" -m pip install -q -r "$PEERS/requirements.txt"
  fi
}

gen_profiles() {  # gen_profiles DIR N: the three sample profiles in turn, legal and short
  # name suffixed with the copy number (as the peers' --batch does)
  local dir=$1 n=$2 i k
  rm -rf "$dir" && mkdir -p "$dir"
  local src=("$ROOT/data/profiles/acme.toml" "$ROOT/data/profiles/awkward.toml" "$ROOT/data/profiles/nordwind.toml")
  for ((i = 0; i < n; i++)); do
    k=$(printf %04d $((i + 1)))
    sed -e "s/^legal-name = \"\\(.*\\)\"/legal-name = \"\\1 (batch copy $k)\"/" \
        -e "s/^short-name = \"\\(.*\\)\"/short-name = \"\\1 $k\"/" "${src[i % 3]}" > "$dir/p$k.toml"
  done
}

machine() {  # one paragraph describing the machine, the binary and the load
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(free -g | awk '/Mem:/{print $2}') GiB, $(. /etc/os-release && echo "$PRETTY_NAME"), $(uname -r)"
  echo "annex: $ANNEX ($("$ANNEX" --version))"
  echo "peers: $PEERS, python $("$PY" --version 2>&1 | cut -d' ' -f2)"
  echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
}
