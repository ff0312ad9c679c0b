#!/bin/sh
# A throwaway PostgreSQL cluster for tests: Debian's newest installed server binaries,
# listening only on a unix socket inside DIR (no TCP, never the system cluster or
# its port), trust auth, fsync off. As root the cluster runs as the `postgres` user.
#
# Usage:
#   tools/pg-cluster.sh start DIR        create and start; prints a libpq URL
#   tools/pg-cluster.sh createdb DIR NAME  create database NAME; prints its URL
#   tools/pg-cluster.sh url DIR [NAME]   prints the URL (of database NAME)
#   tools/pg-cluster.sh status DIR       "running URL" (exit 0) or "stopped" (exit 3)
#   tools/pg-cluster.sh pause DIR        stop the server, keep the data (fault tests)
#   tools/pg-cluster.sh resume DIR       start it again on the same socket and port
#   tools/pg-cluster.sh stop DIR         stop the server and remove DIR
set -eu

die() {
    echo "pg-cluster: $*" >&2
    exit 1
}

usage() {
    sed -n '6,13s/^# \{0,1\}//p' "$0" >&2
    exit 2
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n | tail -1)
[ -n "$bindir" ] && [ -x "$bindir/initdb" ] ||
    die "no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)"

is_root() {
    [ "$(id -u)" -eq 0 ]
}

# Runs a server program as the cluster's owner: initdb and pg_ctl refuse root. From /
# so that the owner never needs to read the caller's working directory.
as_owner() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

ensure_postgres_user() {
    if ! getent passwd postgres >/dev/null 2>&1; then
        useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
            --shell /bin/sh postgres || die "cannot create the postgres user"
    fi
}

# Every directory above DIR must be traversable by the server's user and by any
# local client that connects to the socket.
open_parents() {
    p=$(dirname "$1")
    while [ "$p" != "/" ]; do
        if [ "$(stat -c %A "$p" | cut -c10)" != "x" ] && [ "$(stat -c %A "$p" | cut -c10)" != "t" ]; then
            chmod o+x "$p" || die "cannot make $p traversable"
        fi
        p=$(dirname "$p")
    done
}

abs_dir() {
    (cd "$1" 2>/dev/null && pwd) || die "no such directory: $1"
}

# The socket file name carries a port number; any number works inside DIR, but one
# nothing listens on over TCP keeps logs and tools unambiguous.
pick_port() {
    used=$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk 'NR > 1 { split($2, a, ":"); print a[2] }')
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
        port=$((20000 + n % 30000))
        hex=$(printf '%04X' "$port")
        if ! echo "$used" | grep -qx "$hex"; then
            echo "$port"
            return
        fi
    done
    die "no free port number found"
}

# Percent-encodes the characters that would break a URL query value.
enc() {
    printf '%s' "$1" | sed -e 's/%/%25/g' -e 's/ /%20/g' -e 's/&/%26/g' -e 's/=/%3D/g' \
        -e 's/?/%3F/g' -e 's/#/%23/g' -e 's/+/%2B/g'
}

url_for() {
    echo "postgresql:///$(enc "$2")?host=$(enc "$dir")&port=$(cat "$dir/port")&user=postgres"
}

require_cluster() {
    dir=$(abs_dir "$dir")
    [ -f "$dir/port" ] && [ -f "$dir/data/PG_VERSION" ] || die "$dir holds no pg-cluster.sh cluster"
}

running() {
    as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

server_start() {
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
        {
            tail -20 "$dir/server.log" >&2 2>/dev/null || true
            die "server did not start (log: $dir/server.log)"
        }
}

case $cmd in
start)
    [ $# -eq 2 ] || usage
    mkdir -p "$dir"
    dir=$(abs_dir "$dir")
    [ ! -e "$dir/data" ] || die "$dir already holds a cluster"
    # The socket path (DIR/.s.PGSQL.NNNNN) must fit in sun_path.
    [ ${#dir} -le 90 ] || die "directory path too long for a unix socket: $dir"
    if is_root; then
        ensure_postgres_user
        chown postgres: "$dir"
        open_parents "$dir"
    fi
    chmod 755 "$dir"
    port=$(pick_port)
    echo "$port" >"$dir/port"
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 \
        --locale=C --no-sync >"$dir/initdb.log" 2>&1 ||
        {
            cat "$dir/initdb.log" >&2
            die "initdb failed"
        }
    # Appended, so these win over initdb's defaults.
    as_owner sh -c "cat >>'$dir/data/postgresql.conf'" <<EOF
listen_addresses = ''
unix_socket_directories = '$dir'
unix_socket_permissions = 0777
port = $port
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
log_min_messages = warning
EOF
    server_start
    url_for "$dir" postgres
    ;;
createdb)
    [ $# -eq 3 ] || usage
    require_cluster
    name=$3
    case $name in
    '' | *[!A-Za-z0-9_]*) die "database name must be letters, digits and _: $name" ;;
    esac
    "$bindir/createdb" -h "$dir" -p "$(cat "$dir/port")" -U postgres "$name" ||
        die "createdb $name failed"
    url_for "$dir" "$name"
    ;;
url)
    require_cluster
    url_for "$dir" "${3:-postgres}"
    ;;
status)
    require_cluster
    if running; then
        echo "running $(url_for "$dir" postgres)"
    else
        echo "stopped"
        exit 3
    fi
    ;;
pause)
    require_cluster
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
resume)
    require_cluster
    running || server_start
    ;;
stop)
    # Also cleans up after a start that failed half-way: the port file marks DIR as ours.
    dir=$(abs_dir "$dir")
    [ -f "$dir/port" ] || die "$dir holds no pg-cluster.sh cluster"
    if [ -f "$dir/data/PG_VERSION" ] && running; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    rm -rf "$dir"
    ;;
*)
    usage
    ;;
esac
