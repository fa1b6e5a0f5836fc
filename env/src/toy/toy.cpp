#include "seqrl/env/toy/toy.hpp"

#include <algorithm>

namespace seqrl::env {

// ---- GaussianBandit ---------------------------------------------------------------------------
GaussianBandit::GaussianBandit(int arms) : act_space_(arms) {
  if (arms < 1) throw ValueError("GaussianBandit: arms must be >= 1, got " + std::to_string(arms));
}

ResetResult GaussianBandit::reset_impl(std::optional<uint64_t>, const Info&) {
  means.resize(static_cast<size_t>(act_space_.size));
  for (auto& m : means) m = rng().normal_double();
  return {Observation(xt::zeros<float>({1})), Info()};
}

StepResult GaussianBandit::step_impl(const Action& action) {
  const double q = means[static_cast<size_t>(action.index)];
  StepResult r{Observation(xt::zeros<float>({1})), q + rng().normal_double(), false, false, Info()};
  r.info["optimal"] = q == *std::max_element(means.begin(), means.end()) ? 1 : 0;
  return r;
}

// ---- FrozenLake -------------------------------------------------------------------------------
namespace {
std::vector<std::string> named_map(const std::string& name) {
  if (name == "4x4") return {"SFFF", "FHFH", "FFFH", "HFFG"};
  if (name == "8x8")
    return {"SFFFFFFF", "FFFFFFFF", "FFFHFFFF", "FFFFFHFF",
            "FFFHFFFF", "FHHFFFHF", "FHFFHFHF", "FFFHFFFG"};
  throw ValueError("FrozenLake: unknown map '" + name + "' (known: 4x4, 8x8)");
}
}  // namespace

FrozenLake::FrozenLake(const std::string& map_name, bool slip, std::vector<std::string> custom)
    : desc(custom.empty() ? named_map(map_name) : std::move(custom)),
      slippery(slip),
      nrow_(static_cast<int>(desc.size())),
      ncol_(desc.empty() ? 0 : static_cast<int>(desc[0].size())),
      obs_space_(std::max<int64_t>(1, int64_t(nrow_) * ncol_)) {
  int starts = 0;
  for (size_t r = 0; r < desc.size(); ++r) {
    if (static_cast<int>(desc[r].size()) != ncol_)
      throw ValueError("FrozenLake map: row " + std::to_string(r) + " has " +
                       std::to_string(desc[r].size()) + " cells, row 0 has " + std::to_string(ncol_));
    for (char c : desc[r]) {
      if (c != 'S' && c != 'F' && c != 'H' && c != 'G')
        throw ValueError(std::string("FrozenLake map: cell '") + c + "' in row " +
                         std::to_string(r) + " is not one of S, F, H, G");
      starts += c == 'S';
    }
  }
  if (starts != 1) throw ValueError("FrozenLake map: needs exactly one S, has " + std::to_string(starts));
}

Observation FrozenLake::observe() const {
  Observation o = Observation::from_shape({});
  o() = static_cast<float>(state);
  return o;
}

ResetResult FrozenLake::reset_impl(std::optional<uint64_t>, const Info&) {
  for (int r = 0; r < nrow_; ++r)
    for (int c = 0; c < ncol_; ++c)
      if (desc[r][c] == 'S') state = int64_t(r) * ncol_ + c;
  return {observe(), Info()};
}

StepResult FrozenLake::step_impl(const Action& action) {
  int64_t a = action.index;
  if (slippery) a = (a + 3 + static_cast<int64_t>(rng().randint(3))) % 4;  // a-1, a, a+1: 1/3 each
  int row = static_cast<int>(state / ncol_), col = static_cast<int>(state % ncol_);
  if (a == 0) col = std::max(col - 1, 0);
  else if (a == 1) row = std::min(row + 1, nrow_ - 1);
  else if (a == 2) col = std::min(col + 1, ncol_ - 1);
  else row = std::max(row - 1, 0);
  state = int64_t(row) * ncol_ + col;
  const char cell = desc[row][col];
  StepResult r{observe(), cell == 'G' ? 1.0 : 0.0, cell == 'G' || cell == 'H', false, Info()};
  r.info["prob"] = slippery ? 1.0 / 3.0 : 1.0;
  return r;
}

nlohmann::json GaussianBandit::get_state_impl() const { return {{"means", means}}; }
void GaussianBandit::set_state_impl(const nlohmann::json& s) {
  means = s.at("means").get<std::vector<double>>();
}

nlohmann::json FrozenLake::get_state_impl() const { return {{"state", state}}; }
void FrozenLake::set_state_impl(const nlohmann::json& s) {
  const auto v = s.at("state").get<int64_t>();
  if (v < 0 || v >= int64_t(nrow_) * ncol_)
    throw ValueError("FrozenLake state " + std::to_string(v) + " is outside the map");
  state = v;
}

}  // namespace seqrl::env
