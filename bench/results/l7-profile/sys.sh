#!/bin/bash
# Syscalls of the front under wrk -c64 (perf trace -s for 3 s): sys.sh NAME CMD... (same set-up as prof.sh)
here=$(cd "$(dirname "$0")" && pwd)
name=$1; shift
out=/tmp/l7-profile/$name-sys; rm -rf "$out"; mkdir -p "$out"
sed "s|@OUT@|$out|g" "$here/nginx.conf" > "$out/nginx.conf"
nginx -c "$out/nginx.conf"; sleep 0.5
"$@" > "$out/front.log" 2>&1 &
fpid=$!
for i in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:18080/ && break; sleep 0.2; done
wrk -t2 -c64 -d6s http://127.0.0.1:18080/ > /dev/null
wrk -t2 -c64 -d8s http://127.0.0.1:18080/ > "$out/wrk.txt" &
wpid=$!; sleep 2
timeout 10 perf trace -s -p $fpid -- sleep 3 > "$out/systrace.txt" 2>&1
wait $wpid
kill $fpid; wait $fpid 2>/dev/null
kill "$(cat "$out/nginx.pid")"
cat "$out/systrace.txt"
