// A generator handed from one command to another: `seqrl fit lm` writes OUT/generator.safetensors
// (the LSTM generator's weights, its sizes and how its sequences start and end in the metadata,
// and the words behind its ids in vocab.txt beside it); `seqrl train --agent seqgan
// --init-generator` and `--agent reinforce-lstm --init-checkpoint` start from it.
//
// A generator's samples mean what they meant only if everything they depend on matches: the layer
// sizes, the maximum length, the first input (start_token), the end token, and the vocabulary word
// by word. load_generator_file checks all of it against the generator built for the env and
// refuses the first difference by name (`the generator's vocabulary has 'a' at 4, the env's has
// 'the'`), so a hand-off is exact or refused, never silently different.
#pragma once

#include <map>
#include <string>

#include "seqrl/nets/models/lstm_generator.hpp"

namespace seqrl::nets {
struct SafeTensors;
}
namespace seqrl::text {
class Vocabulary;
}

namespace seqrl::agents {

// The metadata written beside a generator's weights: its sizes (vocab, emb, hidden, seq_len),
// start_token, end_token (-1: none, the oracle's bare ids) and vocab_file (the vocabulary's file
// name beside it, "" for bare ids).
std::map<std::string, std::string> generator_metadata(const nets::LSTMGenerator& g, int32_t end_token,
                                                      const std::string& vocab_file);

// What a generator file's metadata says: the generator's configuration (sizes, length, start
// token), its end token (-1: none) and the path of its vocabulary beside it ("" for bare ids).
// CheckpointError naming the file and the key when one is missing or not a number.
struct GeneratorFileInfo {
  nets::LSTMGeneratorConfig cfg;
  int32_t end_token = -1;
  std::string vocab_path;
};
GeneratorFileInfo generator_file_info(const nets::SafeTensors& st, const std::string& path);

// Loads the generator at `path` into g: a generator file, or the checkpoint of a seqrl train run
// of an agent with an LSTM generator (mle, seqgan, reinforce-lstm, ppo-lstm), whose env then says
// what its ids mean. Checks first that its sizes, maximum length, start and end tokens and
// vocabulary (`words`: the env's words, null for bare ids; end_token: the env's end token, -1 for
// none) are g's. Throws CheckpointError naming `who`, the file and the first difference; nothing
// is loaded then.
void load_generator_file(const std::string& path, nets::LSTMGenerator& g, const text::Vocabulary* words,
                         int32_t end_token, const std::string& who);

}  // namespace seqrl::agents
