// safetensors reading/writing, atomic file replacement, module/optimizer checkpoints, .npy reading.
#include "seqrl/nets/checkpoint.hpp"

#include <dirent.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace seqrl::nets {

namespace {
static_assert(sizeof(float) == 4, "float must be IEEE binary32");

bool little_endian() {
  const uint16_t one = 1;
  uint8_t b;
  std::memcpy(&b, &one, 1);
  return b == 1;
}

std::string read_all(const std::string& path, const char* what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw IOError(std::string(what) + ": cannot open '" + path + "': " + std::strerror(errno));
  struct stat st;  // a folder opens as a file of 0 bytes ("file is 0 bytes" said nothing useful)
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw IOError(std::string(what) + ": '" + path + "' is a folder, not a file");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

size_t dtype_size(const std::string& d) {
  if (d == "F32" || d == "I32") return 4;
  if (d == "F64" || d == "I64") return 8;
  if (d == "F16" || d == "BF16" || d == "I16" || d == "U16") return 2;
  if (d == "I8" || d == "U8" || d == "BOOL") return 1;
  return 0;
}
}  // namespace

void make_dirs(const std::string& dir) {
  std::string cur;
  for (size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      if (!cur.empty() && ::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
        throw IOError("cannot create directory '" + cur + "': " + std::strerror(errno));
    }
    if (i < dir.size()) cur.push_back(dir[i]);
  }
}

long file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<long>(st.st_size) : -1;
}

void truncate_to_checkpoint(const std::string& path, long bytes, const std::string& checkpoint) {
  if (file_size(path) < bytes)
    throw IOError("resuming from '" + checkpoint + "': '" + path + "' is missing or shorter than the " +
                  std::to_string(bytes) + " bytes the checkpoint recorded");
  if (::truncate(path.c_str(), bytes) != 0)
    throw IOError("resuming from '" + checkpoint + "': cannot cut '" + path + "' back to the " + std::to_string(bytes) +
                  " bytes the checkpoint recorded: " + std::strerror(errno));
}

size_t remove_stale_temporaries(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return 0;
  size_t n = 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    const auto at = name.rfind(".tmp.");
    // write_file_atomic's mkstemp pattern: ".tmp." and six characters, after the file's name
    if (at == std::string::npos || at == 0 || name.size() != at + 5 + 6) continue;
    if (::unlink((dir + "/" + name).c_str()) == 0) ++n;
  }
  ::closedir(d);
  return n;
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
  std::string tmp = path + ".tmp.XXXXXX";
  std::vector<char> name(tmp.begin(), tmp.end());
  name.push_back('\0');
  int fd = mkstemp(name.data());
  if (fd < 0)
    throw IOError("cannot create a temporary file next to '" + path + "': " + std::strerror(errno));
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t w = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(fd);
      ::unlink(name.data());
      throw IOError("writing '" + path + "' failed: " + std::strerror(e));
    }
    off += static_cast<size_t>(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int e = errno;
    ::unlink(name.data());
    throw IOError("flushing '" + path + "' failed: " + std::strerror(e));
  }
  ::chmod(name.data(), 0644);
  if (std::rename(name.data(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(name.data());
    throw IOError("replacing '" + path + "' failed: " + std::strerror(e));
  }
}

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  if (!little_endian()) throw IOError("safetensors writing needs a little-endian machine");
  nlohmann::json header = nlohmann::json::object();
  size_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__") throw KeyError("'__metadata__' is reserved in safetensors");
    std::vector<size_t> shape(t.shape().begin(), t.shape().end());
    header[name] = {{"dtype", "F32"}, {"shape", shape}, {"data_offsets", {offset, offset + 4 * t.size()}}};
    offset += 4 * t.size();
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string h = header.dump();
  while ((8 + h.size()) % 8) h.push_back(' ');  // align the data to 8 bytes, as the format allows
  std::string bytes(8, '\0');
  const uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  bytes += h;
  bytes.reserve(bytes.size() + offset);
  for (const auto& [name, t] : tensors)
    bytes.append(reinterpret_cast<const char*>(t.data()), 4 * t.size());
  write_file_atomic(path, bytes);
}

SafeTensors load_safetensors(const std::string& path) { return parse_safetensors(read_all(path, "checkpoint"), path); }

SafeTensors parse_safetensors(const std::string& bytes, const std::string& path) {
  if (!little_endian()) throw IOError("safetensors reading needs a little-endian machine");
  auto fail = [&](const std::string& msg) -> CheckpointError {
    return CheckpointError("checkpoint '" + path + "': " + msg);
  };
  if (bytes.size() < 8)
    throw fail("file is " + std::to_string(bytes.size()) +
               " bytes, shorter than the 8-byte header length (truncated?)");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(uint8_t(bytes[i])) << (8 * i);
  if (n > bytes.size() - 8)
    throw fail("header length " + std::to_string(n) + " exceeds the file's remaining " +
               std::to_string(bytes.size() - 8) + " bytes (truncated or not a safetensors file)");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + n);
  } catch (const nlohmann::json::exception& e) {
    throw fail(std::string("header is not valid JSON (corrupted?): ") + e.what());
  }
  if (!header.is_object()) throw fail("header is not a JSON object");
  const size_t data_start = 8 + n, data_size = bytes.size() - data_start;
  SafeTensors out;
  std::vector<std::pair<size_t, size_t>> spans;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const auto& e = it.value();
    if (name == "__metadata__") {
      if (!e.is_object()) throw fail("__metadata__ is not an object");
      for (auto m = e.begin(); m != e.end(); ++m) {
        if (!m.value().is_string()) throw fail("metadata '" + m.key() + "' is not a string");
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") ||
        !e.contains("data_offsets") || !e["dtype"].is_string() || !e["shape"].is_array() ||
        !e["data_offsets"].is_array() || e["data_offsets"].size() != 2)
      throw fail("entry '" + name + "' lacks dtype/shape/data_offsets");
    const std::string dtype = e["dtype"].get<std::string>();
    const size_t es = dtype_size(dtype);
    if (dtype != "F32" && dtype != "F64" && dtype != "I32" && dtype != "I64")
      throw fail("entry '" + name + "' has dtype " + dtype +
                 (es ? " (only F32, F64, I32, I64 are read)" : " (unknown dtype)"));
    Shape shape;
    size_t count = 1, strides = 1;  // strides: the product without zero dimensions (xtensor multiplies them)
    for (const auto& d : e["shape"]) {
      if (!d.is_number_unsigned()) throw fail("entry '" + name + "' has a non-integer shape");
      shape.push_back(d.get<size_t>());
      if (shape.size() > 32 || shape.back() > (size_t(1) << 40) ||
          (shape.back() && strides > (size_t(1) << 40) / shape.back()))
        throw fail("entry '" + name + "' has an absurd shape");
      count *= shape.back();
      if (shape.back()) strides *= shape.back();
    }
    const auto& offs = e["data_offsets"];
    if (!offs[0].is_number_unsigned() || !offs[1].is_number_unsigned())
      throw fail("entry '" + name + "' has non-integer data_offsets");
    const size_t b = offs[0].get<size_t>(), en = offs[1].get<size_t>();
    if (b > en || en > data_size)
      throw fail("entry '" + name + "' spans bytes [" + std::to_string(b) + ", " +
                 std::to_string(en) + ") but the data section has " + std::to_string(data_size) +
                 " bytes (truncated?)");
    if (en - b != count * es)
      throw fail("entry '" + name + "' of shape " + shape_str(shape) + " and dtype " + dtype +
                 " needs " + std::to_string(count * es) + " bytes, its offsets give " +
                 std::to_string(en - b));
    spans.emplace_back(b, en);
    Tensor t = Tensor::from_shape(shape);
    const char* src = bytes.data() + data_start + b;
    for (size_t i = 0; i < count; ++i) {
      if (dtype == "F32") {
        std::memcpy(&t.data()[i], src + 4 * i, 4);
      } else if (dtype == "F64") {
        double d;
        std::memcpy(&d, src + 8 * i, 8);
        t.data()[i] = static_cast<float>(d);
      } else if (dtype == "I32") {
        int32_t d;
        std::memcpy(&d, src + 4 * i, 4);
        t.data()[i] = static_cast<float>(d);
      } else {
        int64_t d;
        std::memcpy(&d, src + 8 * i, 8);
        t.data()[i] = static_cast<float>(d);
      }
    }
    out.tensors[name] = std::move(t);
    out.dtypes[name] = dtype;
  }
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); ++i)
    if (spans[i].first < spans[i - 1].second) throw fail("two entries overlap in the data section");
  return out;
}

std::map<std::string, Tensor> tensors_with_prefix(const SafeTensors& st, const std::string& prefix) {
  std::map<std::string, Tensor> out;
  for (auto& [k, v] : st.tensors)
    if (k.rfind(prefix, 0) == 0) out[k.substr(prefix.size())] = v;
  return out;
}

OptimizerState optimizer_state_with_prefix(const SafeTensors& st, const std::string& prefix) {
  OptimizerState os;
  os.tensors = tensors_with_prefix(st, prefix);
  for (auto& [k, v] : st.metadata)
    if (k.rfind(prefix, 0) == 0) os.scalars[k.substr(prefix.size())] = v;
  return os;
}

void load_module_state(Module& m, const SafeTensors& st, const std::string& prefix, const std::string& path) {
  const auto state = tensors_with_prefix(st, prefix);
  const std::string bad = m.state_mismatches(state, "'" + path + "' (entries " + prefix + "*)");
  if (!bad.empty()) throw CheckpointError("checkpoint '" + path + "' does not fit the model:" + bad);
  m.load_state(state);
}

void add_module_state(const Module& m, const std::string& prefix, std::map<std::string, Tensor>& tensors) {
  for (auto& [k, v] : m.named_parameters()) tensors[prefix + k] = v.value();
}

void add_optimizer_state(const Optimizer& opt, const std::string& prefix,
                         std::map<std::string, Tensor>& tensors,
                         std::map<std::string, std::string>& metadata) {
  OptimizerState s = opt.state();
  for (auto& [k, t] : s.tensors) tensors[prefix + k] = t;
  for (auto& [k, v] : s.scalars) metadata[prefix + k] = v;
}

std::string checkpoint_holds(const SafeTensors& st) {
  auto has = [&](const char* k) { return st.metadata.count(k) > 0; };
  auto get = [&](const char* k) { return st.metadata.at(k); };
  if (has("run.config")) {
    std::string env;
    try {
      env = nlohmann::json::parse(get("run.config")).at("env_id").get<std::string>();
    } catch (const nlohmann::json::exception&) {
    }
    return "a seqrl train run of agent '" + (has("agent") ? get("agent") : std::string("?")) + "'" +
           (env.empty() ? std::string() : " on " + env);
  }
  if (has("fit.kind")) return "the training state of seqrl fit " + get("fit.kind");
  if (has("autoencoder")) return "an autoencoder (seqrl fit ae|vae)";
  if (has("vocab") && has("emb") && has("hidden") && has("seq_len")) return "an LSTM generator (seqrl fit lm's generator.safetensors)";
  if (has("agent")) return "a '" + get("agent") + "' agent";
  return "no seqrl metadata (a file seqrl did not write?)";
}

const std::string& required_metadata(const SafeTensors& st, const std::string& key,
                                     const std::string& path) {
  auto it = st.metadata.find(key);
  if (it == st.metadata.end())  // (say what the file is: the usual cause is a file of another kind)
    throw CheckpointError("checkpoint '" + path + "': metadata '" + key + "' is missing; it holds " +
                          checkpoint_holds(st));
  return it->second;
}

const Tensor& required_tensor(const SafeTensors& st, const std::string& key, size_t size,
                              const std::string& path) {
  auto it = st.tensors.find(key);
  if (it == st.tensors.end())
    throw CheckpointError("checkpoint '" + path + "': tensor '" + key + "' is missing");
  if (it->second.size() != size)
    throw CheckpointError("checkpoint '" + path + "': tensor '" + key + "' has " +
                          std::to_string(it->second.size()) + " values, expected " + std::to_string(size));
  return it->second;
}

void save_checkpoint(const std::string& path, const Module& model, const Optimizer* opt,
                     const std::map<std::string, std::string>& extra) {
  std::map<std::string, Tensor> tensors = model.state();
  std::map<std::string, std::string> meta = extra;
  meta["format"] = "seqrl-checkpoint-1";
  if (opt) add_optimizer_state(*opt, "optim.", tensors, meta);
  save_safetensors(path, tensors, meta);
}

std::map<std::string, std::string> load_checkpoint(const std::string& path, Module& model,
                                                   Optimizer* opt) {
  return load_checkpoint(load_safetensors(path), path, model, opt);
}

std::map<std::string, std::string> load_checkpoint(const SafeTensors& st, const std::string& path, Module& model,
                                                   Optimizer* opt) {
  std::map<std::string, Tensor> params;
  const OptimizerState os = optimizer_state_with_prefix(st, "optim.");
  std::string problems;
  for (auto& [name, t] : st.tensors) {
    if (name.rfind("optim.", 0) == 0) continue;
    if (st.dtypes.at(name) != "F32")
      problems += "\n  dtype: '" + name + "' is " + st.dtypes.at(name) + ", parameters are F32";
    params[name] = t;
  }
  // Check the model part in full before touching anything.
  problems += model.state_mismatches(params, "the file");
  if (opt && os.tensors.empty() && !os.scalars.count("step"))
    problems += "\n  no optimizer state in the file (saved without an optimizer?)";
  if (!problems.empty())
    throw CheckpointError("checkpoint '" + path + "' does not fit the model:" + problems);
  if (opt) {
    try {
      opt->load_state(os);
    } catch (const CheckpointError& e) {
      throw CheckpointError("checkpoint '" + path + "': " + e.what());
    }
  }
  model.load_state(params);
  return st.metadata;
}

Tensor load_npy(const std::string& path) { return parse_npy(read_all(path, "npy"), path); }

Tensor parse_npy(const std::string& bytes, const std::string& path) {
  auto fail = [&](const std::string& msg) { return IOError("npy file '" + path + "': " + msg); };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    throw fail("missing the \\x93NUMPY magic (not a .npy file)");
  const int major = uint8_t(bytes[6]);
  size_t hlen, hstart;
  if (major == 1) {
    hlen = uint8_t(bytes[8]) | (size_t(uint8_t(bytes[9])) << 8);
    hstart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw fail("truncated header");
    hlen = 0;
    for (int i = 0; i < 4; ++i) hlen |= size_t(uint8_t(bytes[8 + i])) << (8 * i);
    hstart = 12;
  } else {
    throw fail("unsupported format version " + std::to_string(major));
  }
  if (hstart + hlen > bytes.size()) throw fail("header runs past the end of the file");
  const std::string h = bytes.substr(hstart, hlen);
  std::smatch m;
  if (!std::regex_search(h, m, std::regex("'descr':\\s*'([^']*)'"))) throw fail("no 'descr' in header");
  const std::string descr = m[1];
  if (descr != "<f4" && descr != "<f8")
    throw fail("dtype '" + descr + "' is not supported (little-endian float32/float64 only)");
  if (std::regex_search(h, m, std::regex("'fortran_order':\\s*True")))
    throw fail("Fortran order is not supported");
  if (!std::regex_search(h, m, std::regex("'shape':\\s*\\(([^)]*)\\)"))) throw fail("no 'shape' in header");
  Shape shape;
  std::string dims = m[1];
  std::regex num("[0-9]+");
  // each dimension and their product bounded before anything is allocated (a header may claim
  // 10^40 elements; found by tests/fuzz/fuzz_npy.cpp, which crashed std::stoul)
  const size_t limit = size_t(1) << 40;
  // (zero dimensions aside: xtensor's strides multiply the others even when one is 0)
  size_t count = 1, strides = 1;
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator(); ++it) {
    const std::string d = it->str();
    const size_t v = d.size() > 13 ? limit + 1 : std::stoul(d);
    if (v > limit || (v && strides > limit / v) || shape.size() >= 32) throw fail("absurd shape (" + dims + ")");
    shape.push_back(v);
    count *= v;
    if (v) strides *= v;
  }
  const size_t es = descr == "<f4" ? 4 : 8;
  const size_t data = hstart + hlen;
  if (bytes.size() - data != count * es)
    throw fail("shape " + shape_str(shape) + " needs " + std::to_string(count * es) +
               " data bytes, the file has " + std::to_string(bytes.size() - data));
  Tensor t = Tensor::from_shape(shape);
  for (size_t i = 0; i < count; ++i) {
    if (es == 4) {
      std::memcpy(&t.data()[i], bytes.data() + data + 4 * i, 4);
    } else {
      double d;
      std::memcpy(&d, bytes.data() + data + 8 * i, 8);
      t.data()[i] = static_cast<float>(d);
    }
  }
  return t;
}

}  // namespace seqrl::nets
