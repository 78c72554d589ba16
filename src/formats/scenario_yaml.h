// The scenario file: YAML that describes providers, regions, pools, prices, tenants, contracts and
// workload sources (docs/scenario.md documents every key). Loading resolves names to ids, reads
// every workload into jobs and validates the result; any mistake is an error naming the file,
// line and key path (e.g. "frontier-lab.yaml:42: providers[1].regions[0].pools[0].nodes: ...").
#ifndef ARBITER_FORMATS_SCENARIO_YAML_H_
#define ARBITER_FORMATS_SCENARIO_YAML_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "formats/profile.h"
#include "model/scenario.h"

namespace arbiter {

// Names registered outside formats/ (policies, agents, recovery policies), which the loader checks
// where the scenario writes them. An empty list is not checked here (the simulator still refuses
// an unknown name when it is built, without the file and line).
struct KnownNames {
  std::vector<std::string> policies;    // scheduling policies (sched/registry.h)
  std::vector<std::string> agents;      // provider agent policies (market/agent.h)
  std::vector<std::string> recoveries;  // recovery policies (core/recovery.h)
};

struct ScenarioLoadOptions {
  // "key.path=value" overrides applied to the YAML before it is read, e.g.
  // "providers[0].regions[0].pools[0].nodes=64" or "workloads[0].limit=100". Errors in what an
  // override wrote name the override; an override replaced by a later one is an error.
  std::vector<std::string> overrides;
  // Seeds the workloads that are generated (format: profile); traces do not use it.
  uint64_t seed = 0;
  KnownNames known;
  // The most jobs all the scenario's profiles may generate together (formats/profile.h).
  int64_t max_generated_jobs = kMaxGeneratedJobs;
};

// Loads a scenario file. Relative paths inside it are relative to the file's directory.
absl::StatusOr<Scenario> LoadScenario(const std::string& path,
                                      const ScenarioLoadOptions& options = {});

// Loads a scenario from YAML text; `file` names it in errors and anchors relative paths.
absl::StatusOr<Scenario> ParseScenario(std::string_view file, std::string_view yaml,
                                       const ScenarioLoadOptions& options = {});

// Parses "90", "90s", "15m", "2h", "30d" or "1w" into seconds, at most kMaxTime (2^40 s):
// InvalidArgument for what is not a duration, OutOfRange for one that is too long.
absl::StatusOr<Duration> ParseDuration(std::string_view text);

}  // namespace arbiter

#endif  // ARBITER_FORMATS_SCENARIO_YAML_H_
