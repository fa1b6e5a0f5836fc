# Sourced by the MPI test scripts: `mpi N CMD...` runs CMD on N ranks under $mpiexec, passing on
# this shell's SEQRL_NUM_THREADS, OPENBLAS_NUM_THREADS, OPENBLAS_CORETYPE and SEQRL_MPI_TIMEOUT, and ends the job after
# ${mpi_timeout:-300} s. Open MPI's mpirun is told with --timeout and -x; MPICH's mpiexec (Hydra)
# passes the environment on by itself and reads MPIEXEC_TIMEOUT. Open MPI's root and
# oversubscription settings come from the OMPI_* variables the scripts export (MPICH needs none).
# (the version text is read whole: `| grep -q` would stop reading early, and under pipefail the
# launcher's SIGPIPE would then read as "not Hydra")
case "$("$mpiexec" --version 2>&1 || true)" in
  *[Hh][Yy][Dd][Rr][Aa]*) mpi_kind=hydra ;;
  *) mpi_kind=openmpi ;;
esac
mpi() {
  local n=$1
  shift
  if [ "$mpi_kind" = hydra ]; then
    MPIEXEC_TIMEOUT=${mpi_timeout:-300} "$mpiexec" -np "$n" "$@"
  else
    local pass=() v
    for v in SEQRL_NUM_THREADS OPENBLAS_NUM_THREADS OPENBLAS_CORETYPE SEQRL_MPI_TIMEOUT; do
      [ -n "${!v:-}" ] && pass+=(-x "$v")
    done
    "$mpiexec" -np "$n" --timeout "${mpi_timeout:-300}" "${pass[@]}" "$@"
  fi
}
# within A B TOL: |A - B| <= TOL |A| (B's relative difference from A); prints "rel D" either way,
# so that every run of the test shows how far the two were apart on this machine
within() {
  /usr/bin/python3 -c '
import sys
a, b, t = map(float, sys.argv[1:4])
d = abs(a - b) / max(abs(a), 1e-12)
print(f"rel {d:.3g} (bound {t:g})")
sys.exit(0 if d <= t else 1)' "$1" "$2" "$3"
}
