// safetensors checkpoints: bit-identical round trip, atomic replacement, and clear errors for
// truncated, corrupted and mismatched files.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "gradcheck.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/config_diff.hpp"
#include "seqrl/nets/layers.hpp"

using namespace seqrl;
using namespace seqrl::nets;

namespace {
std::string tmp_path(const std::string& name) {
  return "/tmp/seqrl_test_" + std::to_string(::getpid()) + "_" + name;
}
std::string read_bytes(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
void write_bytes(const std::string& p, const std::string& b) {
  std::ofstream f(p, std::ios::binary);
  f << b;
}
}  // namespace

TEST_CASE("checkpoint round trip is bit-identical, optimizer state included", "[nets][checkpoint]") {
  Rng rng(4);
  MLP a({3, 5, 2}, rng), b({3, 5, 2}, rng);
  Adam oa(a.named_parameters(), 0.01f), ob(b.named_parameters(), 0.01f);
  Var x(test::random_tensor({4, 3}, rng));
  for (int i = 0; i < 2; ++i) {
    oa.zero_grad();
    sum(square(a.forward(x))).backward();
    oa.step();
  }
  const std::string p = tmp_path("rt.safetensors");
  save_checkpoint(p, a, &oa, {{"note", "hello"}});
  auto meta = load_checkpoint(p, b, &ob);
  CHECK(meta.at("note") == "hello");
  for (auto& [n, t] : a.state())
    CHECK((std::memcmp(t.data(), b.state().at(n).data(), t.size() * 4) == 0));
  CHECK(ob.steps() == 2);
  // the same file bytes again when saved from the loaded copy
  const std::string p2 = tmp_path("rt2.safetensors");
  save_checkpoint(p2, b, &ob, {{"note", "hello"}});
  CHECK(read_bytes(p) == read_bytes(p2));
  // the header is little-endian length + JSON naming dtype/shape/offsets
  const std::string bytes = read_bytes(p);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(uint8_t(bytes[i])) << (8 * i);
  const std::string header = bytes.substr(8, n);
  CHECK_THAT(header, Catch::Contains("\"0.weight\":{\"data_offsets\""));
  CHECK_THAT(header, Catch::Contains("\"dtype\":\"F32\""));
  CHECK_THAT(header, Catch::Contains("\"shape\":[3,5]"));
  std::remove(p.c_str());
  std::remove(p2.c_str());
}

TEST_CASE("truncated, corrupted and mismatched checkpoints are clear errors", "[nets][checkpoint]") {
  Rng rng(5);
  MLP a({3, 5, 2}, rng);
  const std::string p = tmp_path("bad.safetensors");
  save_checkpoint(p, a);
  const std::string good = read_bytes(p);

  write_bytes(p, good.substr(0, good.size() - 10));
  CHECK_THROWS_WITH(load_checkpoint(p, a), Catch::Contains(p) && Catch::Contains("truncated"));
  write_bytes(p, good.substr(0, 5));
  CHECK_THROWS_WITH(load_checkpoint(p, a), Catch::Contains("shorter than the 8-byte header"));
  std::string corrupt = good;
  corrupt[8] = '#';  // the header's opening brace
  write_bytes(p, corrupt);
  CHECK_THROWS_WITH(load_checkpoint(p, a), Catch::Contains("not valid JSON"));
  std::string huge = good;
  huge[7] = '\x7f';  // header length far beyond the file
  write_bytes(p, huge);
  CHECK_THROWS_WITH(load_checkpoint(p, a), Catch::Contains("header length"));
  CHECK_THROWS_AS(load_checkpoint(tmp_path("missing"), a), IOError);

  write_bytes(p, good);
  MLP wrong({3, 6, 2}, rng);
  try {
    load_checkpoint(p, wrong);
    FAIL("no throw");
  } catch (const CheckpointError& e) {
    const std::string m = e.what();
    CHECK_THAT(m, Catch::Contains("'0.weight' is [3, 5] in the file, [3, 6] in the model"));
    CHECK_THAT(m, Catch::Contains("'0.bias'"));
    CHECK_THAT(m, Catch::Contains("'1.weight'"));
  }
  MLP deeper({3, 5, 2, 2}, rng);
  CHECK_THROWS_WITH(load_checkpoint(p, deeper), Catch::Contains("missing: '2.weight'"));
  MLP shallower({3, 5}, rng);
  CHECK_THROWS_WITH(load_checkpoint(p, shallower), Catch::Contains("unexpected: '1.weight'"));
  // nothing was modified by the failed loads
  MLP c({3, 5, 2}, rng);
  auto before = c.state();
  Adam oc(c.named_parameters(), 0.1f);
  CHECK_THROWS_WITH(load_checkpoint(p, c, &oc), Catch::Contains("no optimizer state"));
  for (auto& [n, t] : before) CHECK((c.state().at(n) == t));
  std::remove(p.c_str());
}

TEST_CASE("a failed save leaves the previous checkpoint intact", "[nets][checkpoint]") {
  Rng rng(6);
  MLP a({2, 2}, rng);
  const std::string p = tmp_path("atomic.safetensors");
  save_checkpoint(p, a);
  const std::string before = read_bytes(p);
  std::map<std::string, Tensor> bad{{"__metadata__", Tensor{1.f}}};
  CHECK_THROWS_AS(save_safetensors(p, bad), KeyError);
  CHECK(read_bytes(p) == before);
  // a directory that does not exist: the error names the path, nothing is left behind
  CHECK_THROWS_WITH(save_checkpoint("/nonexistent_dir_seqrl/x.safetensors", a),
                    Catch::Contains("/nonexistent_dir_seqrl/x.safetensors"));
  std::remove(p.c_str());
}

TEST_CASE("safetensors from other writers: F64 and I64 entries, metadata, offsets checked", "[nets][checkpoint]") {
  // Hand-built file: {"a": F64 [2], "b": I64 [1]} as Python's safetensors writes them.
  std::string header = R"({"__metadata__":{"k":"v"},"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"b":{"dtype":"I64","shape":[1],"data_offsets":[16,24]}})";
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = char((header.size() >> (8 * i)) & 0xff);
  bytes += header;
  double a[2] = {1.5, -2.25};
  int64_t b = 42;
  bytes.append(reinterpret_cast<char*>(a), 16);
  bytes.append(reinterpret_cast<char*>(&b), 8);
  const std::string p = tmp_path("foreign.safetensors");
  write_bytes(p, bytes);
  SafeTensors st = load_safetensors(p);
  CHECK((st.tensors.at("a") == Tensor{1.5f, -2.25f}));
  CHECK((st.tensors.at("b") == Tensor{42.f}));
  CHECK(st.metadata.at("k") == "v");
  std::string overlap = bytes;
  overlap.replace(overlap.find("[16,24]"), 7, "[8,16] ");
  write_bytes(p, overlap);
  CHECK_THROWS_WITH(load_safetensors(p), Catch::Contains("overlap"));
  std::remove(p.c_str());
  // a zero dimension among huge ones holds no data, but its strides would overflow: named
  const std::string zero = R"({"z":{"dtype":"F32","shape":[1099511627776,0,1099511627776],"data_offsets":[0,0]}})";
  std::string zb(8, '\0');
  for (int i = 0; i < 8; ++i) zb[i] = char((zero.size() >> (8 * i)) & 0xff);
  CHECK_THROWS_WITH(parse_safetensors(zb + zero, "zero.safetensors"), Catch::Contains("'z' has an absurd shape"));
}

TEST_CASE(".npy headers: a good one reads, and bad magic, dtypes, Fortran order, sizes and absurd shapes are named errors", "[nets][checkpoint]") {
  auto npy = [](const std::string& descr, const std::string& shape, size_t data_bytes, const std::string& extra = "") {
    std::string h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + shape + "), " + extra + "}";
    while ((10 + h.size() + 1) % 64) h += ' ';
    h += '\n';
    std::string out = std::string("\x93NUMPY\x01\x00", 8);
    out += char(h.size() & 0xff);
    out += char(h.size() >> 8);
    return out + h + std::string(data_bytes, '\0');
  };
  const Tensor t = parse_npy(npy("<f4", "2, 3", 24), "ok.npy");
  CHECK(t.shape()[0] == 2);
  CHECK(t.shape()[1] == 3);
  CHECK(parse_npy(npy("<f8", "4,", 32), "f8.npy").size() == 4);
  CHECK_THROWS_WITH(parse_npy("PNG....", "x.npy"), Catch::Contains("x.npy") && Catch::Contains("NUMPY"));
  CHECK_THROWS_WITH(parse_npy(npy("<i4", "2,", 8), "i.npy"), Catch::Contains("'<i4'"));
  CHECK_THROWS_WITH(parse_npy(npy("<f4", "2, 3", 20), "short.npy"), Catch::Contains("short.npy") && Catch::Contains("24"));
  // a dimension past any integer, and dimensions whose product wraps around: named, not allocated
  CHECK_THROWS_WITH(parse_npy(npy("<f4", "38888888888888888888888888888888888882,", 8), "huge.npy"),
                    Catch::Contains("huge.npy") && Catch::Contains("absurd shape"));
  CHECK_THROWS_WITH(parse_npy(npy("<f4", "4294967296, 4294967296, 4,", 0), "wrap.npy"), Catch::Contains("absurd shape"));
  // a zero among huge dimensions: no data, but the strides would still overflow
  CHECK_THROWS_WITH(parse_npy(npy("<f8", "1099511627776, 0, 1099511627776,", 0), "zero.npy"), Catch::Contains("absurd shape"));
}

TEST_CASE("config differences: each setting by its path, a setting added since at its default is none", "[nets][checkpoint]") {
  const nlohmann::json stored = {{"steps", 100}, {"gan", {{"alpha", 1}, {"filters", {2, 3}}}}, {"gone", "x"}};
  // the same configuration, and a setting the stored one lacks given its default: no difference
  CHECK(config_differences(stored, stored, nullptr).empty());
  nlohmann::json newer = stored;
  newer["gan"]["shuffle"] = true;
  CHECK(config_differences(stored, newer, {{"gan", {{"shuffle", true}}}}).empty());
  // that setting at another value, or with no defaults to say, is a difference
  newer["gan"]["shuffle"] = false;
  auto d = config_differences(stored, newer, {{"gan", {{"shuffle", true}}}});
  REQUIRE(d.size() == 1);
  CHECK((d[0].key == "gan.shuffle" && d[0].stored == "(none)" && d[0].wanted == "false"));
  CHECK(config_differences(stored, newer, nullptr).size() == 1);
  // a changed value (a list is one setting), a removed one
  nlohmann::json other = stored;
  other["gan"]["filters"] = {2, 4};
  other.erase("gone");
  other["steps"] = 200;
  d = config_differences(stored, other, nullptr);
  REQUIRE(d.size() == 3);
  CHECK(describe(d) == "gan.filters [2,3] -> [2,4]; steps 100 -> 200; gone \"x\" -> (none)");
  CHECK(describe(d, 1) == "gan.filters [2,3] -> [2,4]; and 2 more");
}
