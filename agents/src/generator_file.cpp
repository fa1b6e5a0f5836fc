// A generator handed from one command to another. See generator_file.hpp.
#include "seqrl/agents/generator_file.hpp"

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
std::string dir_of(const std::string& path) {
  const auto k = path.rfind('/');
  return k == std::string::npos ? "." : path.substr(0, k);
}

// "1 ('<bos>')" with the word when there are words
std::string token_str(long id, const text::Vocabulary* words) {
  std::string s = std::to_string(id);
  if (words && id >= 0 && size_t(id) < words->size()) s += " ('" + words->token(int32_t(id)) + "')";
  return s;
}
}  // namespace

void load_generator_file(const std::string& path, nets::LSTMGenerator& g, const text::Vocabulary* words,
                         int32_t end_token, const std::string& who) {
  const nets::SafeTensors st = nets::load_safetensors(path);
  const std::string head = who + ": '" + path + "'";
  if (st.metadata.count("run.config") || st.metadata.count("fit.kind") || st.metadata.count("autoencoder"))
    throw CheckpointError(head + " holds " + nets::checkpoint_holds(st) +
                          ", not a generator (seqrl fit lm writes one: OUT/generator.safetensors)");
  auto number = [&](const char* key) -> long {
    const std::string& v = nets::required_metadata(st, key, path);
    try {
      size_t used = 0;
      const long n = std::stol(v, &used);
      if (used == v.size()) return n;
    } catch (const std::exception&) {
    }
    throw CheckpointError(head + ": metadata '" + std::string(key) + "' is '" + v + "', not a number");
  };
  auto same = [&](const char* key, const char* what, long file, long mine, bool tokens = false) {
    if (file == mine) return;
    const std::string f = tokens ? token_str(file, words) : std::to_string(file);
    const std::string m = tokens ? token_str(mine, words) : std::to_string(mine);
    throw CheckpointError(head + ": the generator's " + what + " is " + f + ", the env's generator's is " + m +
                          " (metadata '" + key + "')");
  };
  const auto vf = st.metadata.find("vocab_file");
  const bool file_words = vf != st.metadata.end() && !vf->second.empty();
  // generators written before end_token was recorded: words end at <eos>, bare ids never
  const long file_end = st.metadata.count("end_token") ? number("end_token")
                                                       : (file_words ? long(text::Vocabulary::kEos) : -1L);
  if (file_words != (words != nullptr))
    throw CheckpointError(head + (file_words ? " is a generator of words (its vocabulary '" + vf->second +
                                                   "' beside it), the env's tokens are bare ids"
                                             : " is a generator of bare ids (no vocabulary file), the env's tokens "
                                               "are words"));
  if (words) {
    const std::string vpath = dir_of(path) + "/" + vf->second;
    const text::Vocabulary theirs = text::Vocabulary::load(vpath);  // IOError naming the file
    const size_t n = std::min(theirs.size(), words->size());
    for (size_t i = 0; i < n; ++i)
      if (theirs.token(int32_t(i)) != words->token(int32_t(i)))
        throw CheckpointError(head + ": the generator's vocabulary ('" + vpath + "') has '" +
                              theirs.token(int32_t(i)) + "' at " + std::to_string(i) + ", the env's has '" +
                              words->token(int32_t(i)) + "'");
    if (theirs.size() != words->size())
      throw CheckpointError(head + ": the generator's vocabulary ('" + vpath + "') has " +
                            std::to_string(theirs.size()) + " words, the env's " + std::to_string(words->size()));
  }
  same("vocab", "vocabulary size", number("vocab"), long(g.cfg.vocab));
  same("seq_len", "maximum length (seq_len)", number("seq_len"), long(g.cfg.seq_len));
  same("emb", "embedding width", number("emb"), long(g.cfg.emb));
  same("hidden", "LSTM width", number("hidden"), long(g.cfg.hidden));
  same("start_token", "first input (start_token)", number("start_token"), long(g.cfg.start_token), true);
  same("end_token", "end token", file_end, long(end_token), true);
  nets::load_checkpoint(path, g);
}

}  // namespace seqrl::agents
