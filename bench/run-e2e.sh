#!/usr/bin/env bash
# Runs the end-to-end comparison as root: installs the peers from Debian when missing (without letting their
# packages start services in the root namespace), builds the balancer and the harness in Release, then runs
#   dotnet run -c Release --project bench/LoadBalancer.Bench -- e2e "$@"
# Examples: bench/run-e2e.sh --quick            (smoke: 1 round, 3 s per run, fewer contenders and search steps)
#           bench/run-e2e.sh                    (3 rounds, every contender and workload, the worker series: estimated 30 min)
#           bench/run-e2e.sh --plan             (prints contenders, workloads and the estimated time; runs nothing)
#           bench/run-e2e.sh --workloads udp-zl --contenders direct,l4-nat,l4-nat-w1,l4-nat-w2,nftables
#           bench/run-e2e.sh --workloads cold,overload --contenders l4-nat,nftables
#           bench/run-e2e.sh --rounds 5 --duration 10s --contenders direct,l4-dsr,nftables
#           bench/run-e2e.sh --contenders direct,l4-dsr,l4-dsr-router1,l4-dsr-router2,nftables --workloads ka64,close,1mb,udp-zl
#           bench/run-e2e.sh --contenders direct,l4-nat,l4-fullnat,l4-tunnel,l4-dsr,nftables --family dual --workloads ka64,close,1mb
#                                               (each row also over IPv6: direct6, l4-nat6, ..., nftables6, in the same rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then echo "run as root (the harness creates network namespaces)" >&2; exit 2; fi

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
[ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || need+=(libnginx-mod-stream)
command -v haproxy >/dev/null || need+=(haproxy)
command -v nft >/dev/null || need+=(nftables)
command -v conntrack >/dev/null || need+=(conntrack)
command -v curl >/dev/null || need+=(curl)
command -v ethtool >/dev/null || need+=(ethtool)
command -v ip >/dev/null || need+=(iproute2)
command -v bird >/dev/null || need+=(bird2)   # the router lab of the -router<N> contenders (BIRD per namespace, started by the lab)
command -v clang >/dev/null || need+=(clang)   # Native AOT publish of the l7-aot contenders
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  # Packages like nginx and haproxy start their service on install: forbid that for the duration, unless a
  # policy already exists (containers usually have one that denies everything).
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  trap '[ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" libpcap0.8
fi

dotnet build src/Balancer -c Release -nologo -v q
set +e
dotnet run -c Release --project bench/LoadBalancer.Bench -- e2e "$@"
rc=$?
left=$(ip netns list | grep -E '^lbb[0-9]+r?-' || true)
if [ -n "$left" ]; then echo "namespaces left behind:"; echo "$left"; exit 1; fi
exit $rc
