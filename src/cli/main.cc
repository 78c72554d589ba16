// The arbiter command line.
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

#include "CLI/CLI.hpp"
#include "cli/commands.h"
#include "cli/compare.h"
#include "cli/sweep.h"

int main(int argc, char** argv) {
  CLI::App app{
      "Arbiter: a broker and scheduler for AI-training compute across rival clouds.\n"
      "Simulates a fleet of providers, their contracts and a workload, and reports where each\n"
      "job ran, when, and what it cost. See README.md and docs/ for the file formats."};
  app.require_subcommand(1);

  arbiter::SimulateArgs sim;
  CLI::App* simulate = app.add_subcommand("simulate", "Simulate a scenario and write its results");
  simulate->add_option("scenario", sim.scenario, "Scenario YAML file")->required();
  simulate->add_option("--policy", sim.policy, "Scheduling policy (see `arbiter policies`)");
  simulate->add_option("--recovery", sim.recovery,
                       "Where killed jobs restart: any-pool, same-pool, other-provider, on-demand "
                       "(default: the scenario's faults.recovery, else any-pool)");
  std::string launch_parallel;
  simulate->add_option("--launch-parallel", launch_parallel,
                       "Pools a start is launched on at once (default: the scenario's "
                       "faults.launch.parallel; needs faults.launch)");
  simulate->add_option("--out", sim.out, "Output directory (default: out/<scenario name>)");
  std::string sim_seed;
  simulate->add_option("--seed", sim_seed, "Random seed, 0 to 2^64-1 (default 0)");
  simulate
      ->add_option("--set", sim.overrides,
                   "Override a scenario field: KEY=VALUE, e.g. workloads[0].limit=100")
      ->take_all();
  simulate->add_option("--horizon", sim.horizon, "Stop the simulation at this time, e.g. 30d");
  simulate->add_flag("--quiet", sim.quiet, "Do not print the summary table");
  bool no_audit = false;
  simulate->add_flag("--no-audit", no_audit,
                     "Do not keep or write market.jsonl (for very large runs; counts are kept)");
  simulate->add_option("--report", sim.report,
                       "Also write a self-contained HTML report with plots to this file");

  std::string validate_path;
  std::vector<std::string> validate_overrides;
  CLI::App* validate =
      app.add_subcommand("validate", "Check a scenario and its workloads without simulating");
  validate->add_option("scenario", validate_path, "Scenario YAML file")->required();
  validate->add_option("--set", validate_overrides, "Override a scenario field: KEY=VALUE")
      ->take_all();

  CLI::App* policies = app.add_subcommand("policies", "List the scheduling policies");

  arbiter::SweepArgs sweep;
  CLI::App* sweep_cmd = app.add_subcommand(
      "sweep", "Simulate a scenario over a grid of overrides; one row per point, also as CSV");
  sweep_cmd->add_option("scenario", sweep.scenario, "Scenario YAML file")->required();
  sweep_cmd
      ->add_option("--grid", sweep.grid,
                   "An axis KEY=v1,v2,...; repeat for more axes (the grid is their product)")
      ->take_all()
      ->required();
  sweep_cmd->add_option("--set", sweep.overrides, "Override applied to every point: KEY=VALUE")
      ->take_all();
  sweep_cmd->add_option("--policy", sweep.policy, "Scheduling policy");
  std::string sweep_seed;
  sweep_cmd->add_option("--seed", sweep_seed, "Random seed, 0 to 2^64-1 (default 0)");
  sweep_cmd->add_option("--out", sweep.out, "Directory for sweep.csv (default out/<name>-sweep)");
  sweep_cmd->add_flag("--quiet", sweep.quiet, "Do not print the table");
  sweep_cmd->add_option("--report", sweep.report,
                        "Also write a self-contained HTML report plotting the grid to this file");

  arbiter::CompareArgs compare;
  CLI::App* compare_cmd = app.add_subcommand(
      "compare", "Run several policies on one scenario; one row per policy, with lower bounds");
  compare_cmd->add_option("scenario", compare.scenario, "Scenario YAML file")->required();
  compare_cmd->add_option("--policies", compare.policies,
                          "Policies to run, NAME,NAME,... (default: every registered policy)");
  compare_cmd->add_option("--set", compare.overrides, "Override a scenario field: KEY=VALUE")
      ->take_all();
  std::string compare_seed;
  compare_cmd->add_option("--seed", compare_seed, "Random seed, 0 to 2^64-1 (default 0)");
  compare_cmd->add_option("--out", compare.out,
                          "Directory for compare.csv (default out/<name>-compare)");
  compare_cmd->add_flag("--quiet", compare.quiet, "Do not print the table");
  compare_cmd->add_option("--report", compare.report,
                          "Also write a self-contained HTML report comparing the policies");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  // Numbers are read here, strictly, so that "--seed -1" or "--launch-parallel 0" is an error
  // rather than a wrapped or ignored value.
  const auto seed = [](const std::string& text, uint64_t* out) {
    if (text.empty()) return true;
    const std::optional<uint64_t> v =
        arbiter::ParseUnsignedArg(text, 0, std::numeric_limits<uint64_t>::max());
    if (!v) {
      std::fprintf(stderr,
                   "arbiter: --seed: '%s' is not a seed; expected an integer in [0, 2^64-1]\n",
                   text.c_str());
      return false;
    }
    *out = *v;
    return true;
  };
  if (!seed(sim_seed, &sim.seed) || !seed(sweep_seed, &sweep.seed) ||
      !seed(compare_seed, &compare.seed)) {
    return 2;
  }
  if (!launch_parallel.empty()) {
    const std::optional<uint64_t> v = arbiter::ParseUnsignedArg(launch_parallel, 1, 64);
    if (!v) {
      std::fprintf(stderr,
                   "arbiter: --launch-parallel: '%s' is not a count of pools; expected an integer "
                   "in [1, 64]\n",
                   launch_parallel.c_str());
      return 2;
    }
    sim.launch_parallel = static_cast<int32_t>(*v);
  }
  if (*simulate) {
    sim.audit = !no_audit;
    return arbiter::RunSimulate(sim, stdout, stderr);
  }
  if (*validate) return arbiter::RunValidate(validate_path, validate_overrides, stdout, stderr);
  if (*policies) return arbiter::RunPolicies(stdout);
  if (*sweep_cmd) return arbiter::RunSweep(sweep, stdout, stderr);
  if (*compare_cmd) return arbiter::RunCompare(compare, stdout, stderr);
  return 2;
}
