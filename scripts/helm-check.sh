#!/usr/bin/env bash
# helm lint and helm template of deploy/helm/aloware-kendo for every values file under its
# ci/ folder (SQLite mode, PostgreSQL mode, ServiceMonitor and PrometheusRule on). HELM names
# the helm binary (.ci/run builds it from its Go module; see scripts/lib/go-tools.sh). The Go
# test in deploy/ then decodes every rendered object into its Kubernetes type.
set -euo pipefail
cd "$(dirname "$0")/.."
helm=${HELM:-helm}
chart=deploy/helm/aloware-kendo
"$helm" version --short
"$helm" lint --strict "$chart"
for values in "$chart"/ci/*.yaml; do
  echo "-- $values"
  "$helm" lint --strict "$chart" -f "$values"
  "$helm" template ci "$chart" -f "$values" >/dev/null
done
