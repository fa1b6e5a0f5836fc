// A generator handed from one command to another. See generator_file.hpp.
#include "seqrl/agents/generator_file.hpp"

#include "seqrl/agents/run_dir.hpp"
#include "seqrl/agents/runner.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/env/text/text_env.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/error.hpp"
#include "seqrl/text/vocab.hpp"

namespace seqrl::agents {

std::map<std::string, std::string> generator_metadata(const nets::LSTMGenerator& g, int32_t end_token,
                                                      const std::string& vocab_file) {
  return {{"agent", "mle"},
          {"vocab", std::to_string(g.cfg.vocab)},
          {"emb", std::to_string(g.cfg.emb)},
          {"hidden", std::to_string(g.cfg.hidden)},
          {"seq_len", std::to_string(g.cfg.seq_len)},
          {"start_token", std::to_string(g.cfg.start_token)},
          {"end_token", std::to_string(end_token)},
          {"vocab_file", vocab_file}};
}

namespace {
// "1 ('<bos>')" with the word when there are words
std::string token_str(long id, const text::Vocabulary* words) {
  std::string s = std::to_string(id);
  if (words && id >= 0 && size_t(id) < words->size()) s += " ('" + words->token(int32_t(id)) + "')";
  return s;
}

// The vocabulary check shared by both kinds of file: words against bare ids, then word by word.
void same_words(const text::Vocabulary* theirs, const text::Vocabulary* words, const std::string& head,
                const std::string& where) {
  if ((theirs != nullptr) != (words != nullptr))
    throw CheckpointError(head + (theirs ? " is a generator of words (" + where + "), the env's tokens are bare ids"
                                         : " is a generator of bare ids (" + where + "), the env's tokens are words"));
  if (!words) return;
  const size_t n = std::min(theirs->size(), words->size());
  for (size_t i = 0; i < n; ++i)
    if (theirs->token(int32_t(i)) != words->token(int32_t(i)))
      throw CheckpointError(head + ": the generator's vocabulary (" + where + ") has '" + theirs->token(int32_t(i)) +
                            "' at " + std::to_string(i) + ", the env's has '" + words->token(int32_t(i)) + "'");
  if (theirs->size() != words->size())
    throw CheckpointError(head + ": the generator's vocabulary (" + where + ") has " + std::to_string(theirs->size()) +
                          " words, the env's " + std::to_string(words->size()));
}

// A seqrl train run's checkpoint of an agent with an LSTM generator: its env gives the words,
// the end token and the length its generator's ids mean; every agent's generator starts at 0.
void load_run_generator(const nets::SafeTensors& st, const std::string& path, nets::LSTMGenerator& g,
                        const text::Vocabulary* words, int32_t end_token, const std::string& head) {
  const std::string& kind = nets::required_metadata(st, "agent", path);
  const std::string prefix = kind == "mle" ? "gen." : kind == "seqgan" ? "gan.gen."
                             : kind == "reinforce-lstm" || kind == "ppo-lstm" ? "policy." : "";
  if (prefix.empty())
    throw CheckpointError(head + " holds " + nets::checkpoint_holds(st) +
                          ", which has no LSTM generator to start from (mle, seqgan, reinforce-lstm and ppo-lstm "
                          "runs have; seqrl fit lm writes OUT/generator.safetensors)");
  const RunConfig run = run_config_of(st, path);
  const std::unique_ptr<env::Env> probe = env::make(run.env_id, run.env_options);
  const auto* te = dynamic_cast<const env::TextGenEnv*>(probe.get());
  const auto* ts = dynamic_cast<const env::TokenSequence*>(&probe->observation_space());
  if (!te || !ts) throw CheckpointError(head + ": its run's env " + run.env_id + " is not a text env");
  const std::string where = "the run's env " + run.env_id + " " + run.env_options.dump();
  same_words(te->words(), words, head, where);
  auto same = [&](const char* what, long file, long mine) {
    if (file != mine)
      throw CheckpointError(head + ": the generator's " + what + " is " + std::to_string(file) + " (" + where +
                            "), the env's generator's is " + std::to_string(mine));
  };
  same("vocabulary size", long(te->vocab()), long(g.cfg.vocab));
  same("maximum length (seq_len)", long(ts->max_len), long(g.cfg.seq_len));
  same("end token", long(te->eos()), long(end_token));
  same("first input (start_token)", 0, long(g.cfg.start_token));
  nets::load_module_state(g, st, prefix, path);  // the sizes: every tensor's shape, named
}
}  // namespace

GeneratorFileInfo generator_file_info(const nets::SafeTensors& st, const std::string& path) {
  auto number = [&](const char* key) -> long {
    const std::string& v = nets::required_metadata(st, key, path);
    try {
      size_t used = 0;
      const long n = std::stol(v, &used);
      if (used == v.size()) return n;
    } catch (const std::exception&) {
    }
    throw CheckpointError("generator '" + path + "': metadata '" + std::string(key) + "' is '" + v + "', not a number");
  };
  GeneratorFileInfo info;
  info.cfg.vocab = size_t(number("vocab"));
  info.cfg.emb = size_t(number("emb"));
  info.cfg.hidden = size_t(number("hidden"));
  info.cfg.seq_len = size_t(number("seq_len"));
  info.cfg.start_token = int32_t(number("start_token"));
  const auto vf = st.metadata.find("vocab_file");
  if (vf != st.metadata.end() && !vf->second.empty()) info.vocab_path = dir_of(path) + "/" + vf->second;
  // generators written before end_token was recorded: words end at <eos>, bare ids never
  info.end_token = st.metadata.count("end_token") ? int32_t(number("end_token"))
                                                  : (info.vocab_path.empty() ? -1 : text::Vocabulary::kEos);
  return info;
}

void load_generator_file(const std::string& given, nets::LSTMGenerator& g, const text::Vocabulary* words,
                         int32_t end_token, const std::string& who) {
  // a run folder stands for its generator (seqrl fit lm) or its checkpoint (seqrl train)
  const std::string path = file_in_run_folder(given, {"generator.safetensors", "checkpoint.safetensors"}, who);
  const nets::SafeTensors st = nets::load_safetensors(path);
  const std::string head = who + ": '" + path + "'";
  if (st.metadata.count("run.config")) return load_run_generator(st, path, g, words, end_token, head);
  if (st.metadata.count("fit.kind") || st.metadata.count("autoencoder"))
    throw CheckpointError(head + " holds " + nets::checkpoint_holds(st) +
                          ", not a generator (seqrl fit lm writes one: OUT/generator.safetensors)");
  const GeneratorFileInfo file = generator_file_info(st, path);
  auto same = [&](const char* key, const char* what, long file, long mine, bool tokens = false) {
    if (file == mine) return;
    const std::string f = tokens ? token_str(file, words) : std::to_string(file);
    const std::string m = tokens ? token_str(mine, words) : std::to_string(mine);
    throw CheckpointError(head + ": the generator's " + what + " is " + f + ", the env's generator's is " + m +
                          " (metadata '" + key + "')");
  };
  if (!file.vocab_path.empty()) {
    const text::Vocabulary theirs = text::Vocabulary::load(file.vocab_path);  // IOError naming the file
    same_words(&theirs, words, head, "'" + file.vocab_path + "'");
  } else {
    same_words(nullptr, words, head, "no vocabulary file");
  }
  same("vocab", "vocabulary size", long(file.cfg.vocab), long(g.cfg.vocab));
  same("seq_len", "maximum length (seq_len)", long(file.cfg.seq_len), long(g.cfg.seq_len));
  same("emb", "embedding width", long(file.cfg.emb), long(g.cfg.emb));
  same("hidden", "LSTM width", long(file.cfg.hidden), long(g.cfg.hidden));
  same("start_token", "first input (start_token)", file.cfg.start_token, long(g.cfg.start_token), true);
  same("end_token", "end token", file.end_token, long(end_token), true);
  nets::load_checkpoint(st, path, g);  // the file read once
}

}  // namespace seqrl::agents
