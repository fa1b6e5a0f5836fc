// The run folder's metrics and summary files (see run_dir.hpp).
#include "seqrl/agents/run_dir.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/error.hpp"

namespace seqrl::agents {

std::string dir_of(const std::string& path) {
  const auto p = path.find_last_of('/');
  return p == std::string::npos ? "." : path.substr(0, p);
}

namespace {
// What failed, with the system's reason when it left one (ENOSPC, EROFS, ...).
std::string write_failure(const std::string& file) {
  const int e = errno;
  return "writing '" + file + "' failed" + (e ? ": " + std::string(std::strerror(e)) : std::string(" (disk full or read-only?)"));
}

void flatten(const nlohmann::json& j, const std::string& prefix, nlohmann::json& out) {
  for (const auto& [k, v] : j.items()) {
    const std::string name = prefix.empty() ? k : prefix + "." + k;
    if (v.is_object()) flatten(v, name, out);
    else out[name] = v;
  }
}
}  // namespace

void refuse_to_overwrite_run(const std::string& dir, const std::string& command) {
  if (dir.empty()) return;
  const bool has_ckpt = std::ifstream(dir + "/checkpoint.safetensors").good();
  if (has_ckpt || std::ifstream(dir + "/summary.json").good())
    throw ConfigError("seqrl " + command + ": '" + dir + "' already holds a run (" +
                      (has_ckpt ? "checkpoint.safetensors" : "summary.json") + "); continue it with `seqrl " + command +
                      " --resume " + dir + "/checkpoint.safetensors`, or pass --overwrite to start over there");
}

RunDir::RunDir(std::string dir) : dir_(std::move(dir)) {}

void RunDir::open(const nlohmann::json* state, const std::string& checkpoint) {
  if (!enabled()) return;
  nets::make_dirs(dir_);
  nets::remove_stale_temporaries(dir_);  // what a run killed mid-write left behind
  const std::string jp = path("metrics.jsonl"), cp = path("metrics.csv");
  errno = 0;
  if (state) {
    long jb = 0, cb = 0;
    try {
      jb = state->at("jsonl_bytes").get<long>();
      cb = state->at("csv_bytes").get<long>();
    } catch (const nlohmann::json::exception& e) {
      throw CheckpointError("checkpoint '" + checkpoint + "': its run state has no metrics sizes: " + e.what());
    }
    nets::truncate_to_checkpoint(jp, jb, checkpoint);
    nets::truncate_to_checkpoint(cp, cb, checkpoint);
    jsonl_.open(jp, std::ios::app);
    csv_.open(cp, std::ios::app);
  } else {
    jsonl_.open(jp, std::ios::trunc);
    csv_.open(cp, std::ios::trunc);
    csv_ << "step,seconds,name,value\n";
  }
  if (!jsonl_) throw IOError(write_failure(jp));
  if (!csv_) throw IOError(write_failure(cp));
}

void RunDir::log(long step, double seconds, const nlohmann::json& figures) {
  if (!jsonl_.is_open()) return;
  errno = 0;
  nlohmann::json line = {{"step", step}, {"seconds", seconds}};
  flatten(figures, "", line);
  jsonl_ << line.dump() << '\n';
  for (const auto& [k, v] : line.items()) {
    if (k == "step" || k == "seconds" || !(v.is_number() || v.is_boolean())) continue;
    csv_ << step << ',' << seconds << ',' << k << ',' << (v.is_boolean() ? double(v.get<bool>()) : v.get<double>()) << '\n';
  }
  if (!jsonl_) throw IOError(write_failure(path("metrics.jsonl")));
  if (!csv_) throw IOError(write_failure(path("metrics.csv")));
}

void RunDir::log(long step, double seconds, const std::vector<std::pair<std::string, double>>& figures) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : figures) j[k] = v;
  log(step, seconds, j);
}

nlohmann::json RunDir::state() {
  if (!jsonl_.is_open()) return {{"jsonl_bytes", 0}, {"csv_bytes", 0}};
  errno = 0;
  jsonl_.flush();
  if (!jsonl_) throw IOError(write_failure(path("metrics.jsonl")));
  csv_.flush();
  if (!csv_) throw IOError(write_failure(path("metrics.csv")));
  return {{"jsonl_bytes", long(jsonl_.tellp())}, {"csv_bytes", long(csv_.tellp())}};
}

void RunDir::write_summary(const nlohmann::json& summary) const {
  if (enabled()) nets::write_file_atomic(path("summary.json"), summary.dump(1) + "\n");
}

std::string file_in_run_folder(const std::string& path, const std::vector<std::string>& names,
                               const std::string& cmd) {
  struct stat dir_stat;
  if (::stat(path.c_str(), &dir_stat) != 0 || !S_ISDIR(dir_stat.st_mode)) return path;
  const std::string dir = path.size() > 1 && path.back() == '/' ? path.substr(0, path.size() - 1) : path;
  std::string tried;
  for (const auto& n : names) {
    struct stat st;
    if (::stat((dir + "/" + n).c_str(), &st) == 0 && S_ISREG(st.st_mode)) return dir + "/" + n;
    tried += (tried.empty() ? "" : " or ") + n;
  }
  throw ConfigError("seqrl " + cmd + ": '" + path + "' is a folder without " + tried +
                    " (give the checkpoint file, or the folder of a run that wrote one)");
}

}  // namespace seqrl::agents
