#!/bin/bash
# The L7 profile of bench/RESULTS.md ("where the CPU per request goes"), on loopback:
#   prof.sh NAME CMD...   e.g. prof.sh aot src/Balancer/bin/aot/balancer run --config bench/results/l7-profile/balancer.json
#                              prof.sh haproxy haproxy -db -f bench/results/l7-profile/haproxy.cfg
# The front listens on 127.0.0.1:18080; two nginx servers (one worker) answer on 18081/18082.
# Output in /tmp/l7-profile/NAME: wrk results, per-thread CPU ticks and context switches, and with PERF=1 a perf.data.
here=$(cd "$(dirname "$0")" && pwd)
name=$1; shift
out=/tmp/l7-profile/$name; rm -rf "$out"; mkdir -p "$out"
sed "s|@OUT@|$out|g" "$here/nginx.conf" > "$out/nginx.conf"
nginx -c "$out/nginx.conf"; sleep 0.5
"$@" > "$out/front.log" 2>&1 &
fpid=$!
for i in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:18080/ && break; sleep 0.2; done
wrk -t2 -c64 -d8s http://127.0.0.1:18080/ > "$out/warm.txt"
"$here/threads.sh" $fpid > "$out/t0.txt"
wrk -t2 -c64 -d10s --latency http://127.0.0.1:18080/ > "$out/wrk.txt"
"$here/threads.sh" $fpid > "$out/t1.txt"
if [ -n "$PERF" ]; then
  wrk -t2 -c64 -d12s http://127.0.0.1:18080/ > "$out/wrk-perf.txt" &
  wpid=$!; sleep 1
  perf record -F 2000 -g -p $fpid -o "$out/perf.data" -- sleep 8 > /dev/null 2>&1
  wait $wpid
fi
kill $fpid; wait $fpid 2>/dev/null
kill "$(cat "$out/nginx.pid")"
grep "Requests/sec\| 99%" "$out/wrk.txt"
join <(sort -k1,1 "$out/t0.txt") <(sort -k1,1 "$out/t1.txt") | awk '{printf "%-6s %-16s cpu_ticks=%5d voluntary=%7d involuntary=%6d\n",$1,$2,$7-$3,$8-$4,$9-$5}'
