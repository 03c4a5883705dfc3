#!/usr/bin/env bash
# A real Prometheus server scrapes `onence exporter` (on the embedded
# sandbox, 100 SIMs) and counts the fleet through its own query API.
#   needs: prometheus on PATH (Debian: apt-get install prometheus), curl, python3
#   run:   scripts/prometheus-e2e.sh        (exits 0 when Prometheus counts 100 SIMs)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --features cli --bin onence --quiet
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

./target/debug/onence --sandbox exporter --listen 127.0.0.1:19464 --interval 10s --max-rate 10 2>"$work/exporter.log" &
for _ in $(seq 1 120); do
  curl -sf http://127.0.0.1:19464/healthz >/dev/null && break
  sleep 0.5
done
cat >"$work/prometheus.yml" <<'YML'
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: onence
    static_configs:
      - targets: ["127.0.0.1:19464"]
YML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address=127.0.0.1:19090 >"$work/prometheus.log" 2>&1 &
query() {
  curl -sf --get http://127.0.0.1:19090/api/v1/query --data-urlencode "query=$1" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")'
}
for _ in $(seq 1 60); do
  sims=$(query 'count(onence_sim_info)' 2>/dev/null || echo none)
  [ "$sims" = "100" ] && break
  sleep 1
done
echo "Prometheus counts $sims SIMs; by status: $(query 'sum(onence_sims)'); list calls: $(query 'sum(onence_api_requests_total{operation="list_sims"})'); up: $(query 'up{job="onence"}')"
[ "$sims" = "100" ]
