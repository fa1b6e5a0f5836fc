// The suite's reading and reporting half, shared by `seqrl suite` and anything else that reads a
// suite folder: the built-in suites, a run's summary and record as the suite checks them, the
// quality-diversity sweep of a text run's generator, the random baselines of normalised scores,
// and the report (results.csv/json, stats.json, report.md; the plots: suite/report.py).
//
// A suite folder: OUT/suite.json, OUT/runs/<run id>/{summary.json, checkpoint.safetensors, ...},
// OUT/random_baselines.json, and what suite_report writes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "seqrl/suite/suite_file.hpp"

namespace seqrl::suite {

// v with prec digits after the point, as the report prints numbers.
std::string fixed(double v, int prec = 3);

// A JSON file; IOError when it cannot be read, ConfigError naming it when it is not JSON.
nlohmann::json read_json(const std::string& path);

// A run's summary.json as the suite reads it: null when the run has not finished (interrupted,
// or no final evaluation yet), else the summary, its fields checked. A damaged file (hand-edited,
// another version's) is a ConfigError naming it, not a JSON library error naming nothing.
nlohmann::json read_summary(const std::string& path);

// The differences between a stored run record (summary.json's "config") and the one asked for,
// as "steps 2000 -> 6000; agent_config.gamma 0.99 -> 0.5" (at most 6), "" when none. Records of
// runs made before the data's identity and the evaluation settings were recorded lack those
// keys: what a record lacks is not compared. Within a part the stored record has, a key it lacks
// is an option added since; defaults (optional) is the record the run would have with no options
// of its own: when the asked-for value is that default (a new option's default keeps the old
// behaviour, as a checkpoint of the old version loads), it is the same run, else a difference.
std::string record_differences(const nlohmann::json& have, const nlohmann::json& want,
                               const nlohmann::json& defaults = nlohmann::json());

// Each run's label in the report (by id): the run entry's "label" where it has one, else its agent,
// and where one agent's unlabelled runs on one env (with the same env options) have several sets
// of options, the options that tell them apart, as `ppo {"beta":0.5}`. The statistics group runs
// by label, env and env options.
std::map<std::string, std::string> run_labels(const std::vector<RunSpec>& runs);

// rliable's probability of improvement between the text generators of a suite's rows (each with
// "label", "env", "env_options", "seed" and "text_sweep": per temperature NLL-test and the task's
// metrics), on each task they share (env and env options but the reward model: the same data and
// yardstick; a generator is its label and the reward model it trained against, "reinforce on
// {run:seqgan}"), by the task's quality metric: NLL-oracle (lower is better), else grammaticality,
// else BLEU-5. Two comparisons per pair of labels X, Y:
//  - "temperature 1": the metric of each run sampled at temperature 1;
//  - "matched NLL-test": the metric where the run's NLL-test equals c, read by linear
//    interpolation off its cooling branch: its sweep from the temperature of its lowest NLL-test
//    down to the coldest (cooling trades NLL-test for quality). c is the largest of the lowest
//    NLL-tests of X's and Y's runs on that task, a coverage every run reaches at or below its
//    best; a run whose branch does not cool that far is left out (counted in "excluded"). So the
//    generator that covers the data better is cooled to the other's coverage before their
//    quality is compared (Caccia et al.'s temperature sweep); a generator that covers best when
//    heated (an over-fitted MLE) is compared at that temperature, not at 1.
// One entry per ordered pair and comparison with at least one shared task: {x, y, at, tasks,
// task_names, metric per task, matched_nll_test per task (matched only), excluded, value, lo, hi}.
nlohmann::json text_probability_of_improvement(const nlohmann::json& rows, size_t resamples = 2000, uint64_t seed = 23);

// The built-in suite `name` (quick, toy, text, paper) as a suite file; ConfigError for another.
nlohmann::json builtin_suite(const std::string& name);

// The quality-diversity sweep of a finished text run's generator (null when its agent has none):
// one entry per suite temperature with NLL-test and whichever of NLL-oracle, grammaticality,
// BLEU/Self-BLEU and distinct-4 the run's task has, over suite.text_samples samples.
nlohmann::json text_metrics(const std::string& checkpoint, const RunSpec& run, const nlohmann::json& suite);

// The mean return of uniformly random actions on the env over 100 episodes (seed 12345), cached
// in cache_path (written atomically).
double random_score(const std::string& env_id, const nlohmann::json& env_options, const std::string& cache_path);

// The report of a finished (or partly finished) suite folder: writes results.csv, results.json,
// stats.json and report.md into out_dir and returns results.json's content.
nlohmann::json suite_report(const std::string& out_dir, const nlohmann::json& suite, const std::vector<RunSpec>& runs,
                            const std::vector<std::string>& skipped);

}  // namespace seqrl::suite
