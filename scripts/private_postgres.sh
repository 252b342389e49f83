# Sourced by scripts/test when no PostgreSQL answers: start a throwaway server on a free
# port with trust auth on 127.0.0.1 only, stopped when the tests end.
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_dir=$(mktemp -d /tmp/aid-pg.XXXXXX)
pg_port=$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run_pg() { if [ "$(id -u)" = 0 ]; then chown -R postgres "$pg_dir"; su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
run_pg "$bin/initdb -D $pg_dir/data -U postgres --auth=trust >/dev/null"
run_pg "$bin/pg_ctl -D $pg_dir/data -l $pg_dir/log -w -o '-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1' start >/dev/null"
trap 'run_pg "$bin/pg_ctl -D $pg_dir/data -m fast stop" >/dev/null 2>&1; rm -rf "$pg_dir"' EXIT
export AID_TEST_PG_URL="postgresql://postgres@127.0.0.1:$pg_port/postgres"
echo "Started a private PostgreSQL on port $pg_port for the tests."
