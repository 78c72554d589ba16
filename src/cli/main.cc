// The arbiter command line.
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

#include "CLI/CLI.hpp"
#include "cli/client.h"
#include "cli/commands.h"
#include "cli/compare.h"
#include "cli/sweep.h"
#include "serve/daemon.h"

int main(int argc, char** argv) {
  CLI::App app{
      "Arbiter: a broker and scheduler for AI-training compute across rival clouds.\n"
      "Simulates a fleet of providers, their contracts and a workload, and reports where each\n"
      "job ran, when, and what it cost; or runs jobs live (`arbiter serve` and its client\n"
      "commands). See README.md and docs/ for the file formats."};
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

  // The live daemon.
  arbiter::serve::ServeOptions serve;
  serve.listen = "127.0.0.1:8470";
  bool no_sync = false;
  CLI::App* serve_cmd = app.add_subcommand(
      "serve", "Run the broker live: the daemon with its HTTP API (docs/live.md)");
  serve_cmd->add_option("--config", serve.config, "Fleet file (YAML; docs/scenario.md)")
      ->required();
  serve_cmd->add_option("--state", serve.state_dir, "State directory (created if missing)")
      ->required();
  serve_cmd->add_option("--listen", serve.listen,
                        "HOST:PORT to serve the API on (port 0: one the OS chooses; the address "
                        "is written to STATE/address)");
  serve_cmd->add_option("--policy", serve.policy, "Scheduling policy (default: the fleet file's)");
  serve_cmd->add_flag("--no-sync", no_sync,
                      "Do not fsync each commit: events survive a crash of the daemon but maybe "
                      "not of the machine");

  // Clients of the daemon.
  arbiter::ClientArgs client;
  const auto client_options = [&client](CLI::App* cmd) {
    cmd->add_option("--server", client.server,
                    "The daemon's URL (default: $ARBITER_SERVER, the config file, "
                    "http://127.0.0.1:8470)");
    cmd->add_option("--token", client.token, "API token (default: $ARBITER_TOKEN)");
    cmd->add_option("--token-file", client.token_file, "File holding the API token");
    cmd->add_flag("--json", client.json, "Print the API's JSON instead of a table");
  };
  std::string job_file;
  std::string idempotency_key;
  CLI::App* submit_cmd = app.add_subcommand("submit", "Submit a job file to the daemon");
  submit_cmd->add_option("job", job_file, "Job file (YAML; docs/jobs.md)")->required();
  submit_cmd->add_option("--idempotency-key", idempotency_key,
                         "Submitting again with the same key returns the first job");
  client_options(submit_cmd);
  int64_t job_id = -1;
  CLI::App* status_cmd =
      app.add_subcommand("status", "Show one job and its history, or list every job");
  status_cmd->add_option("job", job_id, "Job id (default: list every job)");
  client_options(status_cmd);
  CLI::App* queue_cmd = app.add_subcommand("queue", "List the jobs waiting or being launched");
  client_options(queue_cmd);
  int32_t log_node = 0;
  int64_t log_attempt = 0;
  bool follow = false;
  CLI::App* logs_cmd = app.add_subcommand("logs", "Print a job's log");
  logs_cmd->add_option("job", job_id, "Job id")->required();
  logs_cmd->add_option("--node", log_node, "Node rank (default 0)");
  logs_cmd->add_option("--attempt", log_attempt, "Launch attempt (default: the latest run)");
  logs_cmd->add_flag("--follow,-f", follow, "Keep printing what is appended until the job ends");
  client_options(logs_cmd);
  CLI::App* cancel_cmd = app.add_subcommand("cancel", "Cancel a job (its processes are stopped)");
  cancel_cmd->add_option("job", job_id, "Job id")->required();
  client_options(cancel_cmd);
  std::string cost_tenant;
  CLI::App* cost_cmd = app.add_subcommand("cost", "Costs from the ledger (a provider: revenue)");
  cost_cmd->add_option("--tenant", cost_tenant, "Only this tenant (admin tokens)");
  client_options(cost_cmd);
  CLI::App* pools_cmd = app.add_subcommand("pools", "Pools with their capacity and use");
  client_options(pools_cmd);

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
  if (*serve_cmd) {
    serve.sync = !no_sync;
    return arbiter::serve::RunServe(serve, stdout, stderr);
  }
  if (*submit_cmd) return arbiter::ClientSubmit(client, job_file, idempotency_key, stdout, stderr);
  if (*status_cmd) {
    return arbiter::ClientStatus(
        client, job_id >= 0 ? std::optional<int64_t>(job_id) : std::nullopt, stdout, stderr);
  }
  if (*queue_cmd) return arbiter::ClientQueue(client, stdout, stderr);
  if (*logs_cmd) {
    return arbiter::ClientLogs(client, job_id, log_node, log_attempt, follow, stdout, stderr);
  }
  if (*cancel_cmd) return arbiter::ClientCancel(client, job_id, stdout, stderr);
  if (*cost_cmd) return arbiter::ClientCost(client, cost_tenant, stdout, stderr);
  if (*pools_cmd) return arbiter::ClientPools(client, stdout, stderr);
  return 2;
}
