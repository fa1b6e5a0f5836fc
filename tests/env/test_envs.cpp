// Every registered environment passes check_env; each toy/classic task behaves as its definition.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <functional>

#include "seqrl/env/check_env.hpp"
#include "seqrl/env/classic/mountain_car.hpp"
#include "seqrl/env/classic/pendulum.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/env/text/text_env.hpp"
#include "seqrl/env/toy/toy.hpp"
#include "seqrl/env/wrappers.hpp"

using namespace seqrl;
using namespace seqrl::env;

namespace {
// TextCoco-v0 reads the COCO captions from ../shared (skipped when absent)
std::string coco_file() { return std::string(SEQRL_SHARED_DIR) + "/data/coco/image_coco.txt"; }
bool coco_present() {
  if (std::ifstream(coco_file())) return true;
  WARN("SKIPPED TextCoco-v0: COCO captions not found at " << coco_file());
  return false;
}
Info coco_options() { return {{"corpus", coco_file()}}; }
// the options of an id for the tests that walk the registry: TextCoco-v0 and TextCorpus-v0 read files
Info options_of(const std::string& id) {
  if (id == "TextCoco-v0") return coco_options();
  if (id == "TextCorpus-v0") return {{"corpus", std::string(SEQRL_SOURCE_DIR) + "/tests/env/data/corpus.txt"}};
  return Info::object();
}
}  // namespace

TEST_CASE("every registered environment passes check_env", "[env]") {
  for (const auto& id : registered_ids()) {
    if (id.rfind("My", 0) == 0 || id.rfind("Test", 0) == 0) continue;  // registered by other tests
    if (id == "TextCoco-v0" && !coco_present()) continue;
    auto e = make(id, options_of(id));
    // text generation starts from the empty prefix whatever the seed
    const bool deterministic = id.rfind("Text", 0) == 0;
    CheckReport r = check_env(*e, 7, 150, deterministic);
    INFO(id << ":\n" << r.str());
    CHECK(r.ok());
  }
}

namespace {
// One episode of `id` from seed 0 under `policy`. Checks every reward: -1 before the end and
// terminal_reward on the terminating step. Returns that step's number, or -1 at the time limit.
int steps_to_goal(const std::string& id, const std::function<int64_t(const Observation&)>& policy,
                  double terminal_reward) {
  auto e = make(id);
  Observation o = e->reset(0).observation;
  for (int t = 0;; ++t) {
    StepResult r = e->step(Action(policy(o)));
    if (r.terminated) {
      CHECK(r.reward == terminal_reward);
      return t + 1;
    }
    CHECK(r.reward == -1.0);
    if (r.truncated) return -1;
    o = r.observation;
  }
}
}  // namespace

TEST_CASE("MountainCar: pushing with the velocity climbs the hill, pushing right alone does not", "[env]") {
  CHECK(steps_to_goal("MountainCar-v0", [](const Observation&) { return 2; }, -1.0) == -1);
  const int steps =
      steps_to_goal("MountainCar-v0", [](const Observation& o) { return o(1) >= 0 ? 2 : 0; }, -1.0);
  CHECK(steps > 0);
  CHECK(steps < 200);
}

TEST_CASE("Pendulum: rewards in [-16.27, 0], upright and still costs nothing", "[env]") {
  auto e = make("Pendulum-v1");
  e->reset(3);
  nets::Rng rng(1);
  for (int t = 0; t < 200; ++t) {
    StepResult r = e->step(Action::box(nets::Tensor{rng.uniform(-2.f, 2.f)}));
    CHECK(r.reward <= 0.0);
    CHECK(r.reward >= -(M_PI * M_PI + 0.1 * 64 + 0.001 * 4) - 1e-9);
    CHECK(r.truncated == (t == 199));
  }
  Pendulum p;
  p.reset(0);
  p.state = {0.0, 0.0};
  StepResult r = p.step(Action::box(nets::Tensor{0.f}));
  CHECK(r.reward == 0.0);
  CHECK_THROWS_AS(p.step(Action::box(nets::Tensor{2.5f})), InvalidAction);  // outside Box(-2, 2)
}

TEST_CASE("FrozenLake: the safe path reaches G without slipping, holes end the episode", "[env]") {
  auto e = make("FrozenLake-v1", {{"is_slippery", false}});
  Observation o = e->reset(0).observation;
  CHECK(o() == 0.f);
  StepResult r;
  for (int64_t a : {2, 2, 1, 1, 1, 2}) r = e->step(Action(a));  // 0 -> 1 -> 2 -> 6 -> 10 -> 14 -> 15
  CHECK(r.observation() == 15.f);
  CHECK(r.reward == 1.0);
  CHECK(r.terminated);
  e->reset(0);
  r = e->step(Action(1));  // 0 -> 4
  r = e->step(Action(2));  // 4 -> 5 = H
  CHECK(r.terminated);
  CHECK(r.reward == 0.0);
  // slippery: the intended move happens about 1/3 of the time
  FrozenLake slip("4x4", true);
  int intended = 0;
  for (int i = 0; i < 3000; ++i) {
    slip.reset(i);
    if (slip.step(Action(2)).observation() == 1.f) ++intended;  // right from S
  }
  CHECK(intended > 850);
  CHECK(intended < 1150);
  CHECK_THROWS_WITH(FrozenLake("4x4", true, {"SFX", "FFG"}), Catch::Contains("'X'"));
}

TEST_CASE("GaussianBandit: seeded arm means, rewards around them, optimal flag", "[env]") {
  auto a = make("GaussianBandit-v0"), b = make("GaussianBandit-v0");
  a->reset(4);
  b->reset(4);
  auto& ga = dynamic_cast<GaussianBandit&>(dynamic_cast<Wrapper&>(*a).inner());
  auto& gb = dynamic_cast<GaussianBandit&>(dynamic_cast<Wrapper&>(*b).inner());
  CHECK(ga.means == gb.means);
  const size_t best = std::max_element(ga.means.begin(), ga.means.end()) - ga.means.begin();
  double sum = 0;
  for (int t = 0; t < 100; ++t) {
    StepResult r = a->step(Action(static_cast<int64_t>(best)));
    CHECK(r.info["optimal"] == 1);
    sum += r.reward;
  }
  CHECK(std::fabs(sum / 100 - ga.means[best]) < 0.4);  // 4 sigma of the mean of 100 N(q, 1)
}

TEST_CASE("Acrobot: energy pumping swings the tip up, doing nothing does not", "[env]") {
  CHECK(steps_to_goal("Acrobot-v1", [](const Observation&) { return 1; }, 0.0) == -1);
  // the torque acts on the second joint: pushing along its velocity adds energy
  const int steps =
      steps_to_goal("Acrobot-v1", [](const Observation& o) { return o(5) >= 0 ? 2 : 0; }, 0.0);
  CHECK(steps > 0);
  CHECK(steps < 500);
}

TEST_CASE("get_state/set_state: a restored env continues exactly, for every registered id", "[env][state]") {
  for (const auto& id : registered_ids()) {
    if (id.rfind("My", 0) == 0 || id.rfind("Test", 0) == 0) continue;  // registered by other tests
    DYNAMIC_SECTION(id) {
      // the wrappers with state of their own are stacked on top, so their state is covered too
      if (id == "TextCoco-v0" && !coco_present()) return;
      auto wrap = [&] {
        return std::make_unique<NormalizeReward>(std::make_unique<NormalizeObservation>(
            std::make_unique<RecordEpisodeStatistics>(make(id, options_of(id)))));
      };
      auto a = wrap(), b = wrap();
      a->reset(7);
      std::unique_ptr<Space> actions = a->action_space().clone();
      actions->seed(3);
      for (int i = 0; i < 37; ++i) {
        StepResult r = a->step(sample_action(*actions));
        if (r.terminated || r.truncated) a->reset();
      }
      // the state goes through text, as in a checkpoint
      b->set_state(nlohmann::json::parse(a->get_state().dump()));
      // equal states, but for RecordEpisodeStatistics' wall-clock episode time
      std::function<void(nlohmann::json&)> strip = [&](nlohmann::json& j) {
        if (!j.is_object()) return;
        j.erase("episode_seconds");
        for (auto& [k, v] : j.items()) strip(v);
      };
      nlohmann::json sa = a->get_state(), sb = b->get_state();
      strip(sa);
      strip(sb);
      CHECK(sa == sb);
      for (int i = 0; i < 300; ++i) {
        const Action act = sample_action(*actions);
        StepResult ra = a->step(act), rb = b->step(act);
        REQUIRE((ra.observation == rb.observation));
        REQUIRE(ra.reward == rb.reward);
        REQUIRE(ra.terminated == rb.terminated);
        REQUIRE(ra.truncated == rb.truncated);
        if (ra.terminated || ra.truncated) {
          REQUIRE((a->reset().observation == b->reset().observation));
        }
      }
    }
  }
}

TEST_CASE("set_state rejects malformed states, naming the env", "[env][state]") {
  auto e = make("CartPole-v1");
  e->reset(1);
  nlohmann::json s = e->get_state();
  s.erase("rng");
  CHECK_THROWS_WITH(e->set_state(s), Catch::Contains("CartPole-v1") && Catch::Contains("rng"));
  nlohmann::json f = make("FrozenLake-v1")->get_state();
  f["env"]["inner"]["env"]["state"] = 99;  // the registry wraps the lake in a TimeLimit
  auto lake = make("FrozenLake-v1");
  CHECK_THROWS_WITH(lake->set_state(f), Catch::Contains("outside the map"));
}

TEST_CASE("the in-place step and reset equal the ones by value, through the wrappers", "[env]") {
  for (const std::string id : {"CartPole-v1", "Pendulum-v1", "FrozenLake-v1"}) {
    DYNAMIC_SECTION(id) {
      auto a = std::make_unique<RecordEpisodeStatistics>(make(id));
      auto b = std::make_unique<RecordEpisodeStatistics>(make(id));
      a->reset(5);
      b->reset(5);
      std::unique_ptr<Space> acts = a->action_space().clone();
      acts->seed(9);
      StepResult rb;  // one buffer for the whole run
      int episodes = 0;
      for (int i = 0; i < 1500; ++i) {
        const Action act = sample_action(*acts);
        StepResult ra = a->step(act);
        b->step(act, rb);
        REQUIRE((ra.observation == rb.observation));
        REQUIRE(ra.reward == rb.reward);
        REQUIRE(ra.terminated == rb.terminated);
        REQUIRE(ra.truncated == rb.truncated);
        REQUIRE(ra.info.contains("episode") == rb.info.contains("episode"));
        if (ra.terminated || ra.truncated) {
          ++episodes;
          ResetResult rb0;  // the in-place reset too
          b->reset(rb0);
          REQUIRE((a->reset().observation == rb0.observation));
        }
      }
      CHECK(episodes > 3);
      CHECK_THROWS_AS(b->step(Action(99), rb), InvalidAction);
    }
  }
}

namespace {
// A reward model with a known answer: the share of tokens equal to `good`.
struct CountReward : RewardModel {
  int32_t good;
  explicit CountReward(int32_t g) : good(g) {}
  std::string name() const override { return "count"; }
  std::vector<double> score(const nets::IntTensor& seqs) override {
    const size_t B = seqs.shape()[0], T = seqs.shape()[1];
    std::vector<double> r(B, 0.0);
    for (size_t b = 0; b < B; ++b)
      for (size_t t = 0; t < T; ++t) r[b] += seqs(b, t) == good ? 1.0 / double(T) : 0.0;
    return r;
  }
};
}  // namespace

TEST_CASE("TextGenEnv: prefix observations, end-of-episode and Monte-Carlo per-step rewards", "[env][text]") {
  auto reward = std::make_shared<CountReward>(3);
  TextGenEnv e(10, 5, reward, /*eos=*/9);
  ResetResult r0 = e.reset(1);
  CHECK((r0.observation == nets::Tensor{-1.f, -1.f, -1.f, -1.f, -1.f}));
  StepResult s = e.step(Action(3));
  CHECK(s.reward == 0.0);
  CHECK_FALSE(s.terminated);
  CHECK((s.observation == nets::Tensor{3.f, -1.f, -1.f, -1.f, -1.f}));
  s = e.step(Action(9));  // the end token ends the episode; the rest is filled with it
  CHECK(s.terminated);
  CHECK(s.reward == Approx(1.0 / 5));
  CHECK((s.observation == nets::Tensor{3.f, 9.f, 9.f, 9.f, 9.f}));
  CHECK_THROWS_AS(e.step(Action(1)), ResetNeeded);
  e.reset();
  CHECK_THROWS_AS(e.step(Action(10)), InvalidAction);
  // per-step Monte-Carlo rewards: the mean reward of N completions by the rollout policy
  nets::Rng rng(2);
  nets::LSTMGeneratorConfig gc;
  gc.vocab = 10;
  gc.seq_len = 5;
  gc.emb = 4;
  gc.hidden = 8;
  auto policy = std::make_shared<nets::LSTMGenerator>(gc, rng);
  TextGenEnv mc(10, 5, reward, -1, policy, 64);
  mc.reset(3);
  auto twin = mc.clone();
  StepResult a = mc.step(Action(3));
  // one token of five is known good: Q >= 1/5, and the completions add about 4/5 * p(3)
  CHECK(a.reward >= 0.2);
  CHECK(a.reward < 0.6);
  StepResult b = twin->step(Action(3));  // a clone draws the same completions
  CHECK(a.reward == b.reward);
  for (int k = 0; k < 3; ++k) mc.step(Action(3));
  StepResult last = mc.step(Action(3));
  CHECK(last.terminated);
  CHECK(last.reward == Approx(1.0));  // the last step is scored on the sequence itself
  CHECK_THROWS_WITH(TextGenEnv(10, 5, reward, -1, nullptr, 4), Catch::Contains("rollout policy"));
}

TEST_CASE("TextGrammar-v0: the grammar pays 1 for a grammatical sentence, 0 otherwise and for non-words", "[env][text]") {
  auto env = make("TextGrammar-v0");
  Env* inner = env.get();
  while (auto* w = dynamic_cast<Wrapper*>(inner)) inner = &w->inner();
  auto* text_env = dynamic_cast<TextGenEnv*>(inner);
  REQUIRE(text_env);
  const text::Vocabulary* words = text_env->words();
  REQUIRE(words);
  auto write = [&](const std::vector<std::string>& sentence) {
    env->reset(0);
    for (const auto& w : sentence) {
      const int32_t id = w == "<pad>" ? text::Vocabulary::kPad : w == "<bos>" ? text::Vocabulary::kBos : words->id(w);
      REQUIRE(!env->step(Action(id)).terminated);
    }
    const StepResult s = env->step(Action(text::Vocabulary::kEos));
    REQUIRE(s.terminated);
    return s.reward;
  };
  CHECK(write({"a", "man", "riding", "a", "horse"}) == 1.0);
  CHECK(write({"horse", "a", "riding"}) == 0.0);
  // decoding would drop these and leave a grammatical sentence; they are not words
  CHECK(write({"a", "man", "<pad>", "riding", "a", "horse"}) == 0.0);
  CHECK(write({"<bos>", "a", "man", "riding", "a", "horse"}) == 0.0);
}

TEST_CASE("env options are validated: an unknown key or a wrong type names the key and the accepted ones", "[env][registry]") {
  using namespace seqrl;
  // a typo used to fall back silently to the default (the random oracle)
  try {
    env::make("TextOracle-v0", {{"orcale", "/some/dir"}});
    FAIL("an unknown option was accepted");
  } catch (const KeyError& e) {
    const std::string m = e.what();
    CHECK_THAT(m, Catch::Contains("unknown option 'orcale'"));
    CHECK_THAT(m, Catch::Contains("TextOracle-v0"));
    CHECK_THAT(m, Catch::Contains("oracle, oracle_seed, vocab, seq_len"));
    CHECK_THAT(m, Catch::Contains("reward_model"));
  }
  try {
    env::make("FrozenLake-v1", {{"is_slippery", "no"}});
    FAIL("a string was accepted for a bool");
  } catch (const ValueError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("option 'is_slippery' of environment 'FrozenLake-v1' must be a bool"));
  }
  CHECK_THROWS_AS(env::make("CartPole-v1", {{"g", 9.8}}), KeyError);  // Pendulum's option, not CartPole's
  CHECK_THROWS_AS(env::make("TextOracle-v0", {{"vocab", 5.5}}), ValueError);
  // a limit past an int is out of range, not cast (fuzz_env_options found {"max_episode_steps": 1000e10})
  CHECK_THROWS_WITH(env::make("CartPole-v1", {{"max_episode_steps", 1000e10}}),
                    Catch::Contains("option 'max_episode_steps' of environment 'CartPole-v1' must be in [1, 2147483647]"));
  CHECK(env::make("CartPole-v1", {{"max_episode_steps", 2147483647}}) != nullptr);
  // what they do take still works, the common ones included
  CHECK(env::make("Pendulum-v1", {{"g", 9.8}, {"max_episode_steps", 50}}) != nullptr);
  CHECK(env::make("TextOracle-v0", {{"vocab", 50}, {"seq_len", 5}, {"oracle_seed", 3}}) != nullptr);
  // every built-in id declares its options
  for (const auto& id : env::registered_ids()) {
    // (other test cases register their own envs without declared options: MyCartPole-v0, Test*)
    if (id.rfind("My", 0) == 0 || id.rfind("Test", 0) == 0) continue;
    INFO(id);
    CHECK(env::spec(id).options.has_value());
  }
}
