#!/usr/bin/env bash
# The whole test suite: installs what the tests need when it is missing, then runs every test project.
# Network-namespace tests need root; run as a normal user they skip and say why.
# prometheus (Debian package: prometheus + promtool) lets the metrics tests run a real Prometheus and its linter; without it they skip.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pair in "libpcap.so.0.8:libpcap0.8" ; do
  lib=${pair%%:*}; pkg=${pair##*:}
  ldconfig -p 2>/dev/null | grep -q "$lib" || need+=("$pkg")
done
# chromium: the status page tests render the admin page in headless Chromium (they skip without it).
# busybox: its httpd serves the lab's backends.
# afl++: the bounded fuzz pass at the end (without it, fuzz.sh falls back to its in-process mutation loop).
# nginx, haproxy: the PROXY protocol tests run them as peers (nginx proxy_protocol, HAProxy accept-proxy/send-proxy-v2).
# bird2: the routing daemon of the scale-out tests (several balancers behind a router; they skip without it).
# clang, zlib1g-dev: the native toolchain of the README's Native AOT publish block (its test skips without them).
for pair in ip:iproute2 ethtool:ethtool nft:nftables curl:curl busybox:busybox chromium:chromium prometheus:prometheus afl-fuzz:afl++ nginx:nginx haproxy:haproxy bird:bird2 clang:clang; do
  cmd=${pair%%:*}; pkg=${pair##*:}
  command -v "$cmd" >/dev/null 2>&1 || need+=("$pkg")
done
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "missing packages (not root, not installing; tests that need them will skip): ${need[*]}"
  fi
fi

dotnet build LoadBalancer.sln -c Release -nologo -clp:ErrorsOnly
# The console log is kept; when a test fails, each failure (name, message, stack, output) is printed again at the end,
# so that it is in the last lines a CI log keeps, not only somewhere among the thousands of passing tests above.
log=$(mktemp /tmp/lb-tests.XXXXXX.log)
rc=0
dotnet test LoadBalancer.sln -c Release --no-build -nologo --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || rc=$?
if [ "$rc" != 0 ]; then
  echo
  echo "=== failed tests (again, from the log above; at most 60 lines each) ==="
  awk '/^  Failed / { on = 1; n = 0 }
       on && (/^  (Passed|Skipped) / || /^\[xUnit/ || /^Test Run /) { on = 0 }
       on && n++ < 60 { print }' "$log"
  echo "=== dotnet test exit code $rc; log: $log ==="
  exit "$rc"
fi
rm -f "$log"

# A bounded fuzz pass (corpus replay + AFL for FUZZ_SECONDS per target); FUZZ_SECONDS=0 skips it.
if [ "${FUZZ_SECONDS:-15}" != 0 ]; then
  bash tests/fuzz.sh "${FUZZ_SECONDS:-15}"
fi
