// How a stored configuration (a checkpoint's, a run folder's record) differs from the one asked
// for, setting by setting: what `seqrl suite` checks before it reuses a run folder and LeakGAN's
// --pretrain-checkpoint before it goes on from a file.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace seqrl::nets {

// What a ConfigDifference holds for the side that has no such setting.
inline constexpr const char* kNoSetting = "(none)";

// One setting that differs: its dotted path ("gan.alpha") and its JSON value on each side,
// kNoSetting on the side that has no such setting.
struct ConfigDifference {
  std::string key, stored, wanted;
};

// The settings in which `wanted` differs from `stored`, by path (objects are walked, any other
// value, lists included, is one setting). A setting `stored` lacks was added after it was written:
// when `wanted` gives it its value in `defaults` (the configuration with no options of its own; a
// new setting's default keeps the old behaviour), it is the same run and no difference.
std::vector<ConfigDifference> config_differences(const nlohmann::json& stored, const nlohmann::json& wanted,
                                                 const nlohmann::json& defaults);

// "KEY STORED -> WANTED" for each, joined by "; ", at most `at_most` and then "and N more".
std::string describe(const std::vector<ConfigDifference>& diffs, size_t at_most = 6);

}  // namespace seqrl::nets
