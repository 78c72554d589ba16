// Helpers of the end-to-end tests that run Arbiter's subcommands on files.
#ifndef ARBITER_TESTS_CLI_CASE_H_
#define ARBITER_TESTS_CLI_CASE_H_

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace arbiter::testing {

// The whole file, bytes as they are.
inline std::string Slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fresh directory `dir` under the test's temporary directory with a scenario `s.yaml` named
// `name` (one pool of 1 node x 8 H100 at $4/h on demand; tenant "lab" with an on-demand contract
// at no discount; workload "jobs" from jobs.csv) and its `jobs.csv`. Returns the directory.
inline std::filesystem::path WriteTinyScenario(const std::string& dir, std::string_view name,
                                               std::string_view jobs_csv) {
  const std::filesystem::path path =
      std::filesystem::absolute(std::filesystem::path(::testing::TempDir()) / dir);
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  std::ofstream(path / "s.yaml") << "name: " << name << R"(
accelerator_types: [H100]
providers:
  - name: p
    regions:
      - name: r
        pools:
          - {type: H100, nodes: 1, accelerators_per_node: 8, price: {on_demand: 4}}
tenants:
  - {name: lab}
contracts:
  - {tenant: lab, provider: p, kind: on_demand, discount: 0}
workloads:
  - {name: jobs, tenant: lab, format: csv, path: jobs.csv}
)";
  std::ofstream(path / "jobs.csv") << jobs_csv;
  return path;
}

}  // namespace arbiter::testing

#endif  // ARBITER_TESTS_CLI_CASE_H_
