// A run's output folder, written the same way by `seqrl train` (the runner) and `seqrl fit`:
//   metrics.jsonl  one JSON object per logged moment: {"step": S, "seconds": W, NAME: VALUE, ...}
//                  flat, the figures under their own names (fit's training means as train_NAME)
//   metrics.csv    the same figures, one row each, by name: step,seconds,name,value
//   summary.json   the run's result and configuration, written atomically
//   checkpoint.safetensors, written atomically by the caller; its state records how far both
//                  metrics files had got (state()), so that a resumed run cuts them back there and
//                  writes no line twice.
#pragma once

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace seqrl::agents {

// Refuses (ConfigError) to start a fresh run in `dir` when it already holds a run (a
// checkpoint.safetensors or a summary.json): the same command run again without --resume would
// replace it. The message names the folder, `seqrl COMMAND --resume DIR/checkpoint.safetensors`
// and --overwrite. `seqrl train` and `seqrl fit` call it unless --overwrite is given.
void refuse_to_overwrite_run(const std::string& dir, const std::string& command);

// The folder part of a file's path ("." when it has none): where the files beside a checkpoint are.
std::string dir_of(const std::string& path);
// Where a checkpoint is asked for, a run folder stands for the file in it: the first of `names`
// that exists in the folder (checkpoint.safetensors for a run). A path that is not a folder is
// returned as it is; a folder holding none of them is a ConfigError naming the folder and the
// files ("seqrl CMD: ...").
std::string file_in_run_folder(const std::string& path, const std::vector<std::string>& names,
                               const std::string& cmd);

class RunDir {
 public:
  // dir "": a run without an output folder (every call is a no-op).
  explicit RunDir(std::string dir = "");
  // Opens both metrics files: fresh (truncated), or, resuming, cut back to the sizes in `state`
  // (a checkpoint's state(); IOError naming the file and `checkpoint` when they are shorter).
  void open(const nlohmann::json* resume_state = nullptr, const std::string& checkpoint = "");
  // One line of figures at a step. Nested objects are flattened with '.' ({"a": {"b": 1}} -> "a.b");
  // numbers (and booleans) also go to metrics.csv, anything else only to metrics.jsonl.
  void log(long step, double seconds, const nlohmann::json& figures);
  void log(long step, double seconds, const std::vector<std::pair<std::string, double>>& figures);
  // How far the metrics files have got (flushed): store it in a checkpoint.
  nlohmann::json state();
  void write_summary(const nlohmann::json& summary) const;
  std::string path(const std::string& file) const { return dir_ + "/" + file; }
  const std::string& dir() const { return dir_; }
  bool enabled() const { return !dir_.empty(); }

 private:
  std::string dir_;
  std::ofstream jsonl_, csv_;
};

}  // namespace seqrl::agents
