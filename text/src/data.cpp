#include "seqrl/text/data.hpp"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace seqrl::text {

namespace {
const char* env_dir() {
  const char* d = std::getenv("SEQRL_DATA_DIR");
  return d && *d ? d : nullptr;
}
// data_dir() without a trailing '/', to which "/relative" is appended
std::string data_root() {
  std::string d = data_dir();
  if (!d.empty() && d.back() == '/') d.pop_back();
  return d;
}
}  // namespace

std::string data_dir() {
  const char* d = env_dir();
  return d ? std::string(d) : std::string("../shared/data");
}

std::string data_path(const std::string& relative) { return data_root() + "/" + relative; }

std::string data_hint(const std::string& path) {
  const std::string d = data_root();
  if (path.compare(0, d.size() + 1, d + "/") != 0) return "";
  if (env_dir()) return " (under SEQRL_DATA_DIR=" + d + ")";
  std::error_code ec;
  const auto cwd = std::filesystem::current_path(ec);
  return " (the default data folder " + d + " is relative to the working folder" +
         (ec ? std::string() : " " + cwd.string()) +
         ": run from the project's root with the shared folder beside it, or set SEQRL_DATA_DIR to the folder "
         "holding seqgan_oracle/ and coco/)";
}

}  // namespace seqrl::text
