// Helpers shared by the subcommands' source files (not installed).
#pragma once

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

// `seqrl score` (score.cpp).
int score_command(const std::vector<std::string>& args, std::ostream& out, std::ostream* help_out);
// `seqrl tokenize`: a file's sentences as tokens, one line each (score.cpp).
int tokenize_command(const std::vector<std::string>& args, std::ostream& out, std::ostream* help_out);

// `seqrl grammar`: a corpus from the caption grammar (score.cpp).
int grammar_command(const std::vector<std::string>& args, std::ostream& out, std::ostream* help_out);
// `seqrl fit ae|vae|gan` (fit_cmd.cpp); progress lines to err.
int fit_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// `seqrl suite` (suite_cmd.cpp): progress lines to err.
int suite_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// `seqrl seqgan` (seqgan_cmd.cpp).
int seqgan_command(const std::vector<std::string>& args, std::ostream& out, std::ostream* help_out);

// Token ids [n, T] as text, one line per row: words up to <eos> when vocab is given, else the
// ids (text_cmd.cpp).
// past_eos: Texygen's code_to_text instead (every end token dropped, the words after it kept).
std::string decode_lines(const nets::IntTensor& ids, const text::Vocabulary* vocab, bool past_eos = false);
// `seqrl mle` and `seqrl generate` (text_cmd.cpp).
int mle_command(const std::vector<std::string>& args, std::ostream& out, std::ostream* help_out);
int generate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream* help_out);

}  // namespace seqrl::cli
