// End to end: the bundled default scenario, through the same entry point as `arbiter simulate`.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "cli_case.h"
#include "gtest/gtest.h"

namespace arbiter {
namespace {

using testing::Slurp;

namespace fs = std::filesystem;

fs::path FreshDir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("arbiter-" + name);
  fs::remove_all(dir);
  return dir;
}

int Simulate(SimulateArgs args, std::string* err_text = nullptr) {
  args.quiet = true;
  std::FILE* err = std::tmpfile();
  const int code = RunSimulate(args, stdout, err);
  if (err_text != nullptr) {
    std::rewind(err);
    char buf[4096];
    const size_t n = std::fread(buf, 1, sizeof(buf), err);
    err_text->assign(buf, n);
  }
  std::fclose(err);
  return code;
}

TEST(FrontierLab, MatchesTheGoldenSummary) {
  const fs::path dir = FreshDir("golden");
  SimulateArgs args;
  args.scenario = "examples/frontier-lab.yaml";
  args.out = dir.string();
  ASSERT_EQ(Simulate(args), 0);
  const std::string golden = Slurp("tests/golden/frontier-lab.fifo.summary.json");
  ASSERT_FALSE(golden.empty()) << "missing golden file";
  EXPECT_EQ(Slurp(dir / "summary.json"), golden)
      << "summary.json differs from tests/golden/frontier-lab.fifo.summary.json; if the change is "
         "intended, regenerate the goldens with scripts/update-goldens.sh";
}

// FNV-1a, 64 bits: a stable fingerprint of a file too large to commit as a golden.
uint64_t Fingerprint(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

TEST(FrontierLab, MarketAuditMatchesTheGolden) {
  // The whole market.jsonl (about 20 MB) is fingerprinted; its first 300 lines are kept as a
  // readable golden, so a difference shows where the market's decisions changed.
  const fs::path dir = FreshDir("golden-market");
  SimulateArgs args;
  args.scenario = "examples/frontier-lab.yaml";
  args.out = dir.string();
  ASSERT_EQ(Simulate(args), 0);
  const std::string audit = Slurp(dir / "market.jsonl");
  size_t lines = 0;
  size_t head_end = 0;
  for (size_t i = 0; i < audit.size(); ++i) {
    if (audit[i] != '\n') continue;
    if (++lines == 300) head_end = i + 1;
  }
  EXPECT_EQ(audit.substr(0, head_end), Slurp("tests/golden/frontier-lab.fifo.market.head.jsonl"));
  const std::string expected = Slurp("tests/golden/frontier-lab.fifo.market.fingerprint");
  char actual[64];
  std::snprintf(actual, sizeof(actual), "%zu lines, fnv1a64 %016llx\n", lines,
                static_cast<unsigned long long>(Fingerprint(audit)));
  EXPECT_EQ(std::string(actual), expected)
      << "market.jsonl changed; if intended, regenerate tests/golden/frontier-lab.fifo.market.* "
         "with scripts/update-goldens.sh";
}

TEST(FrontierLab, SameSeedGivesByteIdenticalOutputs) {
  for (const char* policy : {"fifo", "sjf", "cost-greedy"}) {
    const fs::path a = FreshDir(std::string("a-") + policy);
    const fs::path b = FreshDir(std::string("b-") + policy);
    SimulateArgs args;
    args.scenario = "examples/frontier-lab.yaml";
    args.policy = policy;
    args.seed = 7;
    args.out = a.string();
    ASSERT_EQ(Simulate(args), 0);
    args.out = b.string();
    ASSERT_EQ(Simulate(args), 0);
    const std::string jobs = Slurp(a / "jobs.csv");
    EXPECT_GT(jobs.size(), 1000u);
    EXPECT_EQ(jobs, Slurp(b / "jobs.csv")) << policy;
    EXPECT_EQ(Slurp(a / "summary.json"), Slurp(b / "summary.json")) << policy;
    EXPECT_EQ(Slurp(a / "market.jsonl"), Slurp(b / "market.jsonl")) << policy;
  }
}

TEST(FrontierLab, MalformedScenarioFailsCleanlyAndWritesNothing) {
  const fs::path dir = FreshDir("bad");
  fs::create_directories(dir);
  const fs::path scenario = dir / "bad.yaml";
  std::ofstream(scenario) << "name: bad\naccelerator_types: [H100]\nproviders:\n"
                             "  - name: p\n    regions:\n      - name: r\n        pools:\n"
                             "          - {type: H100, nodes: many, accelerators_per_node: 8,\n"
                             "             price: {on_demand: 2}}\n";
  SimulateArgs args;
  args.scenario = scenario.string();
  args.out = (dir / "out").string();
  std::string err;
  EXPECT_EQ(Simulate(args, &err), 2);
  EXPECT_NE(err.find("bad.yaml:8: providers[0].regions[0].pools[0].nodes: 'many' is not an "
                     "integer; expected an integer in [0, 2^24]"),
            std::string::npos)
      << err;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(FrontierLab, UnknownPolicyIsAUsageError) {
  SimulateArgs args;
  args.scenario = "examples/frontier-lab.yaml";
  args.policy = "nope";
  args.out = FreshDir("nope").string();
  std::string err;
  EXPECT_EQ(Simulate(args, &err), 2);
  EXPECT_NE(err.find("unknown policy 'nope'"), std::string::npos);
  EXPECT_FALSE(fs::exists(args.out));
}

}  // namespace
}  // namespace arbiter
