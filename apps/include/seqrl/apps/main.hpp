// The whole `seqrl` command as a library function. A program that registers its own parts first
// (agents::register_agent, env::register_env, env::register_reward_model, text::register_metric)
// and then calls seqrl::apps::main gets every subcommand for them: train, eval, rollout, suite,
// list, ... (examples/new_agent.cpp; link seqrl::apps).
#pragma once

namespace seqrl::apps {

// Runs `seqrl ARGS...` (argv[0] is the program's name): joins the MPI job when launched under
// mpirun, runs the subcommand, and returns the exit status (0 ok, 1 runtime error, 2 usage error,
// 130 interrupted).
int main(int argc, char** argv);

}  // namespace seqrl::apps
