# What the long reference runs share (bench/{leakgan,seqgan}_reference_log.sh); sourced, not run.

# long_run_bin ROOT: sets bin, the seqrl binary a run uses: SEQRL_BIN (a copy of the binary, its
# commit in SEQRL_BIN.commit, so that a rebuild beside a long run does not change what it resumes
# with), else ROOT/build/seqrl, built first when it is not there.
long_run_bin() {
  bin=${SEQRL_BIN:-$1/build/seqrl}
  [ -x "$bin" ] || bash "$1/cmake/setup.sh" "$1/build" > /dev/null
}

# long_run KEEP ERR CMD...: runs CMD (its output to /dev/null, its errors appended to ERR, or left
# on the terminal when ERR is -) in the background and evaluates KEEP, the command that copies
# its figures into the raw results, every minute (SEQRL_KEEP_EVERY seconds, for the tests) while
# it runs and once when it ends. A stop
# asked of the script (kill -TERM, Ctrl-C) is passed on to the run as an interrupt (it saves and
# stops), KEEP runs once more and the script exits 130; else the script exits with the run's
# status.
long_run() {
  local keep=$1 err=$2
  shift 2
  if [ "$err" = - ]; then "$@" > /dev/null & else "$@" > /dev/null 2>> "$err" & fi
  _long_run_pid=$! _long_run_keep=$keep
  # (under set -e a bare `wait` of a stopped run, exit 130, would end the script before KEEP)
  trap 'kill -INT $_long_run_pid 2> /dev/null; wait $_long_run_pid || true; eval "$_long_run_keep"; exit 130' INT TERM
  while kill -0 $_long_run_pid 2> /dev/null; do
    sleep "${SEQRL_KEEP_EVERY:-60}"
    eval "$keep"
  done
  local rc=0
  wait $_long_run_pid || rc=$?
  eval "$keep"
  exit $rc
}
