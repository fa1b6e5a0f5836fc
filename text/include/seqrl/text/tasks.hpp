// The text tasks' data by name, one loader for every command that trains on them (seqrl seqgan,
// seqrl fit): SeqGAN's synthetic oracle, the COCO captions (NLTK tokens, Texygen's setup), any
// corpus of train/test files (TextCorpus-v0's: tokens, case, a vocabulary cap, a length cap), the
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
  std::string corpus = data_path("coco/image_coco.txt");  // coco, corpus: training sentences
  // coco, corpus: test sentences (BLEU's references, the held-out set); corpus: "" holds out
  // every 10th training line instead
  std::string test = data_path("coco/test_coco.txt");
  // corpus (coco: nltk, as given): tokens, lower-casing A-Z, the vocabulary's size with the four
  // special tokens (0 = every word; the rarer words read as <unk>), tokens per sentence (0 = no
  // cap; longer lines are truncated)
  std::string tokenizer = "nltk";
  bool lower = false;
  size_t max_vocab = 0, max_tokens = 0;
  size_t samples = 10000;   // oracle and grammar: training sequences drawn from the task
  size_t held_out = 2000;   // oracle and grammar: held-out sequences
  size_t max_len = 16;      // grammar: maximum words per sentence
  // oracle "random": a fresh N(0, 1) oracle of this size (SeqGAN's: emb and hidden 32) from
  // oracle_seed (-1: the task's seed); TextOracle-v0 makes the same one from the same options
  size_t oracle_vocab = 5000, oracle_seq_len = 20, oracle_emb = 32, oracle_hidden = 32;
  long oracle_seed = -1;
  // a text file: its vocabulary from this file (Vocabulary::load; unknown words -> <unk>) instead
  // of its own words, so that a model of it shares another model's ids
  std::string vocab_file;
};

struct TextTask {
  std::string name;                         // oracle, coco, grammar or the file's path
  std::shared_ptr<const Oracle> oracle;     // oracle only
  std::shared_ptr<const Grammar> grammar;   // grammar only (its metric: the grammatical share)
  std::shared_ptr<const Vocabulary> vocab;  // word tasks (null for the oracle's bare ids)
  std::vector<Sentence> test_sentences;     // coco: the test set (BLEU references)
  nets::IntTensor real, held_out;           // [N, T] and [M, T]: ids, word tasks padded with <eos>
  size_t vocab_size = 0;
  int32_t eos = -1;                         // the end token (-1: none, the oracle)
};

// name: "oracle", "coco", "grammar", or a path to a text file (its every 10th line is held out).
// seed drives sampling the oracle's and the grammar's data. Throws IOError/ValueError naming the
// file or the name.
// The oracle the options describe: oracle_dir "random" is Oracle::random of oracle_vocab,
// oracle_seq_len, oracle_emb and oracle_hidden from oracle_seed (-1: seed); else SeqGAN's .npy
// files in oracle_dir, checked against those sizes. TextOracle-v0 and the oracle task share it.
Oracle make_oracle(const TextTaskOptions& o, uint64_t seed);

// A corpus as TextCorpus-v0 (name "corpus") and TextCoco-v0 (name "coco") read it, and their
// tasks: the training and test sentences (tokenized, test lines truncated to the longest
// training line), the vocabulary of the training sentences and T = the longest + 1 (room for
// <eos>). IOError/ValueError naming the file and line for a file that cannot be read.
struct CorpusData {
  std::vector<Sentence> train, test;
  std::shared_ptr<const Vocabulary> vocab;
  size_t T = 0;
};
CorpusData load_corpus(const std::string& name, const TextTaskOptions& o);

TextTask load_text_task(const std::string& name, const TextTaskOptions& opt, uint64_t seed);

}  // namespace seqrl::text
