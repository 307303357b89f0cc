#!/usr/bin/env bash
# Starts a PostgreSQL server for the aggregator's database tests and prints ONE line on stdout:
# the Npgsql connection string of a test role/database (diagnostics go to stderr).
# Idempotent: a running server, an existing role or database are reused.
# Works as root without a terminal (CI=true): Debian's cluster via pg_ctlcluster; if there is no
# such cluster (or it will not start), a private cluster is initdb'ed in a temp dir as the
# postgres user and started on port 54329.
# Usage: export SECAGG_TEST_POSTGRES="$(scripts/start-postgres.sh)"
set -euo pipefail
ROLE=${SECAGG_PG_ROLE:-secagg_test}
DB=${SECAGG_PG_DB:-secagg_test}
PASSWORD=${SECAGG_PG_PASSWORD:-secagg_test}
log() { echo "start-postgres: $*" >&2; }

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"
  elif [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"
  else sudo -n -u postgres "$@"; fi
}

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
[ -n "$PGBIN" ] || { log "no PostgreSQL server installed (apt-get install postgresql)"; exit 1; }
VER=$(basename "$(dirname "$PGBIN")")
HOST=127.0.0.1
PORT=""

if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | awk -v v="$VER" '$1==v && $2=="main"' | grep -q .; then
  line=$(pg_lsclusters -h | awk -v v="$VER" '$1==v && $2=="main"')
  PORT=$(echo "$line" | awk '{print $3}')
  if ! echo "$line" | awk '{print $4}' | grep -q online; then
    log "starting cluster $VER/main on port $PORT"
    pg_ctlcluster "$VER" main start >&2 || PORT=""
  fi
fi

if [ -z "$PORT" ]; then
  PORT=54329
  DATA=${SECAGG_PG_DATA:-/tmp/secagg-pg-$VER}
  if [ ! -s "$DATA/PG_VERSION" ]; then
    log "initdb in $DATA"
    mkdir -p "$DATA"; chown postgres:postgres "$DATA" 2>/dev/null || true; chmod 700 "$DATA"
    as_postgres "$PGBIN/initdb" -D "$DATA" -A scram-sha-256 --pwfile=<(echo "$PASSWORD") -U postgres >&2
  fi
  if ! as_postgres "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    log "starting private cluster on port $PORT"
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

if [ "$("${PSQL[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != 1 ]; then
  log "creating role $ROLE"
  "${PSQL[@]}" -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'" >&2
fi
if [ "$("${PSQL[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
  log "creating database $DB"
  "${PSQL[@]}" -c "CREATE DATABASE $DB OWNER $ROLE" >&2
fi

echo "Host=$HOST;Port=$PORT;Username=$ROLE;Password=$PASSWORD;Database=$DB"
