# shellcheck shell=bash disable=SC2153
# Helpers for bench/run.sh: starting and stopping stet and nginx by pid, running wrk
# and reading its numbers, and the JSON API calls that populate a database.
# Sourced, not run, after setting STET_BIN and BENCH_TMP. Every process started here is recorded and stopped by pid.

BENCH_PIDS=""
# GET /metrics answers only this bearer token (server.metrics_token); the benchmark
# reads the group-commit batch sizes from it.
BENCH_METRICS_TOKEN="bench-metrics-$$-0123456789abcdef0123456789"

bench_note() { printf 'bench: %s\n' "$*" >&2; }
bench_die() {
    printf 'bench: error: %s\n' "$*" >&2
    exit 1
}

bench_track() { BENCH_PIDS="$BENCH_PIDS $1"; }

# Stops one process we started: SIGTERM, up to 5 s for a graceful exit, then SIGKILL.
bench_stop() {
    local pid=$1
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    # shellcheck disable=SC2086 # a list of numbers, split on purpose
    BENCH_PIDS=$(printf '%s\n' $BENCH_PIDS | { grep -vx "$pid" || true; } | tr '\n' ' ')
}

bench_stop_all() {
    local p
    for p in $BENCH_PIDS; do bench_stop "$p"; done
}

# wait_idle PID: until the process uses less than a tenth of a CPU over half a
# second (at most 60 s), so one round's leftover work does not count in the next.
wait_idle() {
    local pid=$1 before after
    for _ in $(seq 1 120); do
        before=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null) || return 0
        sleep 0.5
        after=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null) || return 0
        [ $((after - before)) -le 5 ] && return 0 # clock ticks, 100 a second
    done
    bench_note "pid $pid still busy after 60 s"
}

# rss_kb PID FIELD: VmRSS or VmHWM of a live process in kB.
rss_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
kb_to_mb() { awk -v k="${1:-0}" 'BEGIN { printf "%.1f", k / 1024 }'; }

# start_stet NAME DB: starts `stet serve` on a free loopback port, pinned to CPU 0
# with one I/O thread; sets STET_PID and STET_PORT. Its stdout/stderr go to
# $BENCH_TMP/NAME.out and NAME.log. Waits (bounded) for the "listening" line.
start_stet() {
    local name=$1 db=$2
    # The benchmark measures throughput, not the flood limits a real site wants:
    # no rate limits, and no cap on connections from its one client address (the
    # SSE row holds 10,000).
    cat >"$BENCH_TMP/bench.ini" <<'EOF'
[server]
max_connections_per_client = 0
[limits]
comments_per_minute = 0
logins_per_15min = 0
register_client = 0
EOF
    env -u STET_CONFIG -u STET_WEATHER_URL -u STET_LISTEN -u STET_DATABASE_URL \
        STET_THREADS=1 STET_METRICS_TOKEN="$BENCH_METRICS_TOKEN" \
        taskset -c 0 "$STET_BIN" serve --listen 127.0.0.1:0 \
        --config "$BENCH_TMP/bench.ini" --db "sqlite:$db" \
        >"$BENCH_TMP/$name.out" 2>"$BENCH_TMP/$name.log" &
    STET_PID=$!
    bench_track "$STET_PID"
    STET_PORT=""
    for _ in $(seq 1 600); do
        # The background shell may not have made NAME.out yet: no file is no port
        # (under set -e and pipefail a failed sed would end the whole run).
        STET_PORT=$(sed -n 's|^stet: listening on http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' \
            "$BENCH_TMP/$name.out" 2>/dev/null | head -n 1) || STET_PORT=""
        [ -n "$STET_PORT" ] && break
        kill -0 "$STET_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$STET_PORT" ]; then
        tail -n 20 "$BENCH_TMP/$name.log" >&2
        bench_die "stet ($name) did not start; log above"
    fi
}

# start_nginx FILE URLPATH CONTENT_TYPE: serves FILE at URLPATH from one worker
# pinned to CPU 0; sets NGINX_PID and NGINX_PORT.
start_nginx() {
    local file=$1 urlpath=$2 ctype=$3 dir="$BENCH_TMP/nginx"
    mkdir -p "$dir/root$(dirname "$urlpath")" "$dir/tmp"
    cp "$file" "$dir/root$urlpath"
    chmod -R a+rX "$dir/root"
    NGINX_PORT=$(free_port)
    local user_line=""
    [ "$(id -u)" -eq 0 ] && user_line="user root;"
    cat >"$dir/nginx.conf" <<EOF
# One worker on one CPU, serving the page stet rendered, byte for byte.
$user_line
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log $dir/access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    # stet keeps a connection open for any number of requests; let nginx do the same.
    keepalive_requests 1000000;
    types { }
    default_type "$ctype";
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $dir/root;
    }
}
EOF
    taskset -c 0 nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" \
        >"$dir/stdout.log" 2>&1 &
    NGINX_PID=$!
    bench_track "$NGINX_PID"
    for _ in $(seq 1 100); do
        curl -fsS -o /dev/null "http://127.0.0.1:$NGINX_PORT$urlpath" 2>/dev/null && return 0
        kill -0 "$NGINX_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$dir/error.log" "$dir/stdout.log" >&2 2>/dev/null
    bench_die "nginx did not start"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# run_wrk OUTFILE SECONDS URL [wrk args...]: wrk pinned to CPU 1, 64 connections.
run_wrk() {
    local out=$1 secs=$2 url=$3
    shift 3
    timeout $((secs + 30)) taskset -c 1 wrk -t1 -c64 -d"${secs}s" --latency "$url" "$@" >"$out" 2>&1 ||
        bench_note "wrk exited with an error; see $out"
}

# wrk_numbers FILE: "req/s p50_ms p99_ms non2xx socket_errors" from wrk --latency output.
wrk_numbers() {
    awk '
    function ms(v) {
        if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
        if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
        if (v ~ /m$/) return substr(v, 1, length(v) - 1) * 60000
        if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
        return v + 0
    }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { bad = $NF }
    /Socket errors:/ { gsub(/,/, ""); err = $4 + $6 + $8 + $10 }
    END { printf "%.0f %.3f %.3f %d %d\n", rps, p50, p99, bad, err }' "$1"
}

# median of the numbers on stdin (one per line; odd or even count).
median() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print 0; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# api METHOD PATH [JSON] [TOKEN]: prints "STATUS BODY" for one API call to $STET_PORT.
api() {
    local method=$1 path=$2 data=${3:-} token=${4:-} out
    local args=(-sS -m 10 -X "$method" -H 'Content-Type: application/json' -o "$BENCH_TMP/api.body"
        -w '%{http_code}' -D "$BENCH_TMP/api.headers")
    [ -n "$data" ] && args+=(--data-binary "$data")
    [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
    out=$(curl "${args[@]}" "http://127.0.0.1:$STET_PORT$path") || out=000
    printf '%s %s\n' "$out" "$(cat "$BENCH_TMP/api.body" 2>/dev/null)"
}

# retry_after: the Retry-After of the last api call (seconds, at most 5; 1 if absent).
retry_after() {
    local s
    s=$(awk 'tolower($1) == "retry-after:" { gsub(/\r/, ""); print $2 }' "$BENCH_TMP/api.headers")
    case $s in '' | *[!0-9]*) s=1 ;; esac
    [ "$s" -gt 5 ] && s=5
    [ "$s" -lt 1 ] && s=1
    echo "$s"
}

# json_get KEY...: follows keys (object names or list indexes) through JSON on stdin.
json_get() {
    python3 -c 'import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1:]:
    d = d[int(k)] if isinstance(d, list) else d[k]
print(d)' "$@"
}

fmt_int() { awk -v v="${1:-0}" 'BEGIN { s = sprintf("%.0f", v); n = length(s); o = "";
    for (i = 1; i <= n; i++) { o = o substr(s, i, 1); if ((n - i) % 3 == 0 && i < n) o = o "," } print o }'; }
ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
# ge A B: true when A >= B (numbers; "n/a" is never).
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "n/a" && a + 0 >= b + 0) }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "n/a" && a + 0 <= b + 0) }'; }
