// End-to-end simulator benchmark: generates a trace-shaped scenario (bench/generator.h), runs it
// as `arbiter simulate` does (Simulator::Create, Run, Summarize), and reports wall time, jobs/s,
// events/s and peak memory for each repetition and as medians with their spread.
//
// Output: one JSON line on stdout (machine-readable) and a one-line human summary on stderr,
// after one progress line per repetition on stderr. Run it pinned to one core:
//   taskset -c 0 build/bench/bench/sim_bench --jobs 1000000 --policy fifo --repeat 3
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "bench/generator.h"
#include "model/strings.h"
#include "nlohmann/json.hpp"
#include "sim/metrics.h"
#include "sim/simulator.h"

#ifndef ARBITER_SOURCE_DIR
#define ARBITER_SOURCE_DIR "."
#endif
#ifndef ARBITER_BUILD_TYPE
#define ARBITER_BUILD_TYPE "unknown"
#endif
#ifndef ARBITER_CXX_FLAGS
#define ARBITER_CXX_FLAGS ""
#endif

namespace arbiter::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int64_t PeakRssKib() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;  // KiB on Linux
}

int64_t CurrentRssKib() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0;
  int64_t resident = 0;
  statm >> size >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

struct Repetition {
  double generate_s = 0;
  double create_s = 0;
  double run_s = 0;
  double summarize_s = 0;
  double total_s = 0;  // create + run + summarize: what `arbiter simulate` spends simulating
  double run_cpu_s = 0;
  int64_t events = 0;
  Time end = 0;
  Micros total_cost = 0;
  uint64_t fingerprint = 0;
  int64_t rss_after_generate_kib = 0;
  int64_t peak_rss_kib = 0;
  double jobs_per_s() const { return total_s > 0 ? jobs / total_s : 0; }
  double events_per_s() const { return run_s > 0 ? static_cast<double>(events) / run_s : 0; }
  double jobs = 0;
};

struct Spread {
  double median = 0;
  double min = 0;
  double max = 0;
};

template <typename F>
Spread SpreadOf(const std::vector<Repetition>& reps, F field) {
  std::vector<double> v;
  v.reserve(reps.size());
  for (const Repetition& r : reps) v.push_back(field(r));
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  const double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return {median, v.front(), v.back()};
}

nlohmann::json ToJson(const Spread& s) {
  return {{"median", s.median}, {"min", s.min}, {"max", s.max}};
}

// The most jobs running at once (first start to end; a job started twice counts from its first
// start), which is about the size of the simulator's event heap.
int64_t PeakRunning(const Broker& broker) {
  std::vector<std::pair<Time, int>> edges;
  for (const JobOutcome& o : broker.outcomes()) {
    if (o.first_start == kNever) continue;
    edges.push_back({o.first_start, +1});
    if (o.end != kNever) edges.push_back({o.end, -1});
  }
  std::sort(edges.begin(), edges.end());  // at one instant, ends (-1) before starts
  int64_t now = 0;
  int64_t peak = 0;
  for (const auto& [t, d] : edges) peak = std::max(peak, now += d);
  return peak;
}

// FNV-1a over every job's outcome (state, pool, first start, end, cost): equal fingerprints mean
// the same placements, so a change that should only make the core faster can be checked with it.
uint64_t Fingerprint(const Broker& broker) {
  uint64_t h = 1469598103934665603ULL;
  const auto mix = [&h](int64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= static_cast<uint64_t>(v >> (8 * i)) & 0xff;
      h *= 1099511628211ULL;
    }
  };
  for (const JobOutcome& o : broker.outcomes()) {
    mix(static_cast<int64_t>(o.state));
    mix(o.pool.value());
    mix(o.first_start);
    mix(o.end);
    mix(o.cost);
  }
  return h;
}

// Busy accelerator-seconds inside [0, span] over the fleet's nominal capacity in that window.
double UtilisationUntil(const Broker& broker, int64_t accelerators, Time span) {
  if (span <= 0 || accelerators <= 0) return 0;
  double busy = 0;
  for (const Charge& c : broker.ledger().charges()) {
    const Time end = std::min(c.end, span);
    if (end > c.start)
      busy += static_cast<double>(c.accelerators) * static_cast<double>(end - c.start);
  }
  return busy / (static_cast<double>(accelerators) * static_cast<double>(span));
}

int Main(int argc, char** argv) {
  CLI::App app{"Arbiter end-to-end simulator benchmark (see bench/README.md)"};
  GeneratorOptions gen;
  std::string policy = "fifo";
  int repeat = 3;
  std::string data_dir = StrCat(ARBITER_SOURCE_DIR, "/data");
  app.add_option("--jobs", gen.jobs, "Jobs to generate")->capture_default_str();
  app.add_option("--providers", gen.providers, "Providers")->capture_default_str();
  app.add_option("--pools-per-provider", gen.pools_per_provider, "Pools per provider")
      ->capture_default_str();
  app.add_option("--policy", policy, "Scheduling policy")->capture_default_str();
  app.add_option("--seed", gen.seed, "Generator and simulator seed")->capture_default_str();
  app.add_option("--repeat", repeat, "Repetitions")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--load", gen.load, "Offered load as a fraction of capacity")
      ->capture_default_str();
  app.add_option("--llm-share", gen.llm_share, "Share of jobs that are LLM-scale gangs")
      ->capture_default_str();
  app.add_option("--tenants", gen.tenants, "Tenants of Gavel jobs")->capture_default_str();
  app.add_option("--accelerators", gen.accelerators,
                 "Fleet size to aim for (0: jobs / 20, at least 64 per pool)")
      ->capture_default_str();
  app.add_option("--outages-per-pool-day", gen.outages_per_pool_day,
                 "Node outages per pool per day (capacity changes)")
      ->capture_default_str();
  app.add_option("--node-mtbf-days", gen.node_mtbf_days,
                 "Node failures: mean days between failures per node (0: none)")
      ->capture_default_str();
  app.add_option("--launch-latency", gen.launch_latency,
                 "Launches take this many seconds to come up or fail (0: at once)")
      ->capture_default_str();
  app.add_option("--launch-parallel", gen.launch_parallel,
                 "Pools of one provider each start is launched on at once (with --launch-latency)")
      ->capture_default_str();
  app.add_option("--data", data_dir, "The repository's data/ directory")->capture_default_str();
  bool audit = false;
  app.add_flag("--audit", audit,
               "Keep every market record, as `arbiter simulate` does for market.jsonl (default: "
               "counts only, as `arbiter simulate --no-audit`)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  const Clock::time_point load_start = Clock::now();
  absl::StatusOr<TraceModel> model = TraceModel::Load(data_dir);
  if (!model.ok()) {
    std::fprintf(stderr, "sim_bench: %s\n", std::string(model.status().message()).c_str());
    return 2;
  }
  const double load_s = Seconds(load_start, Clock::now());

  std::vector<Repetition> reps;
  GeneratorReport report;
  RunSummary summary;
  int64_t peak_running = 0;
  double utilisation_in_span = 0;
  bool deterministic = true;
  for (int r = 0; r < repeat; ++r) {
    Repetition rep;
    rep.jobs = static_cast<double>(gen.jobs);
    const Clock::time_point t0 = Clock::now();
    absl::StatusOr<Scenario> scenario = GenerateScenario(*model, gen, &report);
    const Clock::time_point t1 = Clock::now();
    if (!scenario.ok()) {
      std::fprintf(stderr, "sim_bench: %s\n", std::string(scenario.status().message()).c_str());
      return 2;
    }
    rep.generate_s = Seconds(t0, t1);
    rep.rss_after_generate_kib = CurrentRssKib();

    SimOptions options;
    options.policy = policy;
    options.seed = gen.seed;
    options.keep_audit = audit;
    const Clock::time_point c0 = Clock::now();
    // Handed over as the CLI does (Create takes the scenario by value since 5cab7d6; where it takes
    // a reference the move is a no-op). Read it back through sim->scenario() from here on.
    absl::StatusOr<std::unique_ptr<Simulator>> sim =
        Simulator::Create(*std::move(scenario), options);
    const Clock::time_point c1 = Clock::now();
    if (!sim.ok()) {
      std::fprintf(stderr, "sim_bench: %s\n", std::string(sim.status().message()).c_str());
      return 2;
    }
    const double cpu1 = CpuSeconds();
    if (absl::Status s = (*sim)->Run(); !s.ok()) {
      std::fprintf(stderr, "sim_bench: %s\n", std::string(s.message()).c_str());
      return 1;
    }
    const Clock::time_point c2 = Clock::now();
    rep.run_cpu_s = CpuSeconds() - cpu1;
    summary = Summarize((*sim)->scenario(), (*sim)->broker(),
                        {options.policy, options.seed, (*sim)->end_time(), (*sim)->events()});
    const Clock::time_point c3 = Clock::now();
    rep.create_s = Seconds(c0, c1);
    rep.run_s = Seconds(c1, c2);
    rep.summarize_s = Seconds(c2, c3);
    rep.total_s = Seconds(c0, c3);
    rep.events = (*sim)->events();
    rep.end = (*sim)->end_time();
    rep.total_cost = summary.total_cost;
    rep.fingerprint = Fingerprint((*sim)->broker());
    rep.peak_rss_kib = PeakRssKib();
    if (r == 0) {
      peak_running = PeakRunning((*sim)->broker());
      utilisation_in_span =
          UtilisationUntil((*sim)->broker(), report.accelerators, report.arrival_span);
    }
    if (!reps.empty() &&
        (rep.events != reps[0].events || rep.end != reps[0].end ||
         rep.total_cost != reps[0].total_cost || rep.fingerprint != reps[0].fingerprint)) {
      deterministic = false;
    }
    std::fprintf(stderr,
                 "  rep %d: generate %.3f s, simulate %.3f s (create %.3f, run %.3f, summarize "
                 "%.3f), %lld events, %.0f events/s, peak RSS %.0f MiB\n",
                 r + 1, rep.generate_s, rep.total_s, rep.create_s, rep.run_s, rep.summarize_s,
                 static_cast<long long>(rep.events), rep.events_per_s(),
                 static_cast<double>(rep.peak_rss_kib) / 1024.0);
    reps.push_back(rep);
  }

  const Spread total = SpreadOf(reps, [](const Repetition& r) { return r.total_s; });
  const Spread run = SpreadOf(reps, [](const Repetition& r) { return r.run_s; });
  const Spread generate = SpreadOf(reps, [](const Repetition& r) { return r.generate_s; });
  const Spread jobs_per_s = SpreadOf(reps, [](const Repetition& r) { return r.jobs_per_s(); });
  const Spread events_per_s = SpreadOf(reps, [](const Repetition& r) { return r.events_per_s(); });
  const Spread run_cpu = SpreadOf(reps, [](const Repetition& r) { return r.run_cpu_s; });
  const int64_t peak_rss = PeakRssKib();

  int64_t capacity = 0;
  int64_t busy = 0;
  for (const PoolUsage& p : summary.pools) {
    capacity += p.capacity_accelerator_seconds;
    busy += p.busy_accelerator_seconds;
  }
  const bool target_config = gen.jobs >= 1'000'000 && gen.providers * gen.pools_per_provider >= 50;
  const bool time_met = total.median <= 10.0;
  const bool memory_met = peak_rss <= 2LL * 1024 * 1024;
#ifdef NDEBUG
  const bool ndebug = true;
#else
  const bool ndebug = false;
#endif

  nlohmann::json out;
  out["benchmark"] = "sim_bench";
  out["build_type"] = ARBITER_BUILD_TYPE;
  out["cxx_flags"] = ARBITER_CXX_FLAGS;
  out["ndebug"] = ndebug;
  out["options"] = {{"jobs", gen.jobs},
                    {"providers", gen.providers},
                    {"pools_per_provider", gen.pools_per_provider},
                    {"policy", policy},
                    {"seed", gen.seed},
                    {"repeat", repeat},
                    {"load", gen.load},
                    {"llm_share", gen.llm_share},
                    {"tenants", gen.tenants},
                    {"accelerators", gen.accelerators},
                    {"outages_per_pool_day", gen.outages_per_pool_day},
                    {"node_mtbf_days", gen.node_mtbf_days},
                    {"launch_latency", gen.launch_latency},
                    {"launch_parallel", gen.launch_parallel}};
  nlohmann::json gangs = nlohmann::json::object();
  for (const auto& [gang, count] : report.gang_histogram) gangs[StrCat(gang)] = count;
  out["workload"] = {{"accelerators", report.accelerators},
                     {"pools", report.pools},
                     {"gavel_jobs", report.gavel_jobs},
                     {"llm_jobs", report.llm_jobs},
                     {"llm_max_gang", report.llm_max_gang},
                     {"arrival_span_s", report.arrival_span},
                     {"time_scale", report.time_scale},
                     {"offered_accelerator_seconds", report.offered_accelerator_seconds},
                     {"offered_load_in_span", report.offered_load_in_span},
                     {"median_runtime_h100_s", report.median_runtime_h100},
                     {"mean_runtime_h100_s", report.mean_runtime_h100},
                     {"capacity_changes", report.capacity_changes},
                     {"gang_histogram", gangs}};
  out["trace_load_s"] = load_s;
  nlohmann::json runs = nlohmann::json::array();
  for (const Repetition& r : reps) {
    runs.push_back({{"generate_s", r.generate_s},
                    {"create_s", r.create_s},
                    {"run_s", r.run_s},
                    {"summarize_s", r.summarize_s},
                    {"simulate_s", r.total_s},
                    {"run_cpu_s", r.run_cpu_s},
                    {"events", r.events},
                    {"jobs_per_s", r.jobs_per_s()},
                    {"events_per_s", r.events_per_s()},
                    {"rss_after_generate_kib", r.rss_after_generate_kib},
                    {"peak_rss_kib", r.peak_rss_kib}});
  }
  out["runs"] = runs;
  out["simulate_s"] = ToJson(total);
  out["run_s"] = ToJson(run);
  out["run_cpu_s"] = ToJson(run_cpu);
  out["generate_s"] = ToJson(generate);
  out["jobs_per_s"] = ToJson(jobs_per_s);
  out["events_per_s"] = ToJson(events_per_s);
  out["peak_rss_kib"] = peak_rss;
  out["deterministic"] = deterministic;
  out["fingerprint"] = Format("%016llx", static_cast<unsigned long long>(reps[0].fingerprint));
  out["result"] = {{"events", reps[0].events},
                   {"end_s", reps[0].end},
                   {"finished", summary.finished},
                   {"running", summary.running},
                   {"pending", summary.pending},
                   {"rejected", summary.rejected},
                   {"utilisation", capacity > 0 ? static_cast<double>(busy) / capacity : 0.0},
                   {"utilisation_in_arrival_span", utilisation_in_span},
                   {"mean_jct_s", summary.jct.mean},
                   {"median_queueing_delay_s", summary.queueing_delay.median},
                   {"p99_queueing_delay_s", summary.queueing_delay.p99},
                   {"total_cost_usd", static_cast<double>(summary.total_cost) / 1e6},
                   {"peak_running_jobs", peak_running},
                   {"interruptions", summary.recovery.interruptions},
                   {"lost_accelerator_hours",
                    static_cast<double>(summary.recovery.lost_accelerator_seconds) / 3600},
                   {"goodput", summary.recovery.goodput},
                   {"launch_attempts", summary.recovery.launch.attempts},
                   {"launches_failed", summary.recovery.launch.failed},
                   {"launches_cancelled", summary.recovery.launch.cancelled}};
  out["target"] = {{"simulate_s", 10.0},
                   {"peak_rss_kib", 2LL * 1024 * 1024},
                   {"applies", target_config},
                   {"time_met", time_met},
                   {"memory_met", memory_met}};
  std::printf("%s\n", out.dump().c_str());

  std::fprintf(
      stderr,
      "sim_bench: %lld jobs, %s, %d x %d pools (%lld accelerators): simulate %.2f s median "
      "(%.2f-%.2f, n=%d), %.0f jobs/s, %.2fM events/s, peak RSS %.0f MiB, generate %.2f s; "
      "%lld finished, %lld rejected; target <= 10 s & <= 2 GiB at 1M jobs: %s\n",
      static_cast<long long>(gen.jobs), policy.c_str(), gen.providers, gen.pools_per_provider,
      static_cast<long long>(report.accelerators), total.median, total.min, total.max, repeat,
      jobs_per_s.median, events_per_s.median / 1e6, static_cast<double>(peak_rss) / 1024.0,
      generate.median, static_cast<long long>(summary.finished),
      static_cast<long long>(summary.rejected),
      !target_config             ? "n/a (smaller run)"
      : time_met && memory_met   ? "MET"
      : !time_met && !memory_met ? "MISSED (time and memory)"
      : !time_met                ? "MISSED (time)"
                                 : "MISSED (memory)");
  return 0;
}

}  // namespace
}  // namespace arbiter::bench

int main(int argc, char** argv) { return arbiter::bench::Main(argc, argv); }
