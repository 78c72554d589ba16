// The Slurm example (examples/slurm): the fleet validates with its Slurm backends and tokens, the
// live example jobs fit it, and `arbiter simulate` accepts the same fleet with workloads added
// (a simulation ignores backends). Running it on real clusters: tests/slurm.
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

TEST(SlurmExamples, FleetValidatesWithItsSlurmPoolsAndTokens) {
  std::FILE* out = std::tmpfile();
  ASSERT_EQ(RunValidate("examples/slurm/fleet.yaml", {}, out, stderr), 0);
  std::rewind(out);
  std::string text;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), out)) > 0;) text.append(buf, n);
  std::fclose(out);
  EXPECT_EQ(text,
            "examples/slurm/fleet.yaml: ok\n"
            "  2 providers, 2 regions, 2 pools (32 accelerators), 1 tenants, 2 contracts, 0 jobs\n"
            "  live: 0 pools on the local backend, 2 on Slurm, 4 API tokens (simulations ignore "
            "both)\n");
  absl::StatusOr<Scenario> fleet = LoadScenario("examples/slurm/fleet.yaml");
  ASSERT_TRUE(fleet.ok()) << fleet.status();
  const LiveConfig& live = fleet->live;
  ASSERT_EQ(live.backends.size(), 2u);
  const char* clusters[] = {"primary", "rival"};
  for (size_t i = 0; i < 2; ++i) {
    const SlurmBackendSettings& slurm = live.backends[i].slurm;
    EXPECT_EQ(live.backends[i].kind, "slurm");
    // Where scripts/local-slurm.sh puts the clusters by default.
    EXPECT_EQ(fs::weakly_canonical(slurm.conf),
              fs::weakly_canonical(StrCat("build/slurm/", clusters[i], "/slurm.conf")));
    EXPECT_EQ(slurm.job_prefix, StrCat("arbiter-", clusters[i]));
    EXPECT_EQ(slurm.lost_after, 120);
    EXPECT_EQ(slurm.start_timeout, 120);
  }
  ASSERT_EQ(live.tokens.size(), 4u);
  const char* files[] = {"admin", "lab", "primary", "rival"};
  for (size_t i = 0; i < 4; ++i) {
    std::string secret = testing::Slurp(StrCat("examples/slurm/tokens/", files[i], ".token"));
    ASSERT_FALSE(secret.empty()) << files[i];
    secret.pop_back();  // the newline
    EXPECT_EQ(live.tokens[i].sha256, Sha256(secret)) << files[i];
  }
  // The live example jobs fit every pool (the README runs gang.job.yaml on it).
  for (const char* file : {"examples/live/hello.job.yaml", "examples/live/gang.job.yaml"}) {
    absl::StatusOr<JobSpec> spec = LoadJobSpec(file);
    ASSERT_TRUE(spec.ok()) << spec.status();
    spec->tenant = "lab";
    absl::StatusOr<Job> job = ToJob(*spec, fleet->fleet, {0, 0});
    ASSERT_TRUE(job.ok()) << job.status();
    for (const Pool& pool : fleet->fleet.pools) {
      EXPECT_LE(job->AcceleratorsPerNode(), pool.accelerators_per_node) << file;
      EXPECT_LE(job->accelerators, pool.capacity()) << file;
    }
  }
}

TEST(SlurmExamples, SimulateAcceptsTheFleetWithWorkloads) {
  const fs::path dir = fs::path(::testing::TempDir()) / "arbiter-slurm-examples";
  fs::remove_all(dir);
  SimulateArgs args;
  args.scenario = "examples/slurm/fleet.yaml";
  args.out = dir.string();
  args.quiet = true;
  args.overrides = {
      "workloads=[{name: demo, tenant: lab, format: profile, types: {any: H100}, "
      "accelerators_per_node: 4, profile: {jobs_per_hour: 6, until: 1d, gangs: {4: 0.5, 8: 0.5}, "
      "runtime: {median: 30m, sigma: 1.0}}}]"};
  ASSERT_EQ(RunSimulate(args, stdout, stderr), 0);
  EXPECT_TRUE(fs::exists(dir / "summary.json"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace arbiter
