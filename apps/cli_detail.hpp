// Helpers shared by the subcommands' source files (not installed).
#pragma once

#include "seqrl/agents/run_dir.hpp"

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "seqrl/nets/tensor.hpp"
#include "seqrl/text/vocab.hpp"

namespace seqrl::cli {

// Parses args into vm against desc (adding --config and --help), then the --config INI file if
// given. Returns true when --help was asked (the options were printed to help_out). Throws
// ConfigError naming the option, value or config-file line.
bool parse_args(const std::string& cmd, boost::program_options::options_description& desc,
                const std::vector<std::string>& args, boost::program_options::variables_map& vm,
                std::ostream* help_out);
// ConfigError("seqrl cmd: msg") unless ok.
void require(bool ok, const std::string& cmd, const std::string& msg);
bool is_dir(const std::string& path);
using agents::file_in_run_folder;  // a run folder standing for its checkpoint (agents/run_dir.hpp)

// A subcommand: `seqrl NAME args...` runs run(args, out, err); its summary is its line in
// `seqrl help`. Every handler parses its own options (--help prints them to out) and returns
// the exit code; ConfigError means a usage error (exit 2), any other seqrl Error exit 1.
using Args = std::vector<std::string>;
struct Command {
  std::string name, summary;
  std::function<int(const Args&, std::ostream& out, std::ostream& err)> run;
};
// The table of subcommands (cli.cpp), in the order `seqrl help` lists them.
const std::vector<Command>& commands();

int train_command(const Args& args, std::ostream& out, std::ostream& err);         // cli.cpp, train_cmd.cpp
int fit_command(const Args& args, std::ostream& out, std::ostream& err);           // fit_cmd.cpp
int suite_command(const Args& args, std::ostream& out, std::ostream& err);         // suite_cmd.cpp
int eval_command(const Args& args, std::ostream& out, std::ostream& err);          // eval_cmd.cpp
int rollout_command(const Args& args, std::ostream& out, std::ostream& err);       // eval_cmd.cpp
int generate_command(const Args& args, std::ostream& out, std::ostream& err);      // text_cmd.cpp
int score_command(const Args& args, std::ostream& out, std::ostream& err);         // score.cpp
int tokenize_command(const Args& args, std::ostream& out, std::ostream& err);      // score.cpp
int grammar_command(const Args& args, std::ostream& out, std::ostream& err);       // score.cpp
int seqgan_command(const Args& args, std::ostream& out, std::ostream& err);        // seqgan_cmd.cpp
int bench_command(const Args& args, std::ostream& out, std::ostream& err);         // bench_cmd.cpp
int demo_command(const Args& args, std::ostream& out, std::ostream& err);          // cli.cpp: fit lm --data oracle
int list_command(const Args& args, std::ostream& out, std::ostream& err);          // cli.cpp

// Token ids [n, T] as text, one line per row: words up to <eos> when vocab is given, else the
// ids (text_cmd.cpp).
// past_eos: Texygen's code_to_text instead (every end token dropped, the words after it kept).
std::string decode_lines(const nets::IntTensor& ids, const text::Vocabulary* vocab, bool past_eos = false);

}  // namespace seqrl::cli
