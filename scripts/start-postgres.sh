#!/usr/bin/env bash
# Starts a PostgreSQL server for the aggregator's database tests and prints ONE line on stdout:
# the Npgsql connection string of a test role/database (diagnostics go to stderr).
# Idempotent and quick when already up (a running server, an existing role or database are reused).
# Works as root without a terminal (CI): installs Debian's postgresql if missing, then uses Debian's
# "main" cluster via pg_ctlcluster; if there is no such cluster (or it will not start, e.g. its port
# is taken), a private cluster is initdb'ed under $SECAGG_PG_DATA (default /tmp/secagg-pg-VERSION) as
# the postgres user and started on a free loopback port (remembered in that folder, reused next time).
# Usage: export SECAGG_TEST_POSTGRES="$(scripts/start-postgres.sh)"
#        SECAGG_PG_PRIVATE=1 scripts/start-postgres.sh    # skip the Debian cluster, use the private one
set -euo pipefail
cd "$(dirname "$0")"
ROLE=${SECAGG_PG_ROLE:-secagg_test}
DB=${SECAGG_PG_DB:-secagg_test}
PASSWORD=${SECAGG_PG_PASSWORD:-secagg_test}
HOST=127.0.0.1
log() { echo "start-postgres: $*" >&2; }

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"
  elif [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"
  else sudo -n -u postgres "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
    || echo 54329
}

if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  log "installing Debian's postgresql"
  ./ensure-deps.sh postgresql >&2
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
VER=$(basename "$(dirname "$PGBIN")")
PORT=""

if [ "${SECAGG_PG_PRIVATE:-0}" != 1 ] && command -v pg_lsclusters >/dev/null \
   && pg_lsclusters -h 2>/dev/null | awk -v v="$VER" '$1==v && $2=="main"' | grep -q .; then
  line=$(pg_lsclusters -h | awk -v v="$VER" '$1==v && $2=="main"')
  PORT=$(echo "$line" | awk '{print $3}')
  if ! echo "$line" | awk '{print $4}' | grep -q online; then
    log "starting cluster $VER/main on port $PORT"
    pg_ctlcluster "$VER" main start >&2 || { log "cluster $VER/main did not start; using a private cluster"; PORT=""; }
  fi
fi

if [ -z "$PORT" ]; then
  DATA=${SECAGG_PG_DATA:-/tmp/secagg-pg-$VER}
  if [ ! -s "$DATA/PG_VERSION" ]; then
    log "initdb in $DATA"
    rm -rf "$DATA"; mkdir -p "$DATA"; chown postgres:postgres "$DATA" 2>/dev/null || true; chmod 700 "$DATA"
    pwfile=$(mktemp); echo "$PASSWORD" >"$pwfile"; chown postgres "$pwfile" 2>/dev/null || true
    as_postgres "$PGBIN/initdb" -D "$DATA" -A scram-sha-256 --pwfile="$pwfile" -U postgres >&2
    rm -f "$pwfile"
  fi
  if as_postgres "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1 && [ -s "$DATA/secagg-port" ]; then
    PORT=$(cat "$DATA/secagg-port")
  else
    PORT=$(free_port)
    echo "$PORT" | as_postgres tee "$DATA/secagg-port" >/dev/null
    log "starting private cluster in $DATA on port $PORT"
    as_postgres "$PGBIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
      -o "-p $PORT -k /tmp -c listen_addresses=$HOST" start >&2
  fi
  PSQL=(env PGPASSWORD="$PASSWORD" psql -h "$HOST" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA)
else
  PSQL=(as_postgres psql -p "$PORT" -d postgres -v ON_ERROR_STOP=1 -qtA)
fi

for _ in $(seq 1 30); do
  "$PGBIN/pg_isready" -h "$HOST" -p "$PORT" -q && break
  sleep 1
done
"$PGBIN/pg_isready" -h "$HOST" -p "$PORT" -q || { log "server on $HOST:$PORT is not ready"; exit 1; }

# The cluster tests run several silos (each with its Orleans providers' connection pools) beside the aggregator's
# database tests: Debian's default of 100 connections was reached once. Raise it once (a restart, only when lower).
MAX_CONNECTIONS=${SECAGG_PG_MAX_CONNECTIONS:-300}
if [ "$("${PSQL[@]}" -c "SHOW max_connections")" -lt "$MAX_CONNECTIONS" ]; then
  log "raising max_connections to $MAX_CONNECTIONS (restarts the server once)"
  "${PSQL[@]}" -c "ALTER SYSTEM SET max_connections = $MAX_CONNECTIONS" >&2
  if [ -n "${DATA:-}" ]; then
    as_postgres "$PGBIN/pg_ctl" -D "$DATA" -w restart >&2
  else
    pg_ctlcluster "$VER" main restart >&2
  fi
  for _ in $(seq 1 30); do
    "$PGBIN/pg_isready" -h "$HOST" -p "$PORT" -q && break
    sleep 1
  done
fi

if [ "$("${PSQL[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != 1 ]; then
  log "creating role $ROLE"
  "${PSQL[@]}" -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'" >&2
fi
if [ "$("${PSQL[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
  log "creating database $DB"
  "${PSQL[@]}" -c "CREATE DATABASE $DB OWNER $ROLE" >&2
fi

CS="Host=$HOST;Port=$PORT;Username=$ROLE;Password=$PASSWORD;Database=$DB"
# Check the printed string really logs in (password auth over TCP), so a wrong setup fails here, not in the tests.
PGPASSWORD="$PASSWORD" psql -h "$HOST" -p "$PORT" -U "$ROLE" -d "$DB" -qtA -c "SELECT 1" >/dev/null \
  || { log "cannot log in as $ROLE to $DB on $HOST:$PORT"; exit 1; }
echo "$CS"
