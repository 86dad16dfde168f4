# shellcheck shell=bash
# Shared helpers for scripts/run-demo.sh and scripts/test.sh. Source it, do not run it.
#
# Target: a fresh Debian 12 machine with the .NET SDK, run as root (CI: CI=true, no stdin) or as a
# normal user with sudo. Everything PostgreSQL-related uses /usr/lib/postgresql/15/bin explicitly:
# other pg_ctl/initdb/psql binaries may be earlier on PATH (e.g. /usr/local/bin, /usr/bin/psql is
# Debian's version-picking wrapper).

GRID_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
PGBIN=/usr/lib/postgresql/15/bin

export DOTNET_NOLOGO=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

grid_log() { printf '[gridcity] %s\n' "$*" >&2; }
grid_die() { printf '[gridcity] ERROR: %s\n' "$*" >&2; exit 1; }

# Run a command as root (directly when we are root, else through sudo).
_as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else grid_die "need root (or sudo) to run: $*"
  fi
}

_GRID_APT_UPDATED=0
# apt_install PKG... : apt-get update (once per script run), then a non-interactive install.
_apt_install() {
  [[ $# -gt 0 ]] || return 0
  command -v apt-get >/dev/null 2>&1 || grid_die "apt-get not found; install by hand: $*"
  if [[ $_GRID_APT_UPDATED -eq 0 ]]; then
    grid_log "apt-get update"
    _as_root env DEBIAN_FRONTEND=noninteractive apt-get update </dev/null
    _GRID_APT_UPDATED=1
  fi
  grid_log "apt-get install $*"
  _as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" </dev/null
}

_pkg_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

# ensure_packages [chromium] : PostgreSQL 15 + PostGIS 3 (+ Chromium for the browser tests).
# A cheap presence check first: when everything is there, apt is not touched at all.
ensure_packages() {
  local missing=()
  if ! _pkg_installed postgresql-15 || [[ ! -x $PGBIN/initdb ]]; then missing+=(postgresql-15); fi
  if ! _pkg_installed postgresql-15-postgis-3 \
     || [[ ! -f /usr/share/postgresql/15/extension/postgis.control ]]; then
    missing+=(postgresql-15-postgis-3)
  fi
  local a
  for a in "$@"; do
    case "$a" in
      chromium)
        if ! _pkg_installed chromium || [[ ! -x /usr/bin/chromium ]]; then missing+=(chromium); fi
        # Chinese text in pages and screenshots needs a CJK font.
        if ! _pkg_installed fonts-noto-cjk; then missing+=(fonts-noto-cjk); fi ;;
      *) grid_die "ensure_packages: unknown option '$a'" ;;
    esac
  done
  # runuser (util-linux) and dpkg are always there on Debian; nothing else is needed.
  _apt_install "${missing[@]}"
}

# _cluster_path DIR : the real location of cluster DIR (relative paths are relative to the repo).
# The cluster files belong to the postgres user, which must be able to reach them. When the repo
# is not traversable by postgres, the cluster lives in /var/tmp/gridcity-<hash of repo path>/.
_cluster_path() {
  local dir="$1"
  [[ $dir == /* ]] || dir="$GRID_ROOT/$dir"
  if [[ $EUID -ne 0 ]]; then printf '%s\n' "$dir"; return; fi   # non-root: cluster owned by us
  local parent; parent="$(dirname "$dir")"
  mkdir -p "$parent"
  # .gridcity/ must be searchable by postgres even under a strict umask.
  [[ $parent == "$GRID_ROOT"/* ]] && chmod a+rx "$parent" 2>/dev/null
  if (cd / && runuser -u postgres -- test -x "$parent") 2>/dev/null; then
    printf '%s\n' "$dir"
  else
    local hash; hash="$(printf '%s' "$GRID_ROOT" | sha256sum | cut -c1-12)"
    printf '/var/tmp/gridcity-%s/%s\n' "$hash" "$(basename "$dir")"
  fi
}

# Run a PostgreSQL server-side tool as the cluster owner (postgres when we are root).
_as_pg() {
  if [[ $EUID -eq 0 ]]; then (cd / && runuser -u postgres -- "$@")
  else (cd / && "$@")
  fi
}

# Is the postmaster recorded in DIR/postmaster.pid really alive? (After a machine restart the pid
# in a stale postmaster.pid may belong to some unrelated process; kill -0 alone would lie.)
_cluster_running() {
  local pd="$1" pid exe
  [[ -f $pd/postmaster.pid ]] || return 1
  pid="$(head -n1 "$pd/postmaster.pid" 2>/dev/null)"
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -d /proc/$pid ]] || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
  if [[ -n $exe ]]; then
    [[ $exe == */postgres* ]] || return 1
  else
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q postgres || return 1
  fi
  # Same data directory? (line 2 of postmaster.pid)
  [[ "$(sed -n 2p "$pd/postmaster.pid")" == "$pd" ]]
}

# ensure_cluster DIR PORT [DB] : create (if missing), start (if not running) and wait for a loopback
# PostgreSQL 15 cluster; create database DB if missing. Set PG_FAST=1 for the throwaway test
# cluster (fsync/synchronous_commit/full_page_writes off). Prints nothing on stdout.
# Sets GRID_PG_DIR to the cluster's real location.
ensure_cluster() {
  local dir="$1" port="$2" db="${3:-}"
  [[ -n $dir && $port =~ ^[0-9]+$ ]] || grid_die "usage: ensure_cluster DIR PORT [DB]"
  local pd; pd="$(_cluster_path "$dir")"
  GRID_PG_DIR="$pd"
  [[ $pd == "$GRID_ROOT"/* ]] || grid_log "cluster for $dir lives in $pd (repo not reachable by the postgres user)"

  if [[ ! -f $pd/PG_VERSION ]]; then
    # Missing or half-made (interrupted initdb): start from scratch.
    case "$pd" in /|"$GRID_ROOT"|"$GRID_ROOT"/.gridcity) grid_die "refusing to use $pd as a cluster dir" ;; esac
    rm -rf "$pd"
    mkdir -p "$pd"
    if [[ $EUID -eq 0 ]]; then
      chmod a+rx "$(dirname "$pd")"
      chown postgres:postgres "$pd"
    fi
    chmod 700 "$pd"
    grid_log "initdb $pd"
    _as_pg "$PGBIN/initdb" -D "$pd" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
      --no-instructions >"$pd.initdb.log" 2>&1 \
      || { cat "$pd.initdb.log" >&2; grid_die "initdb failed for $pd"; }
    rm -f "$pd.initdb.log"
    printf "\ninclude_if_exists = 'gridcity.conf'\n" | _as_pg tee -a "$pd/postgresql.conf" >/dev/null
  fi

  # Settings are (re)written on every call; they take effect at the next start.
  local sockdir="$pd"
  # sun_path holds at most 107 bytes; without a socket everything still works over TCP.
  (( ${#pd} + 20 > 107 )) && sockdir=""
  {
    echo "# Written by scripts/lib.sh (ensure_cluster); edits are overwritten."
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '$sockdir'"
    echo "max_connections = 300"
    echo "shared_buffers = 256MB"
    echo "logging_collector = off"
    echo "log_min_messages = warning"
    # Commit times of transactions, which bench/circuits measures from (a few bytes a transaction).
    echo "track_commit_timestamp = on"
    if [[ ${PG_FAST:-0} == 1 ]]; then
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } | _as_pg tee "$pd/gridcity.conf" >/dev/null
  {
    echo "# Written by scripts/lib.sh: loopback-only dev/test cluster, no passwords."
    echo "local   all          all                 trust"
    echo "host    all          all   127.0.0.1/32  trust"
    echo "host    all          all   ::1/128       trust"
    echo "local   replication  all                 trust"
    echo "host    replication  all   127.0.0.1/32  trust"
  } | _as_pg tee "$pd/pg_hba.conf" >/dev/null

  if ! _cluster_running "$pd"; then
    if [[ -f $pd/postmaster.pid ]]; then
      grid_log "removing stale postmaster.pid in $pd"
      rm -f "$pd/postmaster.pid" "$pd"/.s.PGSQL.*
    fi
    if "$PGBIN/pg_isready" -q -U postgres -h 127.0.0.1 -p "$port" -t 2; then
      grid_die "port $port on 127.0.0.1 is taken by another server; stop it or pick another port"
    fi
    grid_log "starting PostgreSQL ($pd, 127.0.0.1:$port)"
    if ! _as_pg "$PGBIN/pg_ctl" -D "$pd" -l "$pd/server.log" -w -t 60 -s start; then
      tail -n 30 "$pd/server.log" >&2 || true
      grid_die "PostgreSQL did not start (log: $pd/server.log)"
    fi
  fi

  local i
  for ((i = 0; i < 60; i++)); do
    "$PGBIN/pg_isready" -q -U postgres -h 127.0.0.1 -p "$port" -t 2 && break
    sleep 0.5
  done
  "$PGBIN/pg_isready" -q -U postgres -h 127.0.0.1 -p "$port" -t 2 \
    || grid_die "PostgreSQL at 127.0.0.1:$port is not ready (log: $pd/server.log)"

  if [[ -n $db ]]; then
    local have
    have="$("$PGBIN/psql" -X -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAq \
      -v ON_ERROR_STOP=1 -c "select 1 from pg_database where datname = '${db//\'/\'\'}'")"
    if [[ $have != 1 ]]; then
      grid_log "creating database $db"
      "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"
    fi
  fi
}

# stop_cluster DIR : fast shutdown if running. Quiet.
stop_cluster() {
  local pd; pd="$(_cluster_path "$1")"
  if _cluster_running "$pd"; then
    _as_pg "$PGBIN/pg_ctl" -D "$pd" -m fast -w -t 60 -s stop >/dev/null 2>&1 \
      || _as_pg "$PGBIN/pg_ctl" -D "$pd" -m immediate -w -s stop >/dev/null 2>&1 || true
  fi
}

# drop_cluster DIR : stop and delete.
drop_cluster() {
  local pd; pd="$(_cluster_path "$1")"
  stop_cluster "$1"
  rm -rf "$pd"
}

# ensure_npm : install the front-end packages of src/Grid.Web when they are missing or older than
# package-lock.json / package.json. Installs Debian's nodejs + npm when npm is absent.
ensure_npm() {
  local web="$GRID_ROOT/src/Grid.Web"
  [[ -f $web/package.json ]] || return 0
  local stamp="$web/node_modules/.gridcity-npm-stamp"
  if [[ -f $stamp && ! $web/package.json -nt $stamp \
        && ( ! -f $web/package-lock.json || ! $web/package-lock.json -nt $stamp ) ]]; then
    return 0
  fi
  command -v npm >/dev/null 2>&1 || _apt_install nodejs npm
  if [[ -f $web/package-lock.json ]]; then
    grid_log "npm ci in src/Grid.Web"
    (cd "$web" && npm ci --no-audit --no-fund </dev/null)
  else
    grid_log "src/Grid.Web has no package-lock.json; running npm install (commit the lock file)"
    (cd "$web" && npm install --no-audit --no-fund </dev/null)
  fi
  touch "$stamp"
}
