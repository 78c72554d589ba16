#include "cli/commands.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <set>

#include "core/admission.h"
#include "core/recovery.h"
#include "formats/results.h"
#include "formats/scenario_yaml.h"
#include "market/agent.h"
#include "market/holdings.h"
#include "model/strings.h"
#include "report/html_report.h"
#include "report/progress.h"
#include "report/table.h"
#include "sched/registry.h"
#include "sim/metrics.h"
#include "sim/simulator.h"

namespace arbiter {
namespace {

int Fail(std::FILE* err, const absl::Status& status, int code) {
  std::fprintf(err, "arbiter: %s\n", std::string(status.message()).c_str());
  return code;
}

// Warns about what a simulation would reject: accelerator types the jobs accept that no pool has,
// and the jobs the core's admission rule refuses, counted by reason with an example each.
absl::Status WarnUnrunnable(Scenario scenario, std::FILE* out) {
  if (absl::Status s = ExpandHoldings(scenario); !s.ok()) return s;
  const Fleet& fleet = scenario.fleet;
  std::vector<int64_t> accepting(fleet.accelerator_types.size(), 0);
  std::vector<bool> pooled(fleet.accelerator_types.size(), false);
  for (const Pool& pool : fleet.pools) pooled[pool.type.index()] = true;
  for (const Job& job : scenario.jobs) {
    for (const Throughput& t : job.throughputs) ++accepting[t.type.index()];
  }
  for (size_t t = 0; t < pooled.size(); ++t) {
    if (pooled[t] || accepting[t] == 0) continue;
    std::fprintf(out, "  warning: no pool has accelerator type %s, which %lld jobs accept\n",
                 fleet.accelerator_types[t].name.c_str(), static_cast<long long>(accepting[t]));
  }
  const std::vector<Unrunnable> unrunnable = UnrunnableJobs(scenario);
  if (unrunnable.empty()) return absl::OkStatus();
  std::fprintf(out, "  warning: %zu jobs can never run and will be rejected:\n", unrunnable.size());
  for (int r = 0; r < kRejectReasons; ++r) {
    int64_t count = 0;
    const Unrunnable* example = nullptr;
    for (const Unrunnable& u : unrunnable) {
      if (static_cast<int>(u.why.reason) != r) continue;
      if (count++ == 0) example = &u;
    }
    if (count == 0) continue;
    std::fprintf(out, "    %s: %lld (e.g. job %s: %s)\n",
                 std::string(RejectReasonName(static_cast<RejectReason>(r))).c_str(),
                 static_cast<long long>(count), scenario.jobs[example->job].name.c_str(),
                 example->why.sentence.c_str());
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckOptionName(std::string_view option, std::string_view what,
                             const std::string& name, const std::vector<std::string>& known) {
  if (name.empty() || std::find(known.begin(), known.end(), name) != known.end()) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      StrCat(option, ": unknown ", what, " '", name, "'; expected one of ", StrJoin(known, ", ")));
}

ScenarioLoadOptions CommandLoadOptions(std::vector<std::string> overrides, uint64_t seed) {
  ScenarioLoadOptions options;
  options.overrides = std::move(overrides);
  options.seed = seed;
  for (const PolicyInfo& p : ListPolicies()) options.known.policies.push_back(p.name);
  for (const AgentInfo& a : ListAgents()) options.known.agents.push_back(a.name);
  for (const RecoveryInfo& r : ListRecoveryPolicies()) options.known.recoveries.push_back(r.name);
  return options;
}

std::optional<uint64_t> ParseUnsignedArg(std::string_view text, uint64_t min, uint64_t max) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < min || value > max) {
    return std::nullopt;
  }
  return value;
}

int RunSimulate(const SimulateArgs& args, std::FILE* out, std::FILE* err) {
  if (args.launch_parallel < 0 || args.launch_parallel > 64) {
    return Fail(
        err,
        absl::InvalidArgumentError(StrCat("--launch-parallel: ", args.launch_parallel,
                                          " is out of range; expected an integer in [1, 64]")),
        2);
  }
  const KnownNames known = CommandLoadOptions({}, 0).known;
  if (absl::Status s = CheckOptionName("--policy", "policy", args.policy, known.policies);
      !s.ok()) {
    return Fail(err, s, 2);
  }
  if (absl::Status s =
          CheckOptionName("--recovery", "recovery policy", args.recovery, known.recoveries);
      !s.ok()) {
    return Fail(err, s, 2);
  }
  absl::StatusOr<Scenario> scenario =
      LoadScenario(args.scenario, CommandLoadOptions(args.overrides, args.seed));
  if (!scenario.ok()) return Fail(err, scenario.status(), 2);
  SimOptions options;
  options.policy = args.policy.empty() ? scenario->default_policy : args.policy;
  options.seed = args.seed;
  options.keep_audit = args.audit;
  options.recovery = args.recovery;
  options.launch_parallel = args.launch_parallel;
  if (!args.horizon.empty()) {
    absl::StatusOr<Duration> horizon = ParseDuration(args.horizon);
    if (!horizon.ok()) {
      return Fail(err,
                  absl::InvalidArgumentError(StrCat(
                      "--horizon: ", horizon.status().message(),
                      "; expected seconds or a number with s, m, h, d or w, at most 2^40 s")),
                  2);
    }
    // It replaces the scenario's horizon, earlier or later (a later one is not ignored).
    options.horizon = *horizon;
    scenario->horizon = *horizon;
  }
  ProgressBar bar(err);
  if (bar.active()) {
    options.progress = [&bar](const SimProgress& p) {
      bar.Update(
          p.finished, p.total_jobs,
          Format("%lld/%lld jobs done, day %.1f", static_cast<long long>(p.finished),
                 static_cast<long long>(p.total_jobs), static_cast<double>(p.now) / 86400.0));
    };
  }
  absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(*std::move(scenario), options);
  if (!sim.ok()) return Fail(err, sim.status(), 2);
  // The simulator's scenario: the loaded one plus the holding pools of its contracts.
  const Scenario& run = (*sim)->scenario();
  if (absl::Status s = (*sim)->Run(); !s.ok()) return Fail(err, s, 1);
  bar.Finish();
  if (!(*sim)->stop_reason().empty()) {
    std::fprintf(err, "arbiter: %s; the outputs hold the run up to then\n",
                 (*sim)->stop_reason().c_str());
  }
  const Broker& broker = (*sim)->broker();
  const RunSummary summary = Summarize(
      run, broker,
      {options.policy, options.seed, (*sim)->end_time(), (*sim)->events(), (*sim)->stop_reason()});
  const std::string dir = args.out.empty() ? DefaultOutputDir(run.name) : args.out;
  std::vector<OutputFile> files = {{"jobs.csv", JobsCsv(run, run.jobs, broker.outcomes())},
                                   {"summary.json", SummaryJson(run, summary)}};
  if (args.audit) {
    files.push_back({"market.jsonl", MarketJsonl(run, broker.audit(), broker.ledger().charges())});
  }
  if (!args.report.empty()) {
    // An absolute path, so that it is not taken relative to the output directory.
    files.push_back(
        {std::filesystem::absolute(args.report).string(),
         HtmlReport({run, summary, (*sim)->timeline(), broker.outcomes(), broker.audit()})});
  }
  absl::Status written = WriteOutputs(dir, files);
  if (!written.ok()) return Fail(err, written, 1);
  if (!args.quiet) {
    std::fputs(SummaryTable(run, summary).c_str(), out);
    std::fprintf(out, "\n  results in %s/ (jobs.csv, summary.json%s)\n", dir.c_str(),
                 args.audit ? ", market.jsonl" : "");
    if (!args.report.empty()) std::fprintf(out, "  report in %s\n", args.report.c_str());
  }
  return 0;
}

int RunValidate(const std::string& path, const std::vector<std::string>& overrides, std::FILE* out,
                std::FILE* err) {
  absl::StatusOr<Scenario> scenario = LoadScenario(path, CommandLoadOptions(overrides, 0));
  if (!scenario.ok()) return Fail(err, scenario.status(), 2);
  // Everything `simulate` checks before it simulates: building the simulator is that check.
  {
    SimOptions options;
    options.policy = scenario->default_policy;
    options.keep_audit = false;
    options.sample_interval = 0;
    absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(*scenario, options);
    if (!sim.ok()) {
      return Fail(err, absl::InvalidArgumentError(StrCat(path, ": ", sim.status().message())), 2);
    }
  }
  const Fleet& fleet = scenario->fleet;
  const Faults& faults = scenario->faults;
  int64_t accelerators = 0;
  for (const Pool& p : fleet.pools) accelerators += p.capacity();
  std::fprintf(out,
               "%s: ok\n  %zu providers, %zu regions, %zu pools (%lld accelerators), %zu tenants, "
               "%zu contracts, %zu jobs\n",
               path.c_str(), fleet.providers.size(), fleet.regions.size(), fleet.pools.size(),
               static_cast<long long>(accelerators), fleet.tenants.size(), fleet.contracts.size(),
               scenario->jobs.size());
  for (const std::string& note : scenario->load_notes) std::fprintf(out, "  %s\n", note.c_str());
  if (absl::Status s = WarnUnrunnable(*scenario, out); !s.ok()) {
    return Fail(err, absl::InvalidArgumentError(StrCat(path, ": ", s.message())), 2);
  }
  if (const LiveConfig& live = scenario->live; !live.backends.empty() || !live.tokens.empty()) {
    size_t local = 0;
    size_t slurm = 0;
    for (const PoolBackend& b : live.backends) {
      local += b.kind == "local" ? 1 : 0;
      slurm += b.kind == "slurm" ? 1 : 0;
    }
    const std::string on_slurm = slurm > 0 ? StrCat(", ", slurm, " on Slurm") : std::string();
    std::fprintf(out,
                 "  live: %zu pools on the local backend%s, %zu API tokens (simulations ignore "
                 "both)\n",
                 local, on_slurm.c_str(), live.tokens.size());
  }
  if (!faults.configured && !faults.spot.empty()) {
    std::set<PoolId> pools;
    for (const SpotPreemption& p : faults.spot) pools.insert(p.pool);
    std::fprintf(out, "  spot contracts: spot preemption on %zu pools\n", pools.size());
  }
  if (faults.configured) {
    std::fprintf(out,
                 "  faults: recovery %s; node failures on %zu pools, spot preemption on %zu, %zu "
                 "revocations, %zu outages\n",
                 faults.recovery.c_str(), faults.node_failures.size(), faults.spot.size(),
                 faults.revocations.size(), faults.outages.size());
    if (faults.launch.configured) {
      std::fprintf(
          out, "  launches: up after %s, failures seen after %s, timeout %s, %d pools at once\n",
          HumanDuration(static_cast<double>(faults.launch.latency)).c_str(),
          HumanDuration(static_cast<double>(faults.launch.failure_latency)).c_str(),
          faults.launch.timeout > 0
              ? HumanDuration(static_cast<double>(faults.launch.timeout)).c_str()
              : "none",
          faults.launch.parallel);
    }
  }
  return 0;
}

int RunPolicies(std::FILE* out) {
  for (const PolicyInfo& p : ListPolicies()) {
    std::fprintf(out, "  %-14s %s\n", p.name.c_str(), p.summary.c_str());
  }
  std::fputs("\nrecovery policies (--recovery):\n", out);
  for (const RecoveryInfo& p : ListRecoveryPolicies()) {
    std::fprintf(out, "  %-14s %s\n", p.name.c_str(), p.summary.c_str());
  }
  return 0;
}

}  // namespace arbiter
