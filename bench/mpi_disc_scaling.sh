#!/usr/bin/env bash
# The discriminator's part of bench/mpi_scaling.sh (the name earlier results quote).
# usage: bash bench/mpi_disc_scaling.sh [ROUNDS=3] [B=64] [STEPS=10]
exec bash "$(dirname "${BASH_SOURCE[0]}")/mpi_scaling.sh" disc "$@"
