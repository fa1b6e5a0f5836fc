// The text tasks' data by name, one loader for every command that trains on them (seqrl seqgan,
// seqrl fit): SeqGAN's synthetic oracle, the COCO captions (NLTK tokens, Texygen's setup), the
// caption grammar, or any text file (whitespace tokens, one sentence per line).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "seqrl/nets/rng.hpp"
#include "seqrl/nets/tensor.hpp"
#include "seqrl/text/data.hpp"
#include "seqrl/text/grammar.hpp"
#include "seqrl/text/oracle.hpp"
#include "seqrl/text/vocab.hpp"

namespace seqrl::text {

struct TextTaskOptions {
  // the defaults are under data_dir() ($SEQRL_DATA_DIR, else ../shared/data)
  std::string oracle_dir = data_path("seqgan_oracle");     // oracle: .npy folder, or "random"
  std::string corpus = data_path("coco/image_coco.txt");  // coco: training captions
  std::string test = data_path("coco/test_coco.txt");     // coco: test captions
  size_t samples = 10000;   // oracle and grammar: training sequences drawn from the task
  size_t held_out = 2000;   // oracle and grammar: held-out sequences
  size_t max_len = 16;      // grammar: maximum words per sentence
  // oracle "random": a fresh N(0, 1) oracle of this size (emb and hidden 32, as SeqGAN's) from
  // oracle_seed (-1: the task's seed); TextOracle-v0 makes the same one from the same options
  size_t oracle_vocab = 5000, oracle_seq_len = 20;
  long oracle_seed = -1;
  // a text file: its vocabulary from this file (Vocabulary::load; unknown words -> <unk>) instead
  // of its own words, so that a model of it shares another model's ids
  std::string vocab_file;
};

struct TextTask {
  std::string name;                         // oracle, coco, grammar or the file's path
  std::shared_ptr<const Oracle> oracle;     // oracle only
  std::shared_ptr<const Vocabulary> vocab;  // word tasks (null for the oracle's bare ids)
  std::vector<Sentence> test_sentences;     // coco: the test set (BLEU references)
  nets::IntTensor real, held_out;           // [N, T] and [M, T]: ids, word tasks padded with <eos>
  size_t vocab_size = 0;
  int32_t eos = -1;                         // the end token (-1: none, the oracle)
};

// name: "oracle", "coco", "grammar", or a path to a text file (its every 10th line is held out).
// seed drives sampling the oracle's and the grammar's data. Throws IOError/ValueError naming the
// file or the name.
TextTask load_text_task(const std::string& name, const TextTaskOptions& opt, uint64_t seed);

}  // namespace seqrl::text
