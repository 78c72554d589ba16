// The arbiter subcommands, as functions so that tests can run them in-process. Each returns the
// process exit code: 0 success, 1 a failure while running, 2 bad input or usage.
#ifndef ARBITER_CLI_COMMANDS_H_
#define ARBITER_CLI_COMMANDS_H_

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "formats/scenario_yaml.h"

namespace arbiter {

struct SimulateArgs {
  std::string scenario;
  std::string policy;           // empty: the scenario's default
  std::string recovery;         // empty: the scenario's faults.recovery (default any-pool)
  int32_t launch_parallel = 0;  // 0: the scenario's faults.launch.parallel; else 1 to 64
  std::string out;              // empty: out/<scenario name>
  uint64_t seed = 0;
  std::vector<std::string> overrides;
  std::string horizon;  // empty: the scenario's
  bool quiet = false;   // no table on stdout
  std::string report;   // also write the HTML report to this file (empty: none)
  bool audit = true;    // write market.jsonl (every market step and charge)
};

int RunSimulate(const SimulateArgs& args, std::FILE* out, std::FILE* err);
// Loads the scenario (with its workloads) and runs every check `simulate` runs before it
// simulates: the loader's, located (file:line, or the --set that wrote the value), then building
// the simulator (holdings carved from their pools, the scheduling, agent and recovery policies);
// prints what was loaded. Simulates nothing.
int RunValidate(const std::string& scenario, const std::vector<std::string>& overrides,
                std::FILE* out, std::FILE* err);
int RunPolicies(std::FILE* out);

// Options for loading a scenario from the command line: the overrides, the seed, and the names of
// every registered scheduling, agent and recovery policy, so that the loader checks the names a
// scenario writes where it writes them.
ScenarioLoadOptions CommandLoadOptions(std::vector<std::string> overrides, uint64_t seed);

// `name` (empty: not given) is one of `known`, else an error naming the option, what it names
// (e.g. "policy") and the known names.
absl::Status CheckOptionName(std::string_view option, std::string_view what,
                             const std::string& name, const std::vector<std::string>& known);

// Parses a command-line count or seed: a whole number in [min, max] (no sign for unsigned),
// else nullopt.
std::optional<uint64_t> ParseUnsignedArg(std::string_view text, uint64_t min, uint64_t max);

}  // namespace arbiter

#endif  // ARBITER_CLI_COMMANDS_H_
