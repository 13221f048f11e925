#!/usr/bin/env bash
# Starts one node of the three-node NATS cluster (cluster.conf) in the foreground.
# Usage: start-node.sh NAME STORE_DIR ROUTE_A ROUTE_B ROUTE_C
#   NAME       this node's name (a, b or c)
#   STORE_DIR  where its JetStream data lives
#   ROUTE_x    the three nodes' cluster addresses, host:port (this node's own among them)
# Environment: GOME_NATS_HOST (listen address, default 0.0.0.0), GOME_NATS_PORT (clients, default 4222),
# GOME_NATS_HTTP_PORT (monitoring, default 8222), GOME_NATS_CLUSTER_PORT (routes, default 6222).
set -euo pipefail
if [ $# -ne 5 ]; then sed -n '2,9p' "$0" >&2; exit 2; fi
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$2"
# nats-server parses a variable's value as a config value: the store path is quoted so that spaces survive
export GOME_NATS_NAME="$1" GOME_NATS_STORE="\"$(cd "$2" && pwd)\""
export GOME_NATS_ROUTE_A="nats-route://$3" GOME_NATS_ROUTE_B="nats-route://$4" GOME_NATS_ROUTE_C="nats-route://$5"
export GOME_NATS_HOST="${GOME_NATS_HOST:-0.0.0.0}" GOME_NATS_PORT="${GOME_NATS_PORT:-4222}"
export GOME_NATS_HTTP_PORT="${GOME_NATS_HTTP_PORT:-8222}" GOME_NATS_CLUSTER_PORT="${GOME_NATS_CLUSTER_PORT:-6222}"
exec nats-server -c "$here/cluster.conf"
