// The arbiter subcommands, as functions so that tests can run them in-process. Each returns the
// process exit code: 0 success, 1 a failure while running, 2 bad input or usage.
#ifndef ARBITER_CLI_COMMANDS_H_
#define ARBITER_CLI_COMMANDS_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace arbiter {

struct SimulateArgs {
  std::string scenario;
  std::string policy;           // empty: the scenario's default
  std::string recovery;         // empty: the scenario's faults.recovery (default any-pool)
  int32_t launch_parallel = 0;  // 0: the scenario's faults.launch.parallel
  std::string out;              // empty: out/<scenario name>
  uint64_t seed = 0;
  std::vector<std::string> overrides;
  std::string horizon;  // empty: the scenario's
  bool quiet = false;   // no table on stdout
  std::string report;   // also write the HTML report to this file (empty: none)
  bool audit = true;    // write market.jsonl (every market step and charge)
};

int RunSimulate(const SimulateArgs& args, std::FILE* out, std::FILE* err);
int RunValidate(const std::string& scenario, const std::vector<std::string>& overrides,
                std::FILE* out, std::FILE* err);
int RunPolicies(std::FILE* out);

}  // namespace arbiter

#endif  // ARBITER_CLI_COMMANDS_H_
