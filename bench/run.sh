#!/usr/bin/env bash
# The side-by-side benchmarks of issue 4: stet's story page against nginx serving the
# same bytes, a logged-in reader, durable comment posts, a 1,000,000-comment database,
# the moderation queue with 10 and with 100,000 held comments
# and memory with 10,000 idle live-comment connections. Prints one Markdown table and
# writes it, with the machine it ran on, to bench/out/results.md.
# Usage: bench/run.sh STET_BIN     (make bench builds a release stet and calls this)
# Everything runs on 127.0.0.1; every process started is stopped by pid on exit.
# BENCH_SECS (default 5) sets the length of one wrk round; BENCH_KEEP=1 keeps the
# temporary directory (databases, logs, wrk output) for a look afterwards.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

[ $# -eq 1 ] || bench_die "usage: bench/run.sh STET_BIN"
STET_BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$STET_BIN" ] || bench_die "$1 is not an executable"
for tool in wrk nginx taskset curl sqlite3 python3; do
    command -v "$tool" >/dev/null 2>&1 || bench_die "$tool is missing (make bench installs it)"
done
[ "$(nproc)" -ge 2 ] || bench_note "fewer than 2 CPUs: server and wrk will share CPU 0"

SECS=${BENCH_SECS:-5}
ROUNDS=3
SSE_COUNT=${BENCH_SSE_COUNT:-10000}
GEN_STORIES=${BENCH_GEN_STORIES:-10000}
USERS=16
SLUG=bench-story
POST_SLUGS=""
for k in 1 2 3 4 5 6 7 8; do POST_SLUGS="$POST_SLUGS${POST_SLUGS:+,}bench-post-$k"; done

BENCH_TMP=$(mktemp -d /tmp/stet-bench.XXXXXX)
chmod 755 "$BENCH_TMP"
on_exit() {
    bench_stop_all
    if [ "${BENCH_KEEP:-0}" = 1 ]; then bench_note "kept $BENCH_TMP"; else rm -rf "$BENCH_TMP"; fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM
# 10,000 idle connections need as many descriptors in the server.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
nofile=$(ulimit -n)

load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- populate
bench_note "populating a fresh SQLite database in $BENCH_TMP"
DB1=$BENCH_TMP/page.db
"$STET_BIN" migrate --db "sqlite:$DB1" >/dev/null 2>&1 || bench_die "stet migrate failed"
cat >"$BENCH_TMP/story.md" <<'EOF'
The harbour bridge reopened on Saturday morning after two years of repairs, and by
noon the first cyclists had crossed it in both directions. The city engineer said the
new deck is rated for another eighty years.

Residents on the north bank, who lost their shortest way to the market when the
bridge closed, lined the ramp with flags. "We walked the long way round for two
winters," one shop owner said. "Today it took me four minutes."

Buses return on Monday. The council will count traffic for a month before it
decides whether the bus lane stays.
EOF
"$STET_BIN" story add --db "sqlite:$DB1" --slug "$SLUG" --title "Harbour bridge reopens after two years" \
    --byline "By the bench desk" --body-file "$BENCH_TMP/story.md" >/dev/null 2>&1 ||
    bench_die "stet story add failed"
for s in ${POST_SLUGS//,/ }; do
    "$STET_BIN" story add --db "sqlite:$DB1" --slug "$s" --title "Story $s for posting" \
        --body-file "$BENCH_TMP/story.md" >/dev/null 2>&1 || bench_die "stet story add $s failed"
done

start_stet page "$DB1"
PAGE_PID=$STET_PID
sleep 1
rss_idle=$(rss_kb "$PAGE_PID" VmRSS)

TOKENS=()
for u in $(seq -w 1 $USERS); do
    name=benchuser$u
    for _ in $(seq 1 10); do
        read -r code body < <(api POST /api/v1/users \
            "{\"username\":\"$name\",\"email\":\"$name@example.org\",\"password\":\"bench password $u\"}")
        case $code in
        201 | 409) break ;;
        429) sleep "$(retry_after)" ;;
        *) bench_die "POST /api/v1/users answered $code: $body" ;;
        esac
    done
    for _ in $(seq 1 10); do
        read -r code body < <(api POST /api/v1/sessions "{\"login\":\"$name\",\"password\":\"bench password $u\"}")
        case $code in
        201 | 200) break ;;
        429) sleep "$(retry_after)" ;;
        *) bench_die "POST /api/v1/sessions answered $code: $body" ;;
        esac
    done
    [ "$code" = 201 ] || [ "$code" = 200 ] || bench_die "no session for $name (last answer $code)"
    TOKENS+=("$(printf '%s' "$body" | json_get token)")
done

# 100 comments, every 4th a reply to the one before, spread over the users; a 429
# (rate limit) moves on to the next user after the Retry-After pause.
COMMENT_IDS=()
words=(harbour bridge ferry council cyclists market traffic winter ramp timetable)
u=0
for k in $(seq 1 100); do
    w1=${words[$((k % 10))]}
    w2=${words[$(((k * 7) % 10))]}
    text="Comment $k on the $w1. I think the *$w2* question matters more than the council admits;"
    text="$text see [the minutes](https://example.org/minutes/$k) and the $w1 survey."
    [ $((k % 3)) -eq 0 ] && text="$text\\n\\nA second paragraph: the $w2 has been a problem since **$((1990 + k % 30))**."
    parent=""
    if [ $((k % 4)) -eq 0 ]; then parent=",\"parent_id\":${COMMENT_IDS[$((k - 2))]}"; fi
    posted=""
    for _ in $(seq 1 20); do
        read -r code body < <(api POST "/api/v1/stories/$SLUG/comments" "{\"body\":\"$text\"$parent}" "${TOKENS[$u]}")
        u=$(((u + 1) % USERS))
        if [ "$code" = 201 ]; then
            posted=1
            break
        fi
        [ "$code" = 429 ] || bench_die "posting comment $k answered $code: $body"
        sleep "$(retry_after)"
    done
    [ -n "$posted" ] || bench_die "comment $k was rate limited 20 times"
    COMMENT_IDS+=("$(printf '%s' "$body" | json_get comment id)")
done

URL=http://127.0.0.1:$STET_PORT/stories/$SLUG
code=$(curl -sS -m 10 -D "$BENCH_TMP/page.headers" -o "$BENCH_TMP/page.html" -w '%{http_code}' "$URL")
[ "$code" = 200 ] || bench_die "GET /stories/$SLUG answered $code"
ncomments=$( (grep -o 'class="comment[ "]' "$BENCH_TMP/page.html" || true) | wc -l)
[ "$ncomments" -eq 100 ] || bench_note "the saved page shows $ncomments comments, not 100"
ctype=$(awk 'tolower($1) == "content-type:" { sub(/^[^:]*: */, ""); sub(/\r$/, ""); print }' "$BENCH_TMP/page.headers")
page_bytes=$(wc -c <"$BENCH_TMP/page.html")
# A logged-in browser sends its session cookie (its forms' CSRF token derives from
# the session, so a logged-in page sets no CSRF cookie).
COOKIE="Cookie: stet_session=${TOKENS[0]}"
code=$(curl -sS -m 10 -H "$COOKIE" -D "$BENCH_TMP/page-reader.headers" -o "$BENCH_TMP/page-reader.html" \
    -w '%{http_code}' "$URL")
[ "$code" = 200 ] || bench_die "GET /stories/$SLUG with the session cookie answered $code"
if grep -qi '^set-cookie: stet_csrf=' "$BENCH_TMP/page-reader.headers"; then
    bench_note "the logged-in page set a CSRF cookie: every request would pay for one"
fi
grep -q 'id="comment-form"' "$BENCH_TMP/page-reader.html" ||
    bench_note "the logged-in page has no comment form: is the cookie accepted?"
if grep -qi '^connection: close' "$BENCH_TMP/page.headers"; then
    bench_note "stet answered 'Connection: close' (every request pays a new connection)"
fi

# The "empty" and the 1,000,000-comment databases both start from this one, so the
# benchmarked page is the same in both.
sqlite3 "$DB1" ".backup '$BENCH_TMP/empty.db'"
sqlite3 "$DB1" ".backup '$BENCH_TMP/big.db'"
bench_note "generating 1,000,000 comments over 10,000 stories"
python3 "$here/gen_comments.py" --db "$BENCH_TMP/big.db" --stories "$GEN_STORIES" --per-story 100 >&2 ||
    bench_die "gen_comments.py failed"

# ---------------------------------------------------------------- rows 1 and 2
start_nginx "$BENCH_TMP/page.html" "/stories/$SLUG" "$ctype"
NGX_URL=http://127.0.0.1:$NGINX_PORT/stories/$SLUG
cmp -s "$BENCH_TMP/page.html" <(curl -sS -m 10 "$NGX_URL") || bench_die "nginx does not serve the saved bytes"
bench_note "story page: stet (anonymous, logged-in) vs nginx, $ROUNDS alternating rounds of ${SECS}s"
run_wrk "$BENCH_TMP/warm-stet.txt" 1 "$URL"
run_wrk "$BENCH_TMP/warm-ngx.txt" 1 "$NGX_URL"
for r in $(seq 1 $ROUNDS); do
    run_wrk "$BENCH_TMP/anon-$r.txt" "$SECS" "$URL"
    run_wrk "$BENCH_TMP/reader-$r.txt" "$SECS" "$URL" -H "$COOKIE"
    run_wrk "$BENCH_TMP/nginx-$r.txt" "$SECS" "$NGX_URL"
done
rss_load=$(rss_kb "$PAGE_PID" VmHWM)
bench_stop "$NGINX_PID"

# "rps p50 p99 non2xx errors" over the rounds of one kind: medians, then sums.
medians() {
    local kind=$1 i out=""
    for i in 1 2 3; do
        out="$out $(for r in $(seq 1 $ROUNDS); do wrk_numbers "$BENCH_TMP/$kind-$r.txt" | cut -d' ' -f"$i"; done | median)"
    done
    for i in 4 5; do # error counts: the sum over the rounds
        out="$out $(for r in $(seq 1 $ROUNDS); do wrk_numbers "$BENCH_TMP/$kind-$r.txt" | cut -d' ' -f"$i"; done | awk '{ s += $1 } END { print s + 0 }')"
    done
    echo "$out"
}
read -r a_rps a_p50 a_p99 a_bad a_err <<<"$(medians anon)"
read -r l_rps l_p50 l_p99 l_bad l_err <<<"$(medians reader)"
read -r n_rps n_p50 n_p99 n_bad n_err <<<"$(medians nginx)"

# ---------------------------------------------------------------- row 3
metric_batch() {
    curl -sS -m 5 -H "Authorization: Bearer $BENCH_METRICS_TOKEN" \
        "http://127.0.0.1:$STET_PORT/metrics" 2>/dev/null | awk '
        /^(stet_group_commit_batch_size|stet_db_commit_batch)/ {
            name = $1; sub(/\{.*/, "", name)
            if (name ~ /_sum$/) s += $NF
            else if (name ~ /_count$/) c += $NF
            else if (name !~ /_bucket$/) { g = $NF; hg = 1 }
            found = 1
        }
        END { if (!found) print "none"; else printf "%s %s %s\n", s + 0, c + 0, (hg ? g : "x") }' ||
        true
}
bench_note "durable comment posts: 64 connections, 10s"
batch_before=$(metric_batch)
run_wrk "$BENCH_TMP/posts.txt" 10 "http://127.0.0.1:$STET_PORT" -s "$here/post.lua" -- \
    "$(
        IFS=,
        echo "${TOKENS[*]}"
    )" "$POST_SLUGS"
batch_after=$(metric_batch)
read -r p_rps p_p50 p_p99 _ _ <<<"$(wrk_numbers "$BENCH_TMP/posts.txt")"
p_ok=$(awk '$1 == "POSTS_201" { print $2 }' "$BENCH_TMP/posts.txt")
p_non=$(awk '$1 == "POSTS_NON201" { print $2 }' "$BENCH_TMP/posts.txt")
p_non_detail=$(awk '$1 == "POSTS_NON201" { print $3 }' "$BENCH_TMP/posts.txt")
p_ok=${p_ok:-0}
p_non=${p_non:-0}
p_rate=$(awk -v r="$p_rps" -v ok="$p_ok" -v bad="$p_non" 'BEGIN { t = ok + bad; printf "%.0f", (t ? r * ok / t : 0) }')
if [ "$batch_after" = none ]; then
    batch_avg=n/a
else
    batch_avg=$(awk -v a="$batch_after" -v b="$batch_before" 'BEGIN {
        split(a, x, " "); split(b, y, " ")
        if (x[2] - y[2] > 0) printf "%.1f", (x[1] - y[1]) / (x[2] - y[2])
        else if (x[3] != "x") printf "%.1f", x[3]
        else print "n/a" }')
fi
if [ "$p_non" -gt 0 ]; then
    bench_note "non-201 answers to posts: $p_non_detail"
    grep '^POSTS_FIRST_BAD' "$BENCH_TMP/posts.txt" >&2 || true
fi
bench_stop "$PAGE_PID"

# ---------------------------------------------------------------- row 4
bench_note "story page: empty database vs 1,000,000 comments, $ROUNDS alternating rounds of ${SECS}s"
start_stet empty "$BENCH_TMP/empty.db"
EMPTY_PID=$STET_PID
E_URL=http://127.0.0.1:$STET_PORT/stories/$SLUG
start_stet big "$BENCH_TMP/big.db"
BIG_PID=$STET_PID
B_URL=http://127.0.0.1:$STET_PORT/stories/$SLUG
e_len=$(curl -sS -m 10 "$E_URL" | wc -c)
b_len=$(curl -sS -m 10 "$B_URL" | wc -c)
[ "$e_len" = "$b_len" ] || bench_note "the page differs in size between the databases ($e_len vs $b_len bytes)"
run_wrk "$BENCH_TMP/warm-e.txt" 1 "$E_URL"
run_wrk "$BENCH_TMP/warm-b.txt" 1 "$B_URL"
for r in $(seq 1 $ROUNDS); do
    run_wrk "$BENCH_TMP/empty-$r.txt" "$SECS" "$E_URL"
    run_wrk "$BENCH_TMP/big-$r.txt" "$SECS" "$B_URL"
done
read -r e_rps e_p50 e_p99 e_bad e_err <<<"$(medians empty)"
read -r b_rps b_p50 b_p99 b_bad b_err <<<"$(medians big)"
bench_stop "$BIG_PID"
bench_stop "$EMPTY_PID"

# ---------------------------------------------------------------- row 7: the queue
# The moderation queue with 10 held comments and with 100,000: the same ten
# oldest first (the API's limit=10, so both answers hold ten), and the web page a
# moderator reads (10 rows against its page of 25). benchuser01 moderates, in these
# copies only: a role change would put a staff badge on the page rows above.
bench_note "moderation queue: 10 vs 100,000 held comments, $ROUNDS alternating rounds of ${SECS}s"
for q in small big; do
    sqlite3 "$BENCH_TMP/empty.db" ".backup '$BENCH_TMP/queue-$q.db'"
done
python3 "$here/gen_comments.py" --db "$BENCH_TMP/queue-small.db" --stories 1 --per-story 10 \
    --users 10 --held-every 1 >&2 || bench_die "gen_comments.py (10 held) failed"
python3 "$here/gen_comments.py" --db "$BENCH_TMP/queue-big.db" --stories 1000 --per-story 100 \
    --held-every 1 >&2 || bench_die "gen_comments.py (100,000 held) failed"
for q in small big; do
    "$STET_BIN" user role --db "sqlite:$BENCH_TMP/queue-$q.db" benchuser01 moderator >/dev/null ||
        bench_die "stet user role failed on queue-$q.db"
done
start_stet queue-small "$BENCH_TMP/queue-small.db"
QS_PID=$STET_PID
QS_BASE=http://127.0.0.1:$STET_PORT
start_stet queue-big "$BENCH_TMP/queue-big.db"
QB_PID=$STET_PID
QB_BASE=http://127.0.0.1:$STET_PORT
AUTH="Authorization: Bearer ${TOKENS[0]}"
QPATH=/api/v1/moderation/queue?limit=10
for base in "$QS_BASE" "$QB_BASE"; do
    n=$(curl -sS -m 10 -H "$AUTH" "$base$QPATH" | grep -o '"status": *"held"' | wc -l)
    [ "$n" -eq 10 ] || bench_die "$base$QPATH lists $n held comments, not 10"
    code=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' -H "$COOKIE" "$base/moderation")
    [ "$code" = 200 ] || bench_die "GET $base/moderation answered $code"
done
run_wrk "$BENCH_TMP/warm-qs.txt" 1 "$QS_BASE$QPATH" -H "$AUTH"
run_wrk "$BENCH_TMP/warm-qb.txt" 1 "$QB_BASE$QPATH" -H "$AUTH"
for r in $(seq 1 $ROUNDS); do
    run_wrk "$BENCH_TMP/qsmall-$r.txt" "$SECS" "$QS_BASE$QPATH" -H "$AUTH"
    run_wrk "$BENCH_TMP/qbig-$r.txt" "$SECS" "$QB_BASE$QPATH" -H "$AUTH"
    run_wrk "$BENCH_TMP/qpsmall-$r.txt" "$SECS" "$QS_BASE/moderation" -H "$COOKIE"
    run_wrk "$BENCH_TMP/qpbig-$r.txt" "$SECS" "$QB_BASE/moderation" -H "$COOKIE"
done
read -r qs_rps qs_p50 qs_p99 qs_bad qs_err <<<"$(medians qsmall)"
read -r qb_rps qb_p50 qb_p99 qb_bad qb_err <<<"$(medians qbig)"
read -r qps_rps qps_p50 qps_p99 qps_bad qps_err <<<"$(medians qpsmall)"
read -r qpb_rps qpb_p50 qpb_p99 qpb_bad qpb_err <<<"$(medians qpbig)"
bench_stop "$QB_PID"
bench_stop "$QS_PID"

# ---------------------------------------------------------------- row 5: logins flood
bench_note "story page alone vs while 64 connections flood logins, $ROUNDS alternating rounds of ${SECS}s"
start_stet flood "$BENCH_TMP/empty.db"
FLOOD_PID=$STET_PID
F_URL=http://127.0.0.1:$STET_PORT/stories/$SLUG
run_wrk "$BENCH_TMP/warm-f.txt" 1 "$F_URL"
for r in $(seq 1 $ROUNDS); do
    run_wrk "$BENCH_TMP/quiet-$r.txt" "$SECS" "$F_URL"
    # The flood starts first and outlasts the page round.
    timeout $((SECS + 40)) taskset -c 1 wrk -t1 -c64 -d"$((SECS + 2))s" \
        "http://127.0.0.1:$STET_PORT" -s "$here/login_flood.lua" >"$BENCH_TMP/logins-$r.txt" 2>&1 &
    flood_wrk=$!
    bench_track "$flood_wrk"
    sleep 1
    run_wrk "$BENCH_TMP/flooded-$r.txt" "$SECS" "$F_URL"
    wait "$flood_wrk" || bench_note "the login flood's wrk exited with an error"
    bench_stop "$flood_wrk"
    # Logins the flood left running (each waiting for an Argon2id slot) finish
    # before the next quiet round.
    wait_idle "$FLOOD_PID"
done
read -r q_rps q_p50 q_p99 q_bad q_err <<<"$(medians quiet)"
read -r f_rps f_p50 f_p99 f_bad f_err <<<"$(medians flooded)"
f_logins=$(sed -n 's/^LOGINS //p' "$BENCH_TMP/logins-$ROUNDS.txt")
f_login_rps=$(for r in $(seq 1 $ROUNDS); do wrk_numbers "$BENCH_TMP/logins-$r.txt" | cut -d' ' -f1; done | median)
bench_stop "$FLOOD_PID"

# ---------------------------------------------------------------- row 6
bench_note "10,000 idle connections to GET /stories/$SLUG/events"
start_stet sse "$BENCH_TMP/empty.db"
SSE_PID=$STET_PID
sleep 0.5
taskset -c 1 python3 "$here/sse_hold.py" --port "$STET_PORT" --path "/stories/$SLUG/events" \
    --count "$SSE_COUNT" --hold 150 --open-timeout 60 --status "$BENCH_TMP/sse.status" \
    >"$BENCH_TMP/sse.out" 2>&1 &
HOLD_PID=$!
bench_track "$HOLD_PID"
for i in $(seq 1 900); do
    grep -q '^ready=1' "$BENCH_TMP/sse.status" 2>/dev/null && break
    kill -0 "$HOLD_PID" 2>/dev/null || break
    sleep 0.1
done
rss_sse=$(rss_kb "$SSE_PID" VmRSS)
sse_get=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$STET_PORT/stories/$SLUG" 2>/dev/null) || true
sse_state=$(head -n 1 "$BENCH_TMP/sse.status" 2>/dev/null || echo "client-failed")
sse_error=$(sed -n 's/^first_error=//p' "$BENCH_TMP/sse.status" 2>/dev/null || true)
bench_stop "$HOLD_PID"
sse_alive=yes
kill -0 "$SSE_PID" 2>/dev/null || sse_alive=no
bench_stop "$SSE_PID"
[ -s "$BENCH_TMP/sse.out" ] && cat "$BENCH_TMP/sse.out" >&2
sse_word() { printf '%s\n' "$sse_state" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
s_open=$(sse_word open)
s_codes=$(sse_word codes)
s_wait=$(sse_word waiting_headers)
s_closed=$(sse_word closed_by_server)
s_reset=$(sse_word reset)
s_cerr=$(sse_word connect_errors)

# ---------------------------------------------------------------- row 8: legacy import
# A generated Disqus export into a fresh SQLite database with the default durability,
# --create-stories: wall time and the importer's peak RSS (its own, from getrusage of
# the child), comments/s over the comments the summary says were imported.
IMPORT_POSTS=${BENCH_IMPORT_POSTS:-200000}
bench_note "stet import disqus: a generated export of $(fmt_int "$IMPORT_POSTS") posts"
python3 "$here/../tests/fixtures/import/gen_disqus.py" --posts "$IMPORT_POSTS" >"$BENCH_TMP/disqus.xml"
DB_IMPORT=$BENCH_TMP/import.db
"$STET_BIN" migrate --db "sqlite:$DB_IMPORT" >/dev/null 2>&1 || bench_die "stet migrate failed"
imp_stat=$(python3 - "$STET_BIN" "$DB_IMPORT" "$BENCH_TMP/disqus.xml" "$BENCH_TMP/import.out" <<'PY'
import resource, subprocess, sys, time
stet, db, xml, out = sys.argv[1:]
t0 = time.monotonic()
with open(out, "wb") as f:
    rc = subprocess.run([stet, "import", "disqus", xml, "--create-stories", "--db", "sqlite:" + db],
                        stdout=f, stderr=subprocess.DEVNULL).returncode
secs = time.monotonic() - t0
print(rc, "%.3f" % secs, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
) || bench_die "the import benchmark failed to run"
read -r imp_rc imp_secs imp_rss <<<"$imp_stat"
imp_n=$(awk '$1 == "comments" && $2 == "imported" { print $3 }' "$BENCH_TMP/import.out")
imp_rate=$(awk -v n="${imp_n:-0}" -v s="$imp_secs" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')

# ---------------------------------------------------------------- the table
MET=met
NOT="**not met**"
ms() { awk -v v="$1" 'BEGIN { printf "%.2f ms", v }'; }
errs() { # non-2xx and socket errors of a wrk run, when there were any
    if [ "$1" -gt 0 ] || [ "$2" -gt 0 ]; then printf '; %s non-2xx, %s socket errors' "$1" "$2"; fi
}

a_rr=$(ratio "$a_rps" "$n_rps")
a_pr=$(ratio "$a_p99" "$n_p99")
l_rr=$(ratio "$l_rps" "$n_rps")
bp=$(ratio "$b_p50" "$e_p50")
fr=$(ratio "$f_p99" "$q_p99")
qr=$(ratio "$qb_p50" "$qs_p50")
row1=$NOT row2=$NOT row3=$NOT row4=$NOT row5a=$NOT row5c=$NOT row6=$NOT row7=$NOT
if ge "$a_rr" 0.9 && le "$a_pr" 1.5 && [ "$a_bad" -eq 0 ]; then row1=$MET; fi
if ge "$l_rr" 0.5 && [ "$l_bad" -eq 0 ]; then row2=$MET; fi
if ge "$p_rate" 5000 && [ "$p_non" -eq 0 ]; then row3=$MET; fi
if le "$bp" 1.2 && [ "$b_bad" -eq 0 ]; then row4=$MET; fi
if le "$(kb_to_mb "$rss_idle")" 32; then row5a=$MET; fi
if le "$fr" 3 && [ "$f_bad" -eq 0 ]; then row6=$MET; fi
if le "$qr" 1.2 && [ "$qb_bad" -eq 0 ] && [ "$qpb_bad" -eq 0 ]; then row7=$MET; fi
row8=$NOT
if [ "$imp_rc" -eq 0 ] && ge "$imp_rate" 50000 && le "$(kb_to_mb "$imp_rss")" 64; then row8=$MET; fi
if [ "${s_open:-0}" -ge "$SSE_COUNT" ] && [ "${s_codes:-}" = "200:$SSE_COUNT" ] &&
    le "$(kb_to_mb "$rss_sse")" 200 && [ "$sse_get" = 200 ] && [ "$sse_alive" = yes ]; then
    row5c=$MET
fi
sse_desc="${s_open:-0} of $(fmt_int "$SSE_COUNT") open (status ${s_codes:-none}"
[ "${s_wait:-0}" -gt 0 ] && sse_desc="$sse_desc, ${s_wait} without headers yet"
sse_desc="$sse_desc; ${s_closed:-0} closed by server, ${s_reset:-0} reset, ${s_cerr:-0} connect errors)"
[ -n "$sse_error" ] && sse_desc="$sse_desc, first error: $sse_error"
sse_desc="$sse_desc; story page meanwhile: ${sse_get:-no answer}"
[ "$sse_alive" = yes ] || sse_desc="$sse_desc; **stet exited**"

cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
version=$("$STET_BIN" --version 2>&1 | head -n 1 || true)
commit=$(git -C "$here/.." rev-parse --short HEAD 2>/dev/null || true)
if [ -n "$commit" ]; then
    git -C "$here/.." diff --quiet HEAD -- src 2>/dev/null || commit="$commit with local changes"
    version="$version ($commit)"
fi
{
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) CPUs ($cpu), Linux $(uname -r), $version."
    echo "stet and nginx (one worker) pinned to CPU 0, \`wrk -t1 -c64 --latency\` on CPU 1, loopback;"
    echo "load average before/after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the numbers);"
    echo "story page: $page_bytes bytes, $ncomments comments, \`$ctype\`; medians of $ROUNDS alternating ${SECS}s rounds."
    echo
    echo "| measure | req/s | p50 | p99 | vs baseline | target | result |"
    echo "|---|---:|---:|---:|---|---|---|"
    echo "| nginx, the same bytes from a file (baseline) | $(fmt_int "$n_rps") | $(ms "$n_p50") | $(ms "$n_p99") | baseline$(errs "$n_bad" "$n_err") | | |"
    echo "| anonymous story page, 100 comments | $(fmt_int "$a_rps") | $(ms "$a_p50") | $(ms "$a_p99") | req/s ${a_rr}×, p99 ${a_pr}×$(errs "$a_bad" "$a_err") | ≥ 0.9× nginx req/s, p99 ≤ 1.5× nginx | $row1 |"
    echo "| logged-in story page (session cookie) | $(fmt_int "$l_rps") | $(ms "$l_p50") | $(ms "$l_p99") | req/s ${l_rr}×, p99 $(ratio "$l_p99" "$n_p99")×$(errs "$l_bad" "$l_err") | ≥ 0.5× nginx req/s | $row2 |"
    echo "| durable comment posts, 64 posters, 10 s | $(fmt_int "$p_rate") posts/s | $(ms "$p_p50") | $(ms "$p_p99") | $(fmt_int "$p_ok") acknowledged, $p_non non-201${p_non_detail:+ ($p_non_detail)}; avg group-commit batch: $batch_avg | ≥ 5,000/s, 0 non-201 | $row3 |"
    echo "| story page, empty database (baseline) | $(fmt_int "$e_rps") | $(ms "$e_p50") | $(ms "$e_p99") | baseline$(errs "$e_bad" "$e_err") | | |"
    echo "| story page, 1,000,000 comments over 10,000 stories | $(fmt_int "$b_rps") | $(ms "$b_p50") | $(ms "$b_p99") | p50 ${bp}×, p99 $(ratio "$b_p99" "$e_p99")×$(errs "$b_bad" "$b_err") | p50 ≤ 1.2× empty database | $row4 |"
    echo "| moderation queue, 10 held comments (API, limit=10; baseline) | $(fmt_int "$qs_rps") | $(ms "$qs_p50") | $(ms "$qs_p99") | baseline$(errs "$qs_bad" "$qs_err") | | |"
    echo "| moderation queue, 100,000 held comments (API, limit=10) | $(fmt_int "$qb_rps") | $(ms "$qb_p50") | $(ms "$qb_p99") | p50 ${qr}×, p99 $(ratio "$qb_p99" "$qs_p99")×$(errs "$qb_bad" "$qb_err") | p50 ≤ 1.2× 10 held | $row7 |"
    echo "| moderation page /moderation, 10 held (10 rows) | $(fmt_int "$qps_rps") | $(ms "$qps_p50") | $(ms "$qps_p99") | baseline$(errs "$qps_bad" "$qps_err") | | |"
    echo "| moderation page /moderation, 100,000 held (a page of 25 rows) | $(fmt_int "$qpb_rps") | $(ms "$qpb_p50") | $(ms "$qpb_p99") | p50 $(ratio "$qpb_p50" "$qps_p50")×$(errs "$qpb_bad" "$qpb_err") | (none: 2.5× the rows) | — |"
    echo "| story page, quiet (baseline for the next row) | $(fmt_int "$q_rps") | $(ms "$q_p50") | $(ms "$q_p99") | baseline$(errs "$q_bad" "$q_err") | | |"
    echo "| story page while 64 connections flood logins (Argon2id each, limits off) | $(fmt_int "$f_rps") | $(ms "$f_p50") | $(ms "$f_p99") | p99 ${fr}× quiet$(errs "$f_bad" "$f_err"); flood: $(fmt_int "$f_login_rps") logins/s (${f_logins:-no counts}) | p99 ≤ 3× quiet | $row6 |"
    echo "| RSS idle (VmRSS after start) | | | | $(kb_to_mb "$rss_idle") MB | ≤ 32 MB | $row5a |"
    echo "| RSS peak under load (VmHWM after the story-page rounds) | | | | $(kb_to_mb "$rss_load") MB | (none) | — |"
    echo "| stet import disqus, $(fmt_int "$IMPORT_POSTS") generated posts, new SQLite database, --create-stories | $(fmt_int "$imp_rate") comments/s | | | $(fmt_int "${imp_n:-0}") comments in ${imp_secs} s, peak RSS $(kb_to_mb "$imp_rss") MB$([ "$imp_rc" -eq 0 ] || printf '; **exit status %s**' "$imp_rc") | ≥ 50,000 comments/s, peak RSS ≤ 64 MB | $row8 |"
    echo "| RSS with 10,000 idle SSE connections | | | | $(kb_to_mb "$rss_sse") MB; $sse_desc | ≤ 200 MB, other requests still served | $row5c |"
} >"$BENCH_TMP/results.md"
mkdir -p "$here/out"
cp "$BENCH_TMP/results.md" "$here/out/results.md"
cat "$BENCH_TMP/results.md"
[ "$nofile" -ge 10100 ] || bench_note "open-file limit is $nofile: 10,000 connections may not fit"
