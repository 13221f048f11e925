#!/usr/bin/env bash
# Installs everything Gome needs on a fresh Debian 12 machine, idempotently: Debian packages, then npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  nats-server                                   # the message bus (JetStream)
  python3 python3-sklearn python3-pandas python3-xgboost   # the ML stack generated code runs on
  python3-optuna python3-torch python3-pyflakes  # tuning and (CPU) deep learning for generated code; pyflakes checks the job templates
  python3-statsmodels python3-rdata r-cran-mlbench r-cran-kernlab  # real datasets for the bundled competitions
  r-cran-aer r-cran-dslabs                      # real datasets for fertility-work (AER Fertility) and tweet-source (dslabs trump_tweets)
  dataset-fashion-mnist                         # images for the bundled fashion-mnist-10k competition
  bubblewrap                                    # no-network job sandbox
  docker.io debootstrap                         # the Docker job sandbox (--sandbox docker) and its image, built from a debootstrap root
  iproute2 nftables procps                      # network namespaces and partitions (nft) for multi-host tests; ps for process checks
  util-linux                                    # setpriv: helpers (nats-server, jobs) die with the gome process
)
${GOME_EXTRA_APT:+APT_PACKAGES+=($GOME_EXTRA_APT)}

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: Debian packages present"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
else
  echo "setup: npm packages present"
fi
