#!/usr/bin/env bash
# Sets up, builds and runs the main job. Until neural training lands (gedilog train), the main
# job is the exact-inference half of MNIST addition (digit-wise addition with a carry), and a
# stand-in network trained through MNIST addition's circuits with the C++ API.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
build/app/gedilog query examples/addition_carry.pl
build/app/gedilog compile --stats examples/addition_carry.pl
(cd build && examples/query_api)
