// The live examples (examples/live) as a newcomer would use them: the fleet file validates, its
// tokens are the demo files, the example jobs parse and can run on it, and `arbiter simulate`
// accepts the same fleet with workloads added.
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli/commands.h"
#include "cli_case.h"
#include "formats/job_spec.h"
#include "formats/scenario_yaml.h"
#include "gtest/gtest.h"
#include "model/sha256.h"
#include "model/strings.h"

namespace arbiter {
namespace {

namespace fs = std::filesystem;

std::string Output(int (*run)(std::FILE*), int& status) {
  std::FILE* out = std::tmpfile();
  status = run(out);
  std::rewind(out);
  std::string text;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), out)) > 0;) text.append(buf, n);
  std::fclose(out);
  return text;
}

TEST(LiveExamples, FleetValidatesWithItsBackendsAndTokens) {
  int status = 0;
  const std::string text = Output(
      [](std::FILE* out) { return RunValidate("examples/live/fleet.yaml", {}, out, stderr); },
      status);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(text,
            "examples/live/fleet.yaml: ok\n"
            "  2 providers, 2 regions, 2 pools (8 accelerators), 2 tenants, 5 contracts, 0 jobs\n"
            "  live: 2 pools on the local backend, 5 API tokens (simulations ignore both)\n");
  absl::StatusOr<Scenario> fleet = LoadScenario("examples/live/fleet.yaml");
  ASSERT_TRUE(fleet.ok()) << fleet.status();
  const LiveConfig& live = fleet->live;
  ASSERT_EQ(live.tokens.size(), 5u);
  const char* files[] = {"admin", "lab", "university", "primary", "rival"};
  for (size_t i = 0; i < 5; ++i) {
    std::string secret = testing::Slurp(StrCat("examples/live/tokens/", files[i], ".token"));
    ASSERT_FALSE(secret.empty()) << files[i];
    secret.pop_back();  // the newline
    EXPECT_EQ(live.tokens[i].sha256, Sha256(secret)) << files[i];
  }
  EXPECT_EQ(live.tokens[0].scope, TokenScope::kAdmin);
  EXPECT_EQ(live.tokens[1].name, "tenant lab");
  EXPECT_EQ(live.tokens[4].name, "provider rival");
  ASSERT_EQ(live.backends.size(), 2u);
  EXPECT_EQ(live.backends[1].local.devices, (std::vector<std::vector<int32_t>>{{4, 5}, {6, 7}}));
}

TEST(LiveExamples, JobsParseAndFitTheFleet) {
  absl::StatusOr<Scenario> fleet = LoadScenario("examples/live/fleet.yaml");
  ASSERT_TRUE(fleet.ok()) << fleet.status();
  for (const char* file : {"examples/live/hello.job.yaml", "examples/live/gang.job.yaml"}) {
    absl::StatusOr<JobSpec> spec = LoadJobSpec(file);
    ASSERT_TRUE(spec.ok()) << spec.status();
    EXPECT_EQ(spec->tenant, "") << file;  // the submitter's
    spec->tenant = "lab";
    absl::StatusOr<Job> job = ToJob(*spec, fleet->fleet, {0, 0});
    ASSERT_TRUE(job.ok()) << job.status();
    // Every pool of the fleet has room for it.
    for (const Pool& pool : fleet->fleet.pools) {
      EXPECT_LE(job->AcceleratorsPerNode(), pool.accelerators_per_node) << file;
      EXPECT_LE(job->accelerators, pool.capacity()) << file;
    }
  }
  absl::StatusOr<JobSpec> gang = LoadJobSpec("examples/live/gang.job.yaml");
  ASSERT_TRUE(gang.ok());
  EXPECT_EQ(gang->num_nodes, 2);
  EXPECT_EQ(gang->checkpoint_interval, 5);
  EXPECT_EQ(gang->max_restarts, 2);
}

TEST(LiveExamples, SimulateAcceptsTheFleetWithWorkloads) {
  const fs::path dir = fs::path(::testing::TempDir()) / "arbiter-live-examples";
  fs::remove_all(dir);
  SimulateArgs args;
  args.scenario = "examples/live/fleet.yaml";
  args.out = dir.string();
  args.quiet = true;
  args.overrides = {
      "workloads=[{name: demo, tenant: lab, format: profile, types: {any: H100}, "
      "accelerators_per_node: 2, profile: {jobs_per_hour: 6, until: 1d, gangs: {1: 0.5, 4: 0.5}, "
      "runtime: {median: 30m, sigma: 1.0}}}]"};
  ASSERT_EQ(RunSimulate(args, stdout, stderr), 0);
  EXPECT_TRUE(fs::exists(dir / "summary.json"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace arbiter
