#!/bin/sh
# Proves deploy/nginx.conf and deploy/haproxy.cfg work: renders a copy of each onto
# loopback ports (TLS with a throwaway self-signed certificate), puts nginx and then
# HAProxy (tests/deploy/haproxy.sh) in front of the same two stet nodes sharing one
# PostgreSQL database, drives the site through each with curl, then stops a node
# under both. One node on SQLite behind nginx only, when the binary has no
# PostgreSQL yet. Last line: `deploy: N passed, N failed`.
# Usage: [STET_BIN=build/stet] [STET_DEPLOY_BACKEND=postgresql] sh tests/deploy/run.sh
#   STET_DEPLOY_BACKEND=postgresql turns the SQLite fallback into a failure.
#   STET_DEPLOY_KEEP=1 keeps the temporary directory (logs, rendered config).
# shellcheck disable=SC2016 # the sh -c scripts below expand their own arguments
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${STET_BIN:-build/stet}
case $bin in
/*) ;;
*) if [ -e "$bin" ]; then bin=$(pwd)/$bin; else bin=$root/$bin; fi ;;
esac
want_backend=${STET_DEPLOY_BACKEND:-}
keep=${STET_DEPLOY_KEEP:-}
# The nodes must see only what this script gives them.
for v in $(env | sed -n 's/^\(STET_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done

passed=0
failed=0
ok() {
    passed=$((passed + 1))
    echo "ok   - $1"
}
not_ok() {
    failed=$((failed + 1))
    echo "FAIL - $1"
}
note() { echo "deploy: $1"; }
check() { # check DESCRIPTION COMMAND... : ok when the command succeeds
    d=$1
    shift
    if "$@"; then ok "$d"; else not_ok "$d"; fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stet-deploy.XXXXXX")
pids=""
pg_started=""
node1_pid="" node1_port="" node2_port="" # set by start_node
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    for p in $pids; do kill -TERM "$p" 2>/dev/null; done
    for p in $pids; do wait "$p" 2>/dev/null; done
    if [ -n "$pg_started" ]; then sh "$root/tools/pg-cluster.sh" stop "$tmp/pg" >/dev/null 2>&1; fi
    if [ -n "$keep" ]; then echo "deploy: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

finish() {
    echo "deploy: $passed passed, $failed failed"
    [ "$failed" -eq 0 ] && exit 0
    exit 1
}
abort() { # a prerequisite is missing: the remaining checks cannot run
    not_ok "$1"
    finish
}

for tool in nginx curl openssl python3; do
    command -v "$tool" >/dev/null 2>&1 || abort "$tool is not installed (tools/install-deps.sh test)"
done
[ -x "$bin" ] || abort "no stet binary at $bin (build it first, or set STET_BIN)"

# free_ports N: N different loopback ports free right now, chosen below the kernel's
# ephemeral range (ip_local_port_range), where the outgoing connections and port-0
# listeners of tests running beside this one never land. nginx binds them only
# later and cannot bind port 0, so a port can still be taken meanwhile by anyone
# choosing fixed ports: start_proxy notices that and the start is retried.
free_ports() {
    python3 - "$1" <<'EOF'
import random, socket, sys
try:
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError, IndexError):
    low = 32768
ports = []
for _ in range(1000):
    if len(ports) == int(sys.argv[1]):
        break
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", random.randint(10000, low - 1) if low > 11000 else 0))
        if s.getsockname()[1] not in ports:
            ports.append(s.getsockname()[1])
    except OSError:
        pass
    finally:
        s.close()
print(" ".join(map(str, ports)))
EOF
}
# json_get FILE EXPR: prints a Python expression over the parsed JSON `j`
json_get() {
    python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null
}

# sse_has FILE ID...: "yes" when the SSE stream saved in FILE holds a `comment`
# event for every ID.
sse_has() {
    python3 - "$@" <<'EOF'
import json, sys
ids = set()
for block in open(sys.argv[1], encoding="utf-8", errors="replace").read().split("\n\n"):
    fields = {}
    for line in block.splitlines():
        k, _, v = line.partition(":")
        fields.setdefault(k, v[1:] if v.startswith(" ") else v)
    if fields.get("event") == "comment" and "data" in fields:
        try:
            ids.add(str(json.loads(fields["data"])["id"]))
        except (ValueError, KeyError, TypeError):
            pass
print("yes" if all(i in ids for i in sys.argv[2:]) else "")
EOF
}
# wait_sse FILE ID...: sse_has, waiting up to 10 s for the events to arrive.
wait_sse() {
    i=0
    while [ $i -lt 100 ]; do
        got=$(sse_has "$@")
        [ -n "$got" ] && break
        sleep 0.1
        i=$((i + 1))
    done
    echo "$got"
}

# smuggle_probe PORT PREFIX: sends, over TLS on a connection each, GET /PREFIX-fold,
# -nul, -cr with an obs-fold line, a NUL and a bare CR in a header value, then a
# sound GET /PREFIX-clean; prints each one's status ("fold=400 ... clean=404 ").
smuggle_probe() {
    python3 - "$1" "$tmp/cert.pem" "$2" <<'EOF'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
for name, line in ((b"fold", b"X-Note: one\r\n two"), (b"nul", b"X-Note: a\0b"),
                   (b"cr", b"X-Note: a\rb"), (b"clean", b"X-Note: a b")):
    raw = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
    with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
        s.sendall(b"GET /%s-%s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n"
                  b"Connection: close\r\n\r\n" % (sys.argv[3].encode(), name, line))
        got = b""
        while b"\r\n" not in got:
            b = s.recv(4096)
            if not b:
                break
            got += b
    print("%s=%s" % (name.decode(), (got.split(b" ") + [b"none", b"none"])[1].decode()), end=" ")
EOF
}

# pick_ports: new nginx ports; the nodes must be (re)started after it, as their
# base URL names the https port.
pick_ports() {
    # shellcheck disable=SC2046 # two words
    set -- $(free_ports 2)
    http_port=${1:-}
    https_port=${2:-}
    base=https://127.0.0.1:$https_port
    [ -n "$https_port" ] || abort "no two free loopback ports"
}
pick_ports
curl_tls() { curl -sS --max-time 15 --cacert "$tmp/cert.pem" "$@"; }

# ---------------------------------------------------------------- stet nodes

# start_node NAME DB_URL [ARGS...]: runs `stet serve` on an ephemeral loopback port;
# sets node_port. Fails when the node exits or does not listen within 10 s.
start_node() {
    name=$1
    db=$2
    shift 2
    STET_BASE_URL=$base STET_THREADS=2 "$bin" serve --listen 127.0.0.1:0 --db "$db" "$@" \
        >"$tmp/$name.out" 2>"$tmp/$name.err" &
    node_pid=$!
    pids="$pids $node_pid"
    eval "${name}_pid=$node_pid"
    i=0
    while [ $i -lt 100 ]; do
        node_port=$(sed -n 's/^stet: listening on http:\/\/127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$tmp/$name.out")
        if [ -n "$node_port" ]; then
            eval "${name}_port=$node_port"
            return 0
        fi
        kill -0 "$node_pid" 2>/dev/null || break
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

backend=sqlite
db_url=sqlite:$tmp/stet.db
if [ -f "$root/tools/pg-cluster.sh" ]; then
    if sh "$root/tools/pg-cluster.sh" start "$tmp/pg" >"$tmp/pg.url" 2>"$tmp/pg.err"; then
        pg_started=1
        if pg_db=$(sh "$root/tools/pg-cluster.sh" createdb "$tmp/pg" stet_deploy 2>>"$tmp/pg.err"); then
            if start_node node1 "$pg_db" --demo; then
                backend=postgresql
                db_url=$pg_db
            elif grep -qi 'not built\|not supported\|unsupported' "$tmp/node1.err"; then
                note "this stet has no PostgreSQL support yet: $(grep -i -m 1 'not built\|not supported\|unsupported' "$tmp/node1.err")"
            else
                sed 's/^/    node1: /' "$tmp/node1.err" | tail -n 20
                abort "stet serve --db $pg_db failed"
            fi
        else
            sed 's/^/    pg: /' "$tmp/pg.err" | tail -n 20
            abort "tools/pg-cluster.sh createdb failed"
        fi
    else
        sed 's/^/    pg: /' "$tmp/pg.err" | tail -n 20
        abort "tools/pg-cluster.sh start failed"
    fi
else
    note "tools/pg-cluster.sh is missing"
fi

if [ "$backend" = postgresql ]; then
    start_node node2 "$db_url" || {
        sed 's/^/    node2: /' "$tmp/node2.err" | tail -n 20
        abort "second node on the same PostgreSQL database did not start"
    }
    nodes="node1 node2"
    note "backend: PostgreSQL, two nodes (ports $node1_port, $node2_port)"
else
    if [ "$want_backend" = postgresql ]; then
        not_ok "STET_DEPLOY_BACKEND=postgresql but PostgreSQL is not usable"
    fi
    note "FALLBACK: backend SQLite, ONE node; the multi-node checks are skipped"
    start_node node1 "$db_url" --demo || {
        sed 's/^/    node1: /' "$tmp/node1.err" | tail -n 20
        abort "stet serve on SQLite did not start"
    }
    nodes="node1"
    note "backend: SQLite, one node (port $node1_port)"
fi

# ---------------------------------------------------------------- nginx

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
    >"$tmp/openssl.log" 2>&1 || abort "openssl could not make a test certificate"

if [ "$(id -u)" -eq 0 ]; then user_line="user root;"; else user_line=""; fi
mkdir -p "$tmp/nginx"

# render_config: $tmp/nginx/conf.d/stet.conf from the real file, with only
# machine-specific values replaced (the node and nginx ports of this start), and
# $tmp/nginx.conf: Debian 12's /etc/nginx/nginx.conf with its paths moved into the
# temp dir, the main-context settings docs/deploy.md asks for, and the same
# `include .../conf.d/*.conf` inside `http`. Each replacement must happen exactly as
# often as expected, so a reshaped snippet fails loudly here instead of quietly
# testing something else. Problems go to $tmp/render.err.
render_config() {
    upstream_ports=""
    for n in $nodes; do
        eval "p=\$${n}_port"
        upstream_ports="$upstream_ports $p"
    done
    mkdir -p "$tmp/nginx/conf.d"
    UPSTREAMS=$upstream_ports T=$tmp HTTP_PORT=$http_port HTTPS_PORT=$https_port awk '
        function done(k) { seen[k]++ }
        /^(user|worker_[a-z_]*|events|http|include)[ \t{]/ {
            print "render: a main-context line in the conf.d snippet: " $0 > "/dev/stderr"; bad = 1
        }
        /^[ \t]*server [0-9]+\.[0-9]+\.[0-9]+\.[0-9]+:[0-9]+/ {
            if (!seen["upstream"]) {
                n = split(ENVIRON["UPSTREAMS"], port, " ")
                for (i = 1; i <= n; i++)
                    print "    server 127.0.0.1:" port[i] " max_fails=3 fail_timeout=10s;"
            }
            done("upstream"); next
        }
        /^[ \t]*listen \[::\]/ { done("listen6"); next }
        /^[ \t]*listen 80;/ { print "    listen 127.0.0.1:" ENVIRON["HTTP_PORT"] ";"; done("listen80"); next }
        /^[ \t]*listen 443 ssl http2;/ {
            print "    listen 127.0.0.1:" ENVIRON["HTTPS_PORT"] " ssl http2;"; done("listen443"); next
        }
        /^[ \t]*ssl_certificate / { print "    ssl_certificate " ENVIRON["T"] "/cert.pem;"; done("cert"); next }
        /^[ \t]*ssl_certificate_key / { print "    ssl_certificate_key " ENVIRON["T"] "/key.pem;"; done("key"); next }
        /^[ \t]*access_log / { sub(/\/var\/log\/nginx\/[^ ;]*/, ENVIRON["T"] "/nginx/access.log"); print; done("access"); next }
        /^[ \t]*error_log / { sub(/\/var\/log\/nginx\/[^ ;]*/, ENVIRON["T"] "/nginx/error.log"); sub(/ warn;/, " info;"); print; done("error"); next }
        /^[ \t]*proxy_cache_path / { sub(/\/var\/cache\/nginx\/stet/, ENVIRON["T"] "/nginx/cache"); print; done("cache"); next }
        { print }
        END {
            split("upstream listen6 listen80 listen443 cert key access error cache", want, " ")
            for (i in want) if (!seen[want[i]]) { print "render: no " want[i] " line" > "/dev/stderr"; bad = 1 }
            if (seen["upstream"] != 2 || seen["listen6"] != 2) { print "render: expected 2 upstream and 2 [::] listen lines" > "/dev/stderr"; bad = 1 }
            if (seen["access"] != 2 || seen["error"] != 2) { print "render: expected access_log and error_log in both server blocks" > "/dev/stderr"; bad = 1 }
            exit bad
        }' "$root/deploy/nginx.conf" >"$tmp/nginx/conf.d/stet.conf" 2>"$tmp/render.err" || return 1
    ! grep -n '^[^#]*\(/var/\|/etc/\|10\.0\.0\.\)' "$tmp/nginx/conf.d/stet.conf" >>"$tmp/render.err" || return 1
    if [ -f /etc/nginx/mime.types ]; then mime="include /etc/nginx/mime.types;"; else mime=""; fi
    t=$tmp/nginx
    cat >"$tmp/nginx.conf" <<EOF
# Debian 12's /etc/nginx/nginx.conf with its paths moved to $t, plus the
# main-context settings of docs/deploy.md.
$user_line
worker_processes auto;
error_log $t/main-error.log;
worker_rlimit_nofile 16384;
worker_shutdown_timeout 30s;
events {
    worker_connections 8192;
}
http {
    client_body_temp_path $t/body; proxy_temp_path $t/proxy;
    fastcgi_temp_path $t/fastcgi; uwsgi_temp_path $t/uwsgi; scgi_temp_path $t/scgi;
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    $mime
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    access_log $t/main-access.log;
    gzip on;
    include $t/conf.d/*.conf;
}
EOF
}

# port_taken LOG...: nginx could not bind a port given to it, because something took
# the port after free_ports had found it free.
port_taken() { grep -q 'bind() to .* failed (98: Address already in use)' "$@" 2>/dev/null; }

# forget_pid PID: drops a process that has ended from the cleanup list, so that
# cleanup never signals whatever reuses its number.
forget_pid() { pids=$(echo " $pids " | sed "s/ $1 / /"); }

# restart_nodes: the nodes again, for the base URL of new ports.
restart_nodes() {
    for n in $nodes; do
        eval "p=\$${n}_pid"
        kill -TERM "$p" 2>/dev/null
        wait "$p" 2>/dev/null
        forget_pid "$p"
        # node1 seeds the demo stories into an empty database (a no-op now).
        if [ "$n" = node1 ]; then set -- --demo; else set --; fi
        start_node "$n" "$db_url" "$@" || {
            sed "s/^/    $n: /" "$tmp/$n.err" | tail -n 20
            abort "$n did not start again on new ports"
        }
    done
}

# start_proxy: `nginx -t` (which binds nothing), then nginx, until it answers
# /healthz over TLS. 0: up; 2: nginx found a port taken (try new ones); 1: another
# failure, described by $proxy_failed with the log in $proxy_log.
ngx_globals="daemon off; pid $tmp/nginx/nginx.pid;"
start_proxy() {
    if ! nginx -t -p "$tmp/nginx/" -c "$tmp/nginx.conf" -g "$ngx_globals" >"$tmp/nginx-t.log" 2>&1; then
        proxy_failed="nginx -t accepts the config"
        proxy_log=$tmp/nginx-t.log
        return 1
    fi
    nginx -p "$tmp/nginx/" -c "$tmp/nginx.conf" -g "$ngx_globals" >"$tmp/nginx.stderr" 2>&1 &
    nginx_pid=$!
    pids="$pids $nginx_pid"
    proxy_failed="nginx answers on https://127.0.0.1:$https_port"
    proxy_log=$tmp/nginx.stderr
    # Whoever took a port may accept and never answer: each probe is short.
    i=0
    while [ $i -lt 100 ]; do
        if ! kill -0 "$nginx_pid" 2>/dev/null; then
            wait "$nginx_pid"
            forget_pid "$nginx_pid"
            port_taken "$tmp/nginx.stderr" && return 2
            return 1
        fi
        curl_tls --max-time 2 -o /dev/null "$base/healthz" 2>/dev/null && return 0
        i=$((i + 1))
        sleep 0.1
    done
    return 1
}

# A port found free may be taken before nginx binds it: then everything that named
# it starts again on new ports, a few times at most.
attempt=1
while :; do
    if ! render_config; then
        sed 's/^/    /' "$tmp/render.err"
        abort "deploy/nginx.conf renders onto loopback ports"
    fi
    start_proxy
    rc=$?
    if [ "$rc" -ne 2 ] || [ "$attempt" -ge 5 ]; then break; fi
    note "a port was taken before nginx could bind it (attempt $attempt): new ports"
    attempt=$((attempt + 1))
    pick_ports
    restart_nodes
done
ok "deploy/nginx.conf renders onto loopback ports"
case $rc in
0) ok "nginx -t accepts the config" ;;
2)
    ok "nginx -t accepts the config"
    grep -h 'bind()' "$tmp/nginx.stderr" | sed 's/^/    /' | tail -n 5
    abort "nginx binds its ports ($attempt tries, each port taken meanwhile)" ;;
*)
    [ "$proxy_failed" = "nginx -t accepts the config" ] || ok "nginx -t accepts the config"
    sed 's/^/    /' "$proxy_log" "$tmp/nginx/error.log" 2>/dev/null | tail -n 20
    abort "$proxy_failed" ;;
esac

# ---------------------------------------------------------------- through nginx

# node_hits NODE PATTERN: how many access-log lines of that node match
node_hits() { grep -c -- "$2" "$tmp/$1.err"; }
total_hits() {
    t=0
    for n in $nodes; do t=$((t + $(node_hits "$n" "$1"))); done
    echo "$t"
}
# wait_total PATTERN N: waits up to 3 s until the nodes have logged N matching lines
# (a node logs a request just after answering it).
wait_total() {
    i=0
    while [ "$(total_hits "$1")" -lt "$2" ] && [ $i -lt 30 ]; do
        sleep 0.1
        i=$((i + 1))
    done
}

r=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$http_port/stories/x?y=1")
check "plain HTTP answers 301 to https ($r)" \
    test "$r" = "301 https://127.0.0.1/stories/x?y=1"

code=$(curl_tls -D "$tmp/front.h" -o "$tmp/front.html" -w '%{http_code}' "$base/")
check "front page over TLS: 200 with stories ($code)" \
    sh -c '[ "$1" = 200 ] && grep -q "class=\"story-item\"" "$2"' - "$code" "$tmp/front.html"
check "HSTS header on responses" grep -qi '^strict-transport-security: max-age=63072000' "$tmp/front.h"
code=$(curl_tls -o "$tmp/health.txt" -w '%{http_code}' "$base/healthz")
check "/healthz through nginx: 200 ok" sh -c '[ "$1" = 200 ] && [ "$(cat "$2")" = ok ]' - "$code" "$tmp/health.txt"
curl_tls -D "$tmp/register.h" -o /dev/null "$base/register"
check "base_url https: cookies are Secure behind the proxy" \
    sh -c 'grep -i "^set-cookie:" "$1" | grep -q "; Secure"' - "$tmp/register.h"

slug=$(sed -n 's/.*data-slug="\([^"]*\)".*/\1/p' "$tmp/front.html" | head -n 1)
[ -n "$slug" ] || abort "the front page lists a story"

code=$(curl_tls -o "$tmp/user.json" -w '%{http_code}' -X POST "$base/api/v1/users" \
    -d '{"username":"proxied","email":"proxied@example.org","password":"a long secret"}')
check "register via the API: 201 ($code)" test "$code" = 201
code=$(curl_tls -o "$tmp/session.json" -w '%{http_code}' -X POST "$base/api/v1/sessions" \
    -d '{"login":"proxied","password":"a long secret"}')
token=$(json_get "$tmp/session.json" 'j["token"]')
check "log in via the API: 201 and a token ($code)" test "$code" = 201 -a -n "$token"
printf 'Authorization: Bearer %s\n' "$token" >"$tmp/auth.h"

code=$(curl_tls -o "$tmp/c1.json" -w '%{http_code}' -H @"$tmp/auth.h" -X POST \
    "$base/api/v1/stories/$slug/comments" -d '{"body":"Posted *through* nginx"}')
cid=$(json_get "$tmp/c1.json" 'j["comment"]["id"]')
check "post a comment via the API: 201 ($code, id ${cid:-none})" test "$code" = 201 -a -n "$cid"

# Several reads, so that on two nodes the one that did not take the write answers
# some of them: the comment must be there whichever node reads it.
seen=0
for i in 1 2 3 4; do
    curl_tls -o "$tmp/list.json" "$base/api/v1/stories/$slug/comments?sort=newest"
    n=$(json_get "$tmp/list.json" 'sum(1 for c in j["comments"] if c["id"] == '"${cid:-0}"')')
    [ "$n" = 1 ] && seen=$((seen + 1))
done
check "the comment is in the API list on every read ($seen of 4)" test "$seen" = 4
curl_tls -o "$tmp/story.html" "$base/stories/$slug"
check "the comment is on the story page" grep -q "id=\"comment-$cid\"" "$tmp/story.html"

python3 -c 'import sys; sys.stdout.write("{\"body\":\"" + "x" * 70000 + "\"}")' >"$tmp/big.json"
code=$(curl_tls -o "$tmp/big.out" -w '%{http_code}' -H @"$tmp/auth.h" -X POST \
    "$base/api/v1/stories/$slug/comments" --data-binary @"$tmp/big.json")
big_code=$(json_get "$tmp/big.out" 'j["error"]["code"]')
check "a body over 64 KiB: 413 payload_too_large as JSON ($code ${big_code:-no JSON})" \
    test "$code" = 413 -a "$big_code" = payload_too_large

# Balancing: 20 requests on one kept-alive client connection.
if [ "$backend" = postgresql ]; then
    before1=$(node_hits node1 ' GET /healthz ')
    before2=$(node_hits node2 ' GET /healthz ')
    set --
    for i in $(seq 20); do set -- "$@" -o /dev/null "$base/healthz"; done
    curl_tls "$@"
    wait_total ' GET /healthz ' $((before1 + before2 + 20))
    got1=$(($(node_hits node1 ' GET /healthz ') - before1))
    got2=$(($(node_hits node2 ' GET /healthz ') - before2))
    check "requests spread over both nodes (node1 $got1, node2 $got2 of 20)" \
        test "$got1" -ge 5 -a "$got2" -ge 5 -a $((got1 + got2)) -eq 20
else
    note "skip: spreading over nodes needs two nodes (PostgreSQL)"
fi

# Static assets: a year-long Cache-Control, and nginx's cache keeps repeats off the nodes.
css=$(sed -n 's/.*href="\(\/static\/[^"]*\)".*/\1/p' "$tmp/front.html" | head -n 1)
static_before=$(total_hits ' GET /static/')
for i in 1 2 3; do
    code=$(curl_tls -D "$tmp/static.h" -o /dev/null -w '%{http_code}' "$base${css:-/static/stet.css}")
done
check "static asset: 200 with Cache-Control max-age=31536000 ($code)" \
    sh -c '[ "$1" = 200 ] && grep -qi "^cache-control:.*max-age=31536000" "$2"' - "$code" "$tmp/static.h"
wait_total ' GET /static/' $((static_before + 1))
sleep 0.2 # time for a (wrong) second or third request to show up too
static_hits=$(($(total_hits ' GET /static/') - static_before))
check "static asset fetched 3 times reached the nodes once ($static_hits)" test "$static_hits" = 1

# Upstream keepalive: after the requests above, idle connections from nginx to the
# node stay open (they would not without HTTP/1.1 and an empty Connection header).
if command -v ss >/dev/null 2>&1; then
    conns=$(ss -tn state established "( dport = :$node1_port )" | tail -n +2 | wc -l)
    check "nginx keeps idle connections to the nodes open ($conns to node1)" test "$conns" -ge 1
else
    note "skip: no ss (iproute2) to count nginx's kept-alive connections to the nodes"
fi

# Live comments through nginx: an SSE stream must receive comments posted through nginx.
sse_code=$(curl_tls -o /dev/null -w '%{http_code}' --max-time 2 "$base/stories/$slug/events" 2>/dev/null)
if [ "$sse_code" = 404 ]; then
    note "skip: GET /stories/SLUG/events answers 404 (live comments not built in this stet)"
else
    curl -sSN --max-time 30 --cacert "$tmp/cert.pem" -D "$tmp/sse.h" -o "$tmp/sse.out" \
        "$base/stories/$slug/events" 2>"$tmp/sse.err" &
    sse_pid=$!
    pids="$pids $sse_pid"
    i=0
    while [ $i -lt 50 ] && ! grep -q '^HTTP/[0-9.]* 200' "$tmp/sse.h" 2>/dev/null; do
        sleep 0.1
        i=$((i + 1))
    done
    check "SSE through nginx: 200 text/event-stream" \
        sh -c 'grep -q "^HTTP/[0-9.]* 200" "$1" && grep -qi "^content-type: *text/event-stream" "$1"' - "$tmp/sse.h"
    sleep 0.5 # the stream is subscribed once its headers are out; give it a moment
    # Two posts on one client connection: with the stream open on one node,
    # least_conn sends them to the other, so on PostgreSQL this is fan-out.
    curl_tls -o "$tmp/c2.json" -H @"$tmp/auth.h" -X POST "$base/api/v1/stories/$slug/comments" \
        -d '{"body":"Live one"}' --next -sS --max-time 15 --cacert "$tmp/cert.pem" \
        -o "$tmp/c3.json" -H @"$tmp/auth.h" -X POST "$base/api/v1/stories/$slug/comments" \
        -d '{"body":"Live two"}'
    id2=$(json_get "$tmp/c2.json" 'j["comment"]["id"]')
    id3=$(json_get "$tmp/c3.json" 'j["comment"]["id"]')
    got=$(wait_sse "$tmp/sse.out" "${id2:-x}" "${id3:-x}")
    check "SSE through nginx: both comments posted through nginx arrive (ids ${id2:-?} ${id3:-?})" \
        test -n "$got"
    kill -TERM "$sse_pid" 2>/dev/null
    wait "$sse_pid" 2>/dev/null
    if [ "$backend" = postgresql ]; then
        i=0 # nginx logs a request when it ends; the probe above was the first stream
        while [ $i -lt 30 ] && [ "$(grep -c "/stories/$slug/events HTTP[^ ]*\" 200 " "$tmp/nginx/access.log")" -lt 2 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        sse_up=$(grep "/stories/$slug/events" "$tmp/nginx/access.log" | grep ' 200 ' | tail -n 1 | sed -n 's/.* up=\([^ ]*\) .*/\1/p')
        post_ups=$(grep "POST /api/v1/stories/$slug/comments" "$tmp/nginx/access.log" | tail -n 2 | sed -n 's/.* up=\([^ ]*\) .*/\1/p' | sort -u | tr '\n' ' ')
        case " $post_ups" in
        *" $sse_up "*) cross="" ;;
        *) cross=yes ;;
        esac
        check "SSE stream on $sse_up, posts on $post_ups: fan-out crossed nodes" test -n "$cross" -a -n "$sse_up"
    fi
fi

# Smuggling's other half (src/http/request_check.h): what libmicrohttpd rewrites
# before stet could see it, nginx must refuse. An obs-fold line, a NUL and a bare CR
# in a header value get nginx's 400 and reach no node; a sound request sent the same
# way, last, does reach one (so the log check can fail).
smuggle=$(smuggle_probe "$https_port" smuggle)
wait_total ' GET /smuggle-clean ' 1
sleep 0.2 # time for a (wrong) forwarded one to show up too
check "obs-fold, NUL and bare CR in a value: 400 from nginx ($smuggle)" \
    test "$smuggle" = "fold=400 nul=400 cr=400 clean=404 "
check "of those requests, only the sound one reached a node" \
    test "$(total_hits ' GET /smuggle-clean ')" = 1 -a "$(total_hits ' GET /smuggle-\(fold\|nul\|cr\) ')" = 0

# ---------------------------------------------------------------- HAProxy

# The same two nodes, on the same database, behind deploy/haproxy.cfg.
hp_base=""
if [ "$backend" = postgresql ]; then
    . "$root/tests/deploy/haproxy.sh"
else
    note "skip: the HAProxy checks need two nodes (PostgreSQL)"
fi

# ---------------------------------------------------------------- a node stops

# Rolling restart: a node stopped with SIGTERM exits cleanly and each proxy sends
# everything to the other one at once (HAProxy before its health checks notice);
# neither reads nor writes fail.
if [ "$backend" = postgresql ]; then
    kill -TERM "$node1_pid"
    wait "$node1_pid"
    rc=$?
    forget_pid "$node1_pid"
    check "node1 exits 0 on SIGTERM ($rc)" test "$rc" = 0
    for proxy in nginx HAProxy; do
        if [ "$proxy" = nginx ]; then url=$base; else url=$hp_base; fi
        [ -n "$url" ] || continue
        bad=0
        for i in $(seq 10); do
            c=$(curl_tls -o /dev/null -w '%{http_code}' "$url/stories/$slug")
            [ "$c" = 200 ] || bad=$((bad + 1))
        done
        code=$(curl_tls -o /dev/null -w '%{http_code}' -H @"$tmp/auth.h" -X POST \
            "$url/api/v1/stories/$slug/comments" -d '{"body":"After the restart"}')
        check "$proxy with node1 down: 10 story pages and a post all succeed ($bad failed, post $code)" \
            test "$bad" = 0 -a "$code" = 201
    done
fi

# The nodes still running stop cleanly (a sanitizer build reports leaks at exit).
for n in $nodes; do
    eval "p=\$${n}_pid"
    kill -0 "$p" 2>/dev/null || continue
    kill -TERM "$p"
    wait "$p"
    rc=$?
    check "$n exits 0 on SIGTERM at the end ($rc)" test "$rc" = 0
done

# Nothing crashed, and nginx saw no upstream it could not parse.
for n in $nodes; do
    if grep -q 'AddressSanitizer\|runtime error:\|LeakSanitizer\|ThreadSanitizer' "$tmp/$n.err"; then
        not_ok "$n printed a sanitizer report"
        sed 's/^/    /' "$tmp/$n.err" | tail -n 30
    fi
done
if grep -q 'upstream sent invalid\|upstream prematurely closed' "$tmp/nginx/error.log" 2>/dev/null; then
    not_ok "nginx error log reports a broken upstream response"
    grep 'upstream' "$tmp/nginx/error.log" | sed 's/^/    /' | tail -n 10
fi
if [ "$failed" -gt 0 ]; then
    for f in "$tmp"/node*.err "$tmp/nginx/error.log"; do
        [ -f "$f" ] || continue
        echo "---- $f (tail)"
        tail -n 15 "$f"
    done
fi
finish
