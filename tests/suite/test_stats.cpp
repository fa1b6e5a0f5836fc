// The suite's statistics against values computed by hand (and by numpy/scipy's definitions).
#include <catch2/catch.hpp>

#include "seqrl/suite/report.hpp"
#include "seqrl/suite/stats.hpp"
#include "seqrl/suite/suite_file.hpp"
#include "seqrl/nets/error.hpp"

using namespace seqrl::suite;

TEST_CASE("IQM is scipy's trim_mean(x, 0.25), the median and the mean as usual", "[bench][stats]") {
  // n = 8: int(0.25 * 8) = 2 dropped from each end of the sorted scores -> mean of 3, 4, 5, 6
  CHECK(iqm({8, 1, 7, 2, 6, 3, 5, 4}) == Approx(4.5));
  // n = 5: int(1.25) = 1 from each end -> mean of 2, 3, 100
  CHECK(iqm({1, 2, 3, 100, 1000}) == Approx(35.0));
  // n < 4: nothing dropped
  CHECK(iqm({1, 2, 9}) == Approx(4.0));
  CHECK(median({5, 1, 3}) == 3.0);
  CHECK(median({4, 1, 3, 2}) == 2.5);
  CHECK(mean({1, 2, 3, 4}) == 2.5);
  CHECK_THROWS_AS(iqm({}), seqrl::ValueError);
}

TEST_CASE("percentile interpolates as numpy's default", "[bench][stats]") {
  // np.percentile([1, 2, 3, 4], 25) = 1.75; 97.5 -> 3.925
  CHECK(percentile({4, 3, 2, 1}, 25) == Approx(1.75));
  CHECK(percentile({1, 2, 3, 4}, 97.5) == Approx(3.925));
  CHECK(percentile({7}, 50) == 7);
}

TEST_CASE("bootstrap intervals: deterministic, inside the data, the point inside, one seed gives a point", "[bench][stats]") {
  const std::vector<double> x = {10, 12, 9, 30, 11, 10.5, 13};
  const Summary a = summarize(x, 2000, 3), b = summarize(x, 2000, 3);
  CHECK(a.n == 7);
  CHECK(a.mean.point == Approx(95.5 / 7));
  CHECK(a.mean.lo == b.mean.lo);  // the same seed, the same interval
  CHECK(a.mean.hi == b.mean.hi);
  for (const Interval* i : {&a.mean, &a.median, &a.iqm}) {
    CHECK(i->lo <= i->point);
    CHECK(i->point <= i->hi);
    CHECK(i->lo >= 9);
    CHECK(i->hi <= 30);
    CHECK(i->lo < i->hi);  // the scores differ, so resamples do
  }
  const Summary one = summarize({4.0});
  CHECK(one.n == 1);
  CHECK(one.iqm.lo == 4.0);
  CHECK(one.iqm.hi == 4.0);
}

TEST_CASE("normalised scores and their stratified aggregate", "[bench][stats]") {
  CHECK(normalize(500, 22, 475) == Approx(478.0 / 453.0));
  CHECK(normalize(22, 22, 475) == 0.0);
  CHECK(normalize(-100, -500, -100) == 1.0);
  CHECK_THROWS_AS(normalize(1, 2, 2), seqrl::ValueError);
  // two envs: the pooled IQM of 8 scores (2 dropped from each end) and a CI around it
  const std::vector<std::vector<double>> per_env = {{0.1, 0.2, 0.9, 1.0}, {0.3, 0.4, 0.5, 0.6}};
  const Interval i = aggregate(per_env, "iqm", 2000, 1);
  CHECK(i.point == Approx((0.3 + 0.4 + 0.5 + 0.6) / 4));
  CHECK(i.lo <= i.point);
  CHECK(i.hi >= i.point);
  // a stratified resample keeps each env's count: constant envs give a constant statistic
  const Interval c = aggregate({{1, 1, 1}, {3, 3}}, "mean", 500, 1);
  CHECK(c.point == Approx(1.8));
  CHECK(c.lo == Approx(1.8));
  CHECK(c.hi == Approx(1.8));
  CHECK_THROWS_AS(aggregate({{1.0}}, "mode"), seqrl::ValueError);
}

TEST_CASE("probability of improvement: Mann-Whitney per env, averaged over envs, with a bootstrap CI", "[bench][stats]") {
  // env 1: x = {1, 2, 3} against y = {2, 2, 2}: 0 + 3 halves + 3 wins of 9 pairs = 0.5; env 2: x always above: 1
  const std::vector<std::vector<double>> x = {{1, 2, 3}, {5, 6}}, y = {{2, 2, 2}, {1, 0}};
  const Interval p = probability_of_improvement(x, y, 2000, 3);
  CHECK(p.point == Approx(0.75));
  CHECK(p.lo <= p.point);
  CHECK(p.hi >= p.point);
  CHECK(p.hi <= 1.0);
  CHECK(p.lo >= 0.5);  // env 2 is always 1, env 1 at least 0 -> the mean at least 0.5
  // the other way round: the complement (ties count half for both)
  CHECK(probability_of_improvement(y, x, 2000, 3).point == Approx(0.25));
  // deterministic for a seed; one score per env: the interval is the point
  const Interval again = probability_of_improvement(x, y, 2000, 3);
  CHECK(again.lo == p.lo);
  CHECK(again.hi == p.hi);
  const Interval one = probability_of_improvement({{1}}, {{0}}, 2000, 3);
  CHECK(one.lo == 1.0);
  CHECK(one.hi == 1.0);
  CHECK_THROWS_AS(probability_of_improvement({{1}}, {{1}, {2}}), seqrl::ValueError);
  CHECK_THROWS_AS(probability_of_improvement({{}}, {{1}}), seqrl::ValueError);
}

TEST_CASE("suite labels: an agent under several sets of options on one env is told apart by the options that differ", "[suite]") {
  auto spec = [](const std::string& id, const std::string& agent, const std::string& env, nlohmann::json opts,
                 nlohmann::json eo = nlohmann::json::object(), const std::string& preset = "") {
    RunSpec r;
    r.id = id, r.agent = agent, r.env = env, r.options = std::move(opts), r.env_options = std::move(eo), r.preset = preset;
    return r;
  };
  const nlohmann::json d = {{"reward_model", "{run:seqgan}"}};
  const std::vector<RunSpec> runs = {
      spec("a", "ppo", "TextOracle-v0", {{"init-generator", "{run:mle}"}, {"beta", 0.05}}, d),
      spec("b", "ppo", "TextOracle-v0", {{"init-generator", "{run:mle}"}, {"beta", 0.5}}, d),
      spec("c", "ppo", "TextOracle-v0", {{"init-generator", "{run:mle}"}, {"beta", 0.1}, {"target-kl", 2}}, d),
      spec("d", "ppo", "TextOracle-v0", {{"init-generator", "{run:mle}"}, {"beta", 0.05}}),  // other env options: alone
      spec("e", "dqn", "CartPole-v1", {}), spec("f", "dqn", "Acrobot-v1", {{"eval-every", 10000}}),
      spec("g", "leakgan", "TextGrammar-v0", {}, {}, "fast"), spec("h", "leakgan", "TextGrammar-v0", {}, {}, "fast-reference")};
  const auto l = run_labels(runs);
  CHECK(l.at("a") == R"(ppo {"beta":0.05})");
  CHECK(l.at("b") == R"(ppo {"beta":0.5})");
  CHECK(l.at("c") == R"(ppo {"beta":0.1,"target-kl":2})");
  CHECK(l.at("d") == "ppo");
  CHECK(l.at("e") == "dqn");  // one set of options per env: the agent's name, whatever they are
  CHECK(l.at("f") == "dqn");
  CHECK(l.at("g") == R"(leakgan {"protocol":"fast"})");
  CHECK(l.at("h") == R"(leakgan {"protocol":"fast-reference"})");
  // a labelled run is its label, and leaves the agent's other runs labelled as they were
  std::vector<RunSpec> with = runs;
  with.push_back(spec("i", "ppo", "TextOracle-v0", {{"beta", 3}}, d));
  with.back().label = "ppo-strong";
  const auto m = run_labels(with);
  CHECK(m.at("i") == "ppo-strong");
  CHECK(m.at("a") == R"(ppo {"beta":0.05})");
  CHECK(m.at("d") == "ppo");
}

TEST_CASE("suite run labels: a labelled run keeps the other runs' ids, {run:LABEL} names it, an ambiguous {run:AGENT} is an error", "[suite]") {
  using nlohmann::json;
  const auto acts_on = [](const std::string&, const std::string&, const json&) { return true; };
  auto expand = [&](const json& suite) {
    std::vector<std::string> skipped;
    return expand_suite(suite, acts_on, skipped, "s.json");
  };
  const json mle = {{"agent", "mle"}, {"env", "TextGrammar-v0"}, {"options", {{"epochs", 50}}}};
  json early = mle;
  early["label"] = "mle-early-stop";
  early["options"]["validation"] = 1000;
  auto ppo = [](const std::string& from) {
    return json{{"agent", "ppo"}, {"env", "TextGrammar-v0"}, {"options", {{"init-generator", "{run:" + from + "}"}}}};
  };
  const auto runs = expand({{"seeds", {3}}, {"runs", {mle, early, ppo("mle"), ppo("mle-early-stop")}}});
  REQUIRE(runs.size() == 4);
  CHECK(runs[0].id == "mle__TextGrammar-v0__s3");  // the id it has without the labelled run
  CHECK(runs[1].id == "mle-early-stop__TextGrammar-v0__s3");
  CHECK(runs[1].label == "mle-early-stop");
  CHECK(runs[2].id.rfind("ppo__TextGrammar-v0_o", 0) == 0);  // two ppo runs: told apart by their options
  CHECK(resolve_references(runs[2], runs, "/out", false).options["init-generator"] ==
        "/out/runs/mle__TextGrammar-v0__s3/checkpoint.safetensors");
  CHECK(resolve_references(runs[3], runs, "/out", false).options["init-generator"] ==
        "/out/runs/mle-early-stop__TextGrammar-v0__s3/checkpoint.safetensors");
  // two unlabelled mle runs: {run:mle} could be either, and says so (it took the last one before)
  json other = mle;
  other["options"]["epochs"] = 10;
  const auto two = expand({{"runs", {mle, other, ppo("mle")}}});
  CHECK_THROWS_WITH(resolve_references(two[2], two, "/out", false),
                    Catch::Contains("could be any of mle__TextGrammar-v0_o") && Catch::Contains("\"label\""));
  // a label is a name: letters, digits, '-' and '.'
  for (const json& bad : {json("a b"), json(""), json(3), json("x__y")}) {
    INFO(bad.dump());
    json r = mle;
    r["label"] = bad;
    CHECK_THROWS_WITH(expand({{"runs", {r}}}), Catch::Contains("runs[0].label must be a name of letters, digits"));
  }
  // two runs with one label on one env and seed share an id
  CHECK_THROWS_WITH(expand({{"runs", {early, early}}}), Catch::Contains("two runs share the id 'mle-early-stop__TextGrammar-v0__s1'"));
}

TEST_CASE("suite runs: a run's own seeds replace the suite's, and no option name is taken by them", "[suite]") {
  using nlohmann::json;
  const auto acts_on = [](const std::string&, const std::string&, const json&) { return true; };
  std::vector<std::string> skipped;
  const json own = {{"agent", "mle"}, {"env", "TextGrammar-v0"}, {"seeds", {7, 8}}};
  // an option of any name, "__seeds" included (the run's seeds were once kept under it among the
  // options, so that this suite ended the program with a JSON type error), is the run's option
  const json odd = {{"agent", "ppo"}, {"env", "CartPole-v1"}, {"options", {{"__seeds", 256}}}};
  const auto runs = expand_suite({{"seeds", {1, 2, 3}}, {"runs", {own, odd}}}, acts_on, skipped, "s.json");
  REQUIRE(runs.size() == 5);
  CHECK((runs[0].seed == 7 && runs[1].seed == 8 && runs[0].options.empty()));
  CHECK((runs[2].seed == 1 && runs[3].seed == 2 && runs[4].seed == 3));
  CHECK(runs[4].options == json{{"__seeds", 256}});
  CHECK(runs[4].id == "ppo__CartPole-v1__s3");
}

TEST_CASE("text generators' probability of improvement at temperature 1 and at matched NLL-test", "[suite]") {
  // A covers the data better (NLL-test 6.0 at temperature 1) but its samples are worse (NLL-oracle
  // 9.3 against B's 9.0); cooled to B's NLL-test of 6.4, A's samples are better (8.66)
  auto row = [](const std::string& label, int seed, nlohmann::json sweep, nlohmann::json eo) {
    return nlohmann::json{{"label", label}, {"agent", label}, {"env", "TextOracle-v0"}, {"env_options", eo},
                          {"seed", seed}, {"text_sweep", sweep}};
  };
  auto pt = [](double t, double nll_test, double nll_oracle) {
    return nlohmann::json{{"temperature", t}, {"nll_test", nll_test}, {"nll_oracle", nll_oracle}};
  };
  const nlohmann::json oracle = {{"oracle", "o"}}, with_d = {{"oracle", "o"}, {"reward_model", "{run:seqgan}"}};
  nlohmann::json rows = nlohmann::json::array();
  for (int s = 1; s <= 3; ++s) {
    const double j = 0.01 * s;
    rows.push_back(row("A", s, {pt(0.8, 6.5, 8.5 + j), pt(1.0, 6.0, 9.3 + j), pt(1.2, 6.1, 9.8 + j)}, oracle));
    rows.push_back(row("B", s, {pt(0.8, 7.0, 8.4 + j), pt(1.0, 6.4, 9.0 + j), pt(1.2, 6.5, 9.5 + j)}, with_d));
  }
  rows.push_back(row("A", 4, {pt(0.8, 6.3, 8.9), pt(1.0, 6.0, 9.3)}, oracle));  // does not cool down to 6.4
  rows.push_back({{"label", "dqn"}, {"agent", "dqn"}, {"env", "CartPole-v1"}, {"seed", 1}});  // no sweep: not a generator
  // B trained against a reward model: a generator of its own, "B on {run:seqgan}"
  const std::string B = "B on {run:seqgan}";
  const nlohmann::json poi = text_probability_of_improvement(rows, 500, 3);
  auto find = [&](const std::string& x, const std::string& y, const std::string& at) {
    for (const auto& e : poi)
      if (e["x"] == x && e["y"] == y && e["at"] == at) return e;
    FAIL("no entry " << x << " over " << y << " at " << at);
    return nlohmann::json();
  };
  REQUIRE(poi.size() == 4);  // two ordered pairs, two comparisons
  const auto t1 = find(B, "A", "temperature 1");
  CHECK(t1["value"] == Approx(1.0));  // lower NLL-oracle on every pair of seeds (A's fourth included)
  CHECK(t1["tasks"] == 1);
  CHECK(t1["metric"]["TextOracle-v0 {\"oracle\":\"o\"}"] == "nll_oracle");
  CHECK(find("A", B, "temperature 1")["value"] == Approx(0.0));
  const auto m = find("A", B, "matched NLL-test");
  CHECK(m["value"] == Approx(1.0));
  CHECK(m["excluded"] == 1);
  CHECK(m["matched_nll_test"]["TextOracle-v0 {\"oracle\":\"o\"}"].get<double>() == Approx(6.4));
  CHECK(find(B, "A", "matched NLL-test")["value"] == Approx(0.0));
  // an over-fitted generator covers held-out data best when heated: M's lowest NLL-test is 8.15 and
  // 8.2 at temperature 1.4, E's 7.7 at 1. Matched at 8.2 (the largest, which every run reaches),
  // M is read at 1.2-1.4 and E cooled to 0.6-0.8 (8.7): E is better, where comparing at
  // temperature 1's NLL-test (8.8) E could not reach
  nlohmann::json over = nlohmann::json::array();
  for (int s = 1; s <= 2; ++s) {
    const double h = s == 1 ? 8.15 : 8.2;
    over.push_back(row("M", s, {pt(0.8, 9.5, 8.8), pt(1.0, 8.8, 9.3), pt(1.2, 8.4, 9.6), pt(1.4, h, 9.8)}, oracle));
    over.push_back(row("E", s, {pt(0.6, 8.3, 8.5), pt(0.8, 7.8, 9.5), pt(1.0, 7.7, 10.0), pt(1.2, 7.75, 10.2)}, oracle));
  }
  const nlohmann::json po = text_probability_of_improvement(over, 100, 1);
  size_t matched_pairs = 0;
  for (const auto& e : po) matched_pairs += e["at"] == "matched NLL-test";
  CHECK(matched_pairs == 2);  // E over M and M over E
  for (const auto& e : po) {
    if (e["at"] != "matched NLL-test") continue;
    INFO(e.dump());
    CHECK(e["matched_nll_test"]["TextOracle-v0 {\"oracle\":\"o\"}"].get<double>() == Approx(8.2));
    CHECK(e["excluded"] == 0);
    CHECK(e["value"].get<double>() == Approx(e["x"] == "E" ? 1.0 : 0.0));
  }
  // the same label on the task's own reward and on a reward model: two generators, not one
  nlohmann::json two = nlohmann::json::array();
  for (int s = 1; s <= 2; ++s) {
    two.push_back(row("reinforce", s, {pt(1.0, 6.0, 9.0)}, oracle));
    two.push_back(row("reinforce", s, {pt(1.0, 6.0, 11.0)}, with_d));
  }
  const nlohmann::json p2 = text_probability_of_improvement(two, 100, 1);
  REQUIRE(p2.size() == 4);
  CHECK(p2[0]["value"].get<double>() + p2[1]["value"].get<double>() == Approx(1.0));
}
