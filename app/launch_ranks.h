#pragma once
// `gedilog train --nproc K`: K ranks of a data-parallel run on this machine, started as a
// launcher such as torchrun starts them (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
// MASTER_PORT; neural/distributed.h), so that one command trains on every core or GPU.
#include <string>
#include <vector>

namespace gedilog::app {

// Runs this executable `nproc` times with `args`, on a free loopback port, each rank with
// OMP_NUM_THREADS = cores / nproc (unless set); only rank 0's standard output is kept. When a
// rank fails the others are stopped, and the exit status is the first failing rank's (said on
// stderr, naming it); Ctrl-C or SIGTERM is passed on to every rank. Returns the exit status.
int launch_local_ranks(int nproc, const std::vector<std::string>& args);

}  // namespace gedilog::app
