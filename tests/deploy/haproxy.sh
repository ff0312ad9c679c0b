# Sourced by tests/deploy/run.sh once its nginx checks are done, with the same two
# nodes on the same PostgreSQL database still running: puts deploy/haproxy.cfg in
# front of them (rendered onto loopback ports, TLS with the test certificate) and
# drives the site through it. Uses run.sh's helpers (check, curl, node_hits...);
# sets hp_base (the https URL) once HAProxy answers, for run.sh's node-stop check.
# shellcheck shell=sh disable=SC2154,SC2016 # variables from run.sh; sh -c scripts

hp_base=""
hp_dir=$tmp/haproxy
mkdir -p "$hp_dir"

# hp_cmd COMMAND: one command on HAProxy's runtime API (the stats socket of the
# rendered config), its answer on stdout.
hp_cmd() {
    python3 - "$hp_dir/admin.sock" "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
sys.stdout.write(out.decode(errors="replace"))
EOF
}

# hp_render: $hp_dir/haproxy.cfg from the real file; only machine-specific values
# change: the bind addresses, the certificate, the node addresses, the log and
# socket paths; the chroot and the user switch go (this test may not run as root).
# maxconn comes down to fit the test's descriptor limit (HAProxy asks for two per
# connection). Each replacement must happen as often as expected, so a reshaped
# file fails here instead of quietly testing something else.
hp_render() {
    N1=$node1_port N2=$node2_port D=$hp_dir HTTP_PORT=$hp_http HTTPS_PORT=$hp_https awk '
        function done(k) { seen[k]++ }
        /^[ \t]*(chroot|user|group|daemon)[ \t]/ { done("privs"); next }
        /^[ \t]*log \/dev\/log / { print "    log stdout format raw local0"; done("log"); next }
        /^[ \t]*maxconn [0-9]+$/ { print "    maxconn 400"; done("maxconn"); next }
        /^[ \t]*stats socket \/run\/haproxy\/admin.sock / {
            sub(/\/run\/haproxy\/admin.sock/, ENVIRON["D"] "/admin.sock"); sub(/ mode 660/, " mode 600")
            print; done("socket"); next
        }
        /^[ \t]*bind :80$/ { print "    bind 127.0.0.1:" ENVIRON["HTTP_PORT"]; done("bind80"); next }
        /^[ \t]*bind :443 ssl crt [^ ]+ / {
            sub(/:443 ssl crt [^ ]+/, "127.0.0.1:" ENVIRON["HTTPS_PORT"] " ssl crt " ENVIRON["D"] "/site.pem")
            print; done("bind443"); next
        }
        /^[ \t]*server n[12] [0-9]+\.[0-9]+\.[0-9]+\.[0-9]+:[0-9]+/ {
            port = $2 == "n1" ? ENVIRON["N1"] : ENVIRON["N2"]
            sub(/[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+:[0-9]+/, "127.0.0.1:" port)
            print; done("server"); next
        }
        { print }
        END {
            split("privs log maxconn socket bind80 bind443 server", want, " ")
            for (i in want) if (!seen[want[i]]) { print "render: no " want[i] " line" > "/dev/stderr"; bad = 1 }
            if (seen["server"] != 6) { print "render: expected n1 and n2 in each of 3 backends" > "/dev/stderr"; bad = 1 }
            exit bad
        }' "$root/deploy/haproxy.cfg" >"$hp_dir/haproxy.cfg" 2>"$hp_dir/render.err" || return 1
    ! grep -n '^[^#]*\(/var/\|/etc/\|/run/\|10\.0\.0\.\)' "$hp_dir/haproxy.cfg" >>"$hp_dir/render.err"
}

# hp_start: `haproxy -c`, then HAProxy in the foreground until it answers /healthz
# over TLS. 0: up; 2: a port was taken meanwhile (try new ones); 1: another failure.
hp_start() {
    if ! haproxy -c -f "$hp_dir/haproxy.cfg" >"$hp_dir/check.log" 2>&1; then
        hp_failed="haproxy -c accepts the config"
        hp_log=$hp_dir/check.log
        return 1
    fi
    haproxy -db -f "$hp_dir/haproxy.cfg" >"$hp_dir/haproxy.log" 2>&1 &
    hp_pid=$!
    pids="$pids $hp_pid"
    hp_failed="HAProxy answers on https://127.0.0.1:$hp_https"
    hp_log=$hp_dir/haproxy.log
    i=0
    while [ $i -lt 100 ]; do
        if ! kill -0 "$hp_pid" 2>/dev/null; then
            wait "$hp_pid"
            forget_pid "$hp_pid"
            grep -q 'cannot bind socket\|Address already in use' "$hp_dir/haproxy.log" && return 2
            return 1
        fi
        curl_tls --max-time 2 -o /dev/null "https://127.0.0.1:$hp_https/healthz" 2>/dev/null && return 0
        i=$((i + 1))
        sleep 0.1
    done
    return 1
}

if ! command -v haproxy >/dev/null 2>&1; then
    not_ok "haproxy is not installed (tools/install-deps.sh test): deploy/haproxy.cfg is not checked"
    return 0
fi
cat "$tmp/cert.pem" "$tmp/key.pem" >"$hp_dir/site.pem"
attempt=1
while :; do
    # shellcheck disable=SC2046 # two words
    set -- $(free_ports 2)
    hp_http=${1:-}
    hp_https=${2:-}
    [ -n "$hp_https" ] || abort "no two free loopback ports for HAProxy"
    if ! hp_render; then
        sed 's/^/    /' "$hp_dir/render.err"
        abort "deploy/haproxy.cfg renders onto loopback ports"
    fi
    hp_start
    rc=$?
    if [ "$rc" -ne 2 ] || [ "$attempt" -ge 5 ]; then break; fi
    note "a port was taken before HAProxy could bind it (attempt $attempt): new ports"
    attempt=$((attempt + 1))
done
ok "deploy/haproxy.cfg renders onto loopback ports"
if [ "$rc" -ne 0 ]; then
    [ "$hp_failed" = "haproxy -c accepts the config" ] || ok "haproxy -c accepts the config"
    sed 's/^/    /' "$hp_log" | tail -n 20
    not_ok "$hp_failed"
    return 0
fi
ok "haproxy -c accepts the config ($(haproxy -v | sed -n '1s/^HAProxy version \([^ ]*\).*/\1/p'))"
hp_base=https://127.0.0.1:$hp_https

# Plain HTTP: a redirect to the same URL over https.
r=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code} %{redirect_url}' \
    -H 'Host: news.example.org' "http://127.0.0.1:$hp_http/stories/x?y=1")
check "HAProxy: plain HTTP answers 301 to https ($r)" \
    test "$r" = "301 https://news.example.org/stories/x?y=1"

# A page and a comment through HAProxy.
code=$(curl_tls -D "$hp_dir/story.h" -o "$hp_dir/story.html" -w '%{http_code}' "$hp_base/stories/$slug")
check "HAProxy: story page over TLS: 200 ($code)" \
    sh -c '[ "$1" = 200 ] && grep -q "id=\"comment-" "$2"' - "$code" "$hp_dir/story.html"
check "HAProxy: HSTS header on responses" \
    grep -qi '^strict-transport-security: max-age=63072000' "$hp_dir/story.h"
code=$(curl_tls -o "$hp_dir/c1.json" -w '%{http_code}' -H @"$tmp/auth.h" -X POST \
    "$hp_base/api/v1/stories/$slug/comments" -d '{"body":"Posted *through* HAProxy"}')
hp_cid=$(json_get "$hp_dir/c1.json" 'j["comment"]["id"]')
check "HAProxy: post a comment via the API: 201 ($code, id ${hp_cid:-none})" \
    test "$code" = 201 -a -n "$hp_cid"
seen=0
for i in 1 2 3 4; do
    curl_tls -o "$hp_dir/story.html" "$hp_base/stories/$slug"
    grep -q "id=\"comment-${hp_cid:-none}\"" "$hp_dir/story.html" && seen=$((seen + 1))
done
check "HAProxy: the comment is on the story page on every read ($seen of 4)" test "$seen" = 4

# Balancing: 20 requests on one kept-alive client connection (a path of their own:
# HAProxy's health checks hit /healthz meanwhile).
set --
for i in $(seq 20); do set -- "$@" -o /dev/null "$hp_base/hp-spread"; done
curl_tls "$@"
wait_total ' GET /hp-spread ' 20
got1=$(node_hits node1 ' GET /hp-spread ')
got2=$(node_hits node2 ' GET /hp-spread ')
check "HAProxy: requests spread over both nodes (node1 $got1, node2 $got2 of 20)" \
    test "$got1" -ge 5 -a "$got2" -ge 5 -a $((got1 + got2)) -eq 20

# Static assets: HAProxy's cache keeps repeats off the nodes. The ?v= differs from
# nginx's fetch, so nothing nginx's part left behind counts here.
css=$(sed -n 's/.*href="\(\/static\/[^"]*\)".*/\1/p' "$tmp/front.html" | head -n 1)
css_url="$hp_base${css:-/static/stet.css}"
case $css_url in *\?*) css_url="$css_url&hp=1" ;; *) css_url="$css_url?hp=1" ;; esac
static_before=$(total_hits ' GET /static/')
for i in 1 2 3; do
    code=$(curl_tls -D "$hp_dir/static.h" -o /dev/null -w '%{http_code}' "$css_url")
done
wait_total ' GET /static/' $((static_before + 1))
sleep 0.2 # time for a (wrong) second or third request to show up too
static_hits=$(($(total_hits ' GET /static/') - static_before))
check "HAProxy: static asset fetched 3 times reached the nodes once ($code, $static_hits)" \
    test "$code" = 200 -a "$static_hits" = 1

# Live comments: a stream opened through HAProxy lands on one node; a comment posted
# directly on the other node must arrive on it (PostgreSQL fan-out through the
# proxy), and so must one posted through HAProxy.
curl -sSN --max-time 30 --cacert "$tmp/cert.pem" -D "$hp_dir/sse.h" -o "$hp_dir/sse.out" \
    "$hp_base/stories/$slug/events" 2>"$hp_dir/sse.err" &
hp_sse_pid=$!
pids="$pids $hp_sse_pid"
i=0
while [ $i -lt 50 ] && ! grep -q '^HTTP/[0-9.]* 200' "$hp_dir/sse.h" 2>/dev/null; do
    sleep 0.1
    i=$((i + 1))
done
check "HAProxy: SSE stream: 200 text/event-stream" \
    sh -c 'grep -q "^HTTP/[0-9.]* 200" "$1" && grep -qi "^content-type: *text/event-stream" "$1"' - "$hp_dir/sse.h"
# The runtime API shows the open stream: which backend and node took it, and how
# long the node may stay silent before HAProxy cuts it (rex: the response's read
# timeout). A stream must go to stet_events with its long timeout, not to the
# default backend's 60 s.
hp_cmd "show sess all" >"$hp_dir/sess.txt"
sse_sess=$(python3 - "$hp_dir/sess.txt" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
for sess in re.split(r"\n(?=0x[0-9a-f]+: \[)", text):
    b = re.search(r"backend=(\S+)", sess)
    s = re.search(r"server=(\S+)", sess)
    rex = re.search(r"res=.*?\n\s*an_exp=\S+ rex=(\S+)", sess, re.S)
    if not (b and s and rex) or b.group(1) == "<NONE>" or s.group(1) == "<NONE>":
        continue
    secs, t = 0, rex.group(1)
    for n, unit in re.findall(r"(\d+)([dhms])", t):
        secs += int(n) * {"d": 86400, "h": 3600, "m": 60, "s": 1}[unit]
    print(b.group(1), s.group(1), secs if re.fullmatch(r"(\d+[dhms])+", t) else -1)
    break
EOF
)
# shellcheck disable=SC2086 # three words
set -- $sse_sess
sse_backend=${1:-none}
sse_server=${2:-none}
sse_rex=${3:--1}
check "HAProxy: the stream is in backend stet_events, node ${sse_server}, silence allowed ${sse_rex} s (over 10 min)" \
    test "$sse_backend" = stet_events -a "$sse_rex" -gt 600
if [ "$sse_server" = n1 ]; then other_port=$node2_port; else other_port=$node1_port; fi
sleep 0.5 # the stream is subscribed once its headers are out; give it a moment
code_b=$(curl -sS --max-time 15 -o "$hp_dir/c2.json" -w '%{http_code}' -H @"$tmp/auth.h" -X POST \
    "http://127.0.0.1:$other_port/api/v1/stories/$slug/comments" -d '{"body":"Live, on the other node"}')
code_p=$(curl_tls -o "$hp_dir/c3.json" -w '%{http_code}' -H @"$tmp/auth.h" -X POST \
    "$hp_base/api/v1/stories/$slug/comments" -d '{"body":"Live, through HAProxy"}')
id_b=$(json_get "$hp_dir/c2.json" 'j["comment"]["id"]')
id_p=$(json_get "$hp_dir/c3.json" 'j["comment"]["id"]')
got=$(wait_sse "$hp_dir/sse.out" "${id_b:-x}" "${id_p:-x}")
check "HAProxy: SSE stream gets the comment posted on the other node ($code_b, id ${id_b:-?}) and the one through HAProxy ($code_p, id ${id_p:-?})" \
    test -n "$got"
kill -TERM "$hp_sse_pid" 2>/dev/null
wait "$hp_sse_pid" 2>/dev/null
forget_pid "$hp_sse_pid"

# The request-smuggling probe of the nginx part: what HAProxy passes on, stet's
# parser must read the same way. NUL (the config's deny rule) and bare CR get
# HAProxy's 400 and reach no node; an obs-fold line may pass, as HAProxy unfolds it
# into spaces before forwarding (RFC 9112, section 5.2).
smuggle=$(smuggle_probe "$hp_https" hp-smuggle)
wait_total ' GET /hp-smuggle-clean ' 1
sleep 0.2 # time for a (wrong) forwarded one to show up too
case $smuggle in
"fold=400 nul=400 cr=400 clean=404 " | "fold=404 nul=400 cr=400 clean=404 ") smuggle_ok=yes ;;
*) smuggle_ok="" ;;
esac
check "HAProxy: NUL and bare CR in a value: 400 ($smuggle)" test -n "$smuggle_ok"
check "HAProxy: neither reached a node" \
    test "$(total_hits ' GET /hp-smuggle-\(nul\|cr\) ')" = 0

# Draining a node as docs/deploy.md does before a restart: new requests go to the
# other node only, in every backend (the others track stet/n1).
drain=$(hp_cmd "set server stet/n1 state drain")
before1=$(node_hits node1 ' GET /hp-drain ')
set --
for i in $(seq 6); do set -- "$@" -o /dev/null "$hp_base/hp-drain"; done
curl_tls "$@"
wait_total ' GET /hp-drain ' 6
got1=$(($(node_hits node1 ' GET /hp-drain ') - before1))
hp_cmd "show servers state stet_events" >"$hp_dir/events-state.txt"
# srv_admin_state (column 7): drain is 0x08 when set, 0x10 when inherited from the
# tracked server.
ev_drain=$(awk '$4 == "n1" { print $7 }' "$hp_dir/events-state.txt")
check "HAProxy: a drained node gets no new requests (node1 got $got1 of 6; stet_events n1 admin state ${ev_drain:-?})" \
    test -z "$drain" -a "$got1" = 0 -a -n "$ev_drain" -a $((${ev_drain:-0} & 24)) -ne 0
hp_cmd "set server stet/n1 state ready" >/dev/null
