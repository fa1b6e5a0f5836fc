// Checkpoints in the safetensors format (huggingface/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON {"name": {"dtype": "F32", "shape": [...], "data_offsets": [b, e]},
// "__metadata__": {string: string}}, then the raw little-endian data, laid out as the format's
// specification requires (contiguous offsets from 0, 8-byte aligned data), so Python's safetensors
// can read our files; tests/nets/check_safetensors.py checks that with a numpy reader that follows
// the specification (the safetensors package itself is not in Debian). We read F32/F64/I32/I64.
//
// Writes are atomic: a temporary file in the same directory, fsync, then rename over the target,
// so a crash leaves the previous checkpoint intact. Reads validate everything before trusting it:
// header length, JSON, dtypes, shapes, offsets inside the data and without overlap, file size. Any
// problem is a CheckpointError naming the file and the entry.
#pragma once

#include <map>
#include <string>

#include "seqrl/nets/module.hpp"
#include "seqrl/nets/optim.hpp"
#include "seqrl/nets/tensor.hpp"

namespace seqrl::nets {

struct SafeTensors {
  std::map<std::string, Tensor> tensors;  // every dtype converted to float32
  std::map<std::string, std::string> dtypes;
  std::map<std::string, std::string> metadata;
};

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});
SafeTensors load_safetensors(const std::string& path);
// The same from a file's bytes already in memory (`path` names it in errors).
SafeTensors parse_safetensors(const std::string& bytes, const std::string& path);

// Writes a file's bytes atomically (temp file + fsync + rename). Throws IOError naming the path.
void write_file_atomic(const std::string& path, const std::string& bytes);
// Creates a directory and its parents (mkdir -p). IOError naming the one that cannot be made.
void make_dirs(const std::string& dir);
// A file's size in bytes, -1 when it does not exist.
// Removes the temporary files that write_file_atomic calls killed mid-write left in `dir`
// ("NAME.tmp.XXXXXX"); returns how many. A run calls it when it opens its folder.
size_t remove_stale_temporaries(const std::string& dir);
long file_size(const std::string& path);
// Cuts a file written alongside checkpoints (metrics lines) back to the size a checkpoint
// recorded, so that a resumed run writes no line twice. IOError naming the file and the
// checkpoint when it is missing or shorter.
void truncate_to_checkpoint(const std::string& path, long bytes, const std::string& checkpoint);

// A module's parameters under their own names ("lstm.w_ih"), the optimizer's state under "optim."
// ("optim.m.lstm.w_ih", scalars in metadata as "optim.step", "optim.name"), and `extra` metadata.
void save_checkpoint(const std::string& path, const Module& model, const Optimizer* opt = nullptr,
                     const std::map<std::string, std::string>& extra = {});
// Loads into model (and opt if given). Checks names, dtypes and shapes against the model and
// reports every mismatch (missing, unexpected, wrong shape, wrong dtype) in one CheckpointError.
// Nothing is modified unless everything matches. Returns the file's metadata.
std::map<std::string, std::string> load_checkpoint(const std::string& path, Module& model,
                                                   Optimizer* opt = nullptr);
// The same from a file already read (st, read from path: named in the errors).
std::map<std::string, std::string> load_checkpoint(const SafeTensors& st, const std::string& path, Module& model,
                                                   Optimizer* opt = nullptr);

// Checkpoints made of parts under name prefixes ("q.", "target.", "optim."), as the agents write:
// the entries of st whose names start with prefix, prefix removed;
std::map<std::string, Tensor> tensors_with_prefix(const SafeTensors& st, const std::string& prefix);
// a module's parameters stored under prefix, loaded into it after checking every name and shape
// (CheckpointError naming the file, the prefix and each mismatch; nothing changes unless all fit);
void load_module_state(Module& m, const SafeTensors& st, const std::string& prefix, const std::string& path);
// an optimizer's state stored under prefix (tensors, and scalars in the metadata);
OptimizerState optimizer_state_with_prefix(const SafeTensors& st, const std::string& prefix);
// and the reverse: a module's parameters, and opt's state, added under prefix.
void add_module_state(const Module& m, const std::string& prefix, std::map<std::string, Tensor>& tensors);
void add_optimizer_state(const Optimizer& opt, const std::string& prefix,
                         std::map<std::string, Tensor>& tensors,
                         std::map<std::string, std::string>& metadata);
// What a checkpoint seqrl wrote holds, from its metadata, for messages: "a seqrl train run of
// agent 'dqn' on CartPole-v1", "the training state of seqrl fit lm", "an autoencoder (seqrl fit
// ae|vae)", "an LSTM generator (seqrl fit lm's generator.safetensors)", ...
std::string checkpoint_holds(const SafeTensors& st);
// A metadata value; CheckpointError naming the file and key when it is missing (and saying what
// the file holds instead).
const std::string& required_metadata(const SafeTensors& st, const std::string& key,
                                     const std::string& path);
// A tensor of `size` values; CheckpointError naming the file, the entry and the sizes otherwise.
const Tensor& required_tensor(const SafeTensors& st, const std::string& key, size_t size,
                              const std::string& path);

// NumPy .npy (format 1.0/2.0, little-endian '<f4' or '<f8', C order) into float32.
Tensor load_npy(const std::string& path);
Tensor parse_npy(const std::string& bytes, const std::string& path);

}  // namespace seqrl::nets
