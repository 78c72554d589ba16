// Scheduling-decision and allocation-LP benchmarks (targets in the design notes' benchmarks.md):
//   - with 100,000 jobs queued over 1,000 pools, one event's decision p99 <= 1 ms and a full pass
//     <= 50 ms;
//   - the heterogeneity-aware allocation LP for 1,000 jobs x 10 accelerator types in <= 1 s.
//
// Decisions are measured on the policies themselves (sched/policy.h), driven by BenchCluster: a
// plain in-memory ClusterView and Placer over the generated fleet (bench/generator.h: trace-shaped
// jobs, every tenant with an on-demand contract with every provider, so every job is eligible on
// every pool that holds its gang). Prices are the core's own (AccessFromContracts). The steps:
//   1. cold full pass: every job pending, every pool empty, one Schedule with all pools grown
//      (for the gavel policies this pass also solves the first round's allocation program, over
//      the 1,000 oldest jobs); and the same between rounds: the first job alone at time 0 (its
//      round, if any, runs then), the others pending at time 1, one Schedule with all pools grown;
//   2. fill: arrivals (OnPending + Schedule) until `queued` jobs wait;
//   3. events: `events` decisions, alternating a finish of a running job drawn at random (its pool
//      grows: Schedule with that pool) and an arrival (OnPending + Schedule with no pool grown),
//      keeping the queue at `queued`; each decision timed on its own;
//   4. warm full pass: one running job finishes on every pool at once, and one Schedule sees all
//      pools grown.
// The LP part builds 1,000 jobs from the Gavel rows (their measured v100 / p100 / k80 throughputs)
// over 10 accelerator types, and solves each objective of sched/allocation_lp.h.
//
//   taskset -c 0 build/bench/bench/sched_bench --policies fifo,sjf,cost-greedy,fair
//
// JSON on stdout (one object), a line per policy on stderr.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "bench/generator.h"
#include "core/broker.h"
#include "model/strings.h"
#include "nlohmann/json.hpp"
#include "sched/allocation_lp.h"
#include "sched/policy.h"
#include "sched/registry.h"

namespace arbiter::bench {
namespace {

using Clock = std::chrono::steady_clock;

double ElapsedUs(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

// Process CPU time in microseconds: on this shared machine a full pass's CPU time is less
// disturbed by other work than its wall time.
double CpuUs() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) * 1e-3;
}

// The fleet's state as the core would keep it, without the market: a placement starts at once.
class BenchCluster final : public ClusterView, public Placer {
 public:
  BenchCluster(const Scenario& scenario, const std::vector<Job>& jobs)
      : fleet_(scenario.fleet), jobs_(jobs) {
    const size_t pools = fleet_.pools.size();
    capacity_.resize(pools);
    used_.assign(pools, 0);
    running_.resize(pools);
    for (size_t p = 0; p < pools; ++p) {
      const Pool& pool = fleet_.pools[p];
      capacity_[p] = static_cast<int64_t>(pool.nodes) * pool.accelerators_per_node;
    }
    prices_.resize(fleet_.tenants.size() * pools);
    for (size_t t = 0; t < fleet_.tenants.size(); ++t) {
      for (size_t p = 0; p < pools; ++p) {
        const std::optional<Access> access = AccessFromContracts(
            fleet_, TenantId(static_cast<int32_t>(t)), PoolId(static_cast<int32_t>(p)));
        if (access) prices_[t * pools + p] = access->price_per_accel_hour;
      }
    }
    pool_of_.assign(jobs.size(), PoolId());
    slot_.assign(jobs.size(), -1);
    pending_.assign(jobs.size(), false);
  }

  void set_policy(Policy* policy) { policy_ = policy; }
  void set_now(Time now) { now_ = now; }

  // ClusterView.
  Time now() const override { return now_; }
  const Fleet& fleet() const override { return fleet_; }
  int64_t FreeAccelerators(PoolId pool) const override {
    return capacity_[pool.index()] - used_[pool.index()];
  }
  const Job& job(JobId job) const override { return jobs_[job.index()]; }
  Work RemainingWork(JobId job) const override { return jobs_[job.index()].work; }
  std::optional<Micros> PriceFor(TenantId tenant, PoolId pool) const override {
    return prices_[tenant.index() * fleet_.pools.size() + pool.index()];
  }
  std::optional<Micros> PurchasePrice(TenantId tenant, PoolId pool, Purchase how) const override {
    // The generated tenants hold on-demand contracts only: no spot to buy.
    return how == Purchase::kSpot ? std::nullopt : PriceFor(tenant, pool);
  }
  std::span<const JobId> RunningOn(PoolId pool) const override { return running_[pool.index()]; }
  Time RunStart(JobId /*job*/) const override { return 0; }
  Work WorkAtRisk(JobId /*job*/) const override { return 0; }

  // Placer.
  bool Place(JobId job, PoolId pool) override {
    const Job& spec = jobs_[job.index()];
    if (!pending_[job.index()] || FreeAccelerators(pool) < spec.accelerators) return false;
    pending_[job.index()] = false;
    --pending_count_;
    used_[pool.index()] += spec.accelerators;
    pool_of_[job.index()] = pool;
    slot_[job.index()] = static_cast<int32_t>(running_[pool.index()].size());
    running_[pool.index()].push_back(job);
    all_running_.push_back(job);
    ++placements_;
    return true;
  }
  bool PlaceAs(JobId job, PoolId pool, Purchase how) override {
    return how != Purchase::kSpot && Place(job, pool);
  }
  bool Preempt(JobId job, std::string_view /*reason*/) override {
    if (slot_[job.index()] < 0) return false;
    Release(job);
    policy_->OnReleased(job);
    Pend(job);
    return true;
  }

  void Pend(JobId job) {
    pending_[job.index()] = true;
    ++pending_count_;
    policy_->OnPending(job, *this);
  }
  // Ends a running job (it finished); its pool is free for the next pass.
  PoolId Finish(JobId job) {
    const PoolId pool = pool_of_[job.index()];
    Release(job);
    policy_->OnReleased(job);
    return pool;
  }
  // A running job drawn with `u` in [0, 1), or an invalid id when none runs.
  JobId AnyRunning(double u) {
    while (!all_running_.empty()) {
      const size_t i = static_cast<size_t>(u * static_cast<double>(all_running_.size()));
      const JobId job = all_running_[i];
      all_running_[i] = all_running_.back();
      all_running_.pop_back();
      if (slot_[job.index()] >= 0) return job;  // entries of stopped jobs are dropped lazily
    }
    return JobId();
  }
  int64_t pending() const { return pending_count_; }
  int64_t placements() const { return placements_; }
  int64_t used_total() const {
    int64_t sum = 0;
    for (int64_t u : used_) sum += u;
    return sum;
  }

 private:
  void Release(JobId job) {
    const size_t p = pool_of_[job.index()].index();
    std::vector<JobId>& list = running_[p];
    const int32_t slot = slot_[job.index()];
    slot_[list.back().index()] = slot;
    list[slot] = list.back();
    list.pop_back();
    slot_[job.index()] = -1;
    used_[p] -= jobs_[job.index()].accelerators;
  }

  const Fleet& fleet_;
  const std::vector<Job>& jobs_;
  Policy* policy_ = nullptr;
  Time now_ = 0;
  std::vector<int64_t> capacity_;
  std::vector<int64_t> used_;
  std::vector<std::vector<JobId>> running_;
  std::vector<std::optional<Micros>> prices_;  // [tenant * pools + pool]
  std::vector<PoolId> pool_of_;
  std::vector<int32_t> slot_;  // index in running_[pool], or -1
  std::vector<bool> pending_;
  std::vector<JobId> all_running_;
  int64_t pending_count_ = 0;
  int64_t placements_ = 0;
};

struct Percentiles {
  double p50 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
};

Percentiles Summarise(std::vector<double> v) {
  Percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  const auto at = [&v](double q) {
    return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
  };
  p.p50 = at(0.5);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  p.max = v.back();
  double sum = 0;
  for (double x : v) sum += x;
  p.mean = sum / static_cast<double>(v.size());
  return p;
}

nlohmann::json ToJson(const Percentiles& p) {
  return {{"p50_us", p.p50}, {"p99_us", p.p99},   {"p999_us", p.p999},
          {"max_us", p.max}, {"mean_us", p.mean}, {"target_p99_us", 1000}};
}

struct DecisionResult {
  double cold_pass_us = 0;
  double cold_pass_cpu_us = 0;
  int64_t cold_pass_placed = 0;
  int64_t cold_pass_pending_before = 0;
  double cold_between_rounds_us = 0;
  double cold_between_rounds_cpu_us = 0;
  int64_t cold_between_rounds_placed = 0;
  double warm_pass_us = 0;
  double warm_pass_cpu_us = 0;
  int64_t warm_pass_placed = 0;
  int64_t queued = 0;
  Percentiles finish, arrival, all;
  int64_t events = 0;
};

absl::StatusOr<DecisionResult> RunDecisions(const Scenario& scenario, const std::string& name,
                                            int64_t queued, int64_t events, uint64_t seed) {
  std::vector<Job> jobs = scenario.jobs;
  for (Job& j : jobs) j.submit = 0;
  DecisionResult r;
  absl::StatusOr<std::unique_ptr<Policy>> made = MakePolicy(name, {seed});
  if (!made.ok()) return made.status();
  std::unique_ptr<Policy> policy = *std::move(made);

  // 1. Cold full pass: every job that fits in the first `queued` pending, every pool grown.
  {
    absl::StatusOr<std::unique_ptr<Policy>> cold = MakePolicy(name, {seed});
    if (!cold.ok()) return cold.status();
    BenchCluster cluster(scenario, jobs);
    cluster.set_policy(cold->get());
    const int64_t n = std::min<int64_t>(queued, static_cast<int64_t>(jobs.size()));
    for (int64_t i = 0; i < n; ++i) cluster.Pend(JobId(static_cast<int32_t>(i)));
    std::vector<PoolId> all;
    for (size_t p = 0; p < scenario.fleet.pools.size(); ++p) {
      all.push_back(PoolId(static_cast<int32_t>(p)));
    }
    r.cold_pass_pending_before = cluster.pending();
    const double cpu0 = CpuUs();
    const Clock::time_point t0 = Clock::now();
    (*cold)->Schedule(cluster, all, cluster);
    r.cold_pass_us = ElapsedUs(t0, Clock::now());
    r.cold_pass_cpu_us = CpuUs() - cpu0;
    r.cold_pass_placed = cluster.placements();
  }
  {
    absl::StatusOr<std::unique_ptr<Policy>> cold = MakePolicy(name, {seed});
    if (!cold.ok()) return cold.status();
    BenchCluster cluster(scenario, jobs);
    cluster.set_policy(cold->get());
    const int64_t n = std::min<int64_t>(queued, static_cast<int64_t>(jobs.size()));
    cluster.Pend(JobId(0));
    (*cold)->Schedule(cluster, {}, cluster);
    cluster.set_now(1);
    for (int64_t i = 1; i < n; ++i) cluster.Pend(JobId(static_cast<int32_t>(i)));
    std::vector<PoolId> all;
    for (size_t p = 0; p < scenario.fleet.pools.size(); ++p) {
      all.push_back(PoolId(static_cast<int32_t>(p)));
    }
    const int64_t placed_before = cluster.placements();
    const double cpu0 = CpuUs();
    const Clock::time_point t0 = Clock::now();
    (*cold)->Schedule(cluster, all, cluster);
    r.cold_between_rounds_us = ElapsedUs(t0, Clock::now());
    r.cold_between_rounds_cpu_us = CpuUs() - cpu0;
    r.cold_between_rounds_placed = cluster.placements() - placed_before;
  }

  // 2. Fill until `queued` jobs wait.
  BenchCluster cluster(scenario, jobs);
  cluster.set_policy(policy.get());
  size_t next = 0;
  while (cluster.pending() < queued && next < jobs.size()) {
    cluster.Pend(JobId(static_cast<int32_t>(next++)));
    if (next % 64 == 0) policy->Schedule(cluster, {}, cluster);
  }
  policy->Schedule(cluster, {}, cluster);
  r.queued = cluster.pending();

  // 3. Events, each decision timed.
  std::mt19937_64 rng(seed);
  const auto uniform = [&rng] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  std::vector<double> finish_us, arrival_us, all_us;
  Time now = 0;
  for (int64_t e = 0; e < events; ++e) {
    cluster.set_now(++now);
    const bool arrive = cluster.pending() < queued && next < jobs.size();
    if (arrive) {
      const Clock::time_point t0 = Clock::now();
      cluster.Pend(JobId(static_cast<int32_t>(next++)));
      policy->Schedule(cluster, {}, cluster);
      const double us = ElapsedUs(t0, Clock::now());
      arrival_us.push_back(us);
      all_us.push_back(us);
    } else {
      const JobId job = cluster.AnyRunning(uniform());
      if (!job.valid()) break;
      const Clock::time_point t0 = Clock::now();
      const PoolId pool = cluster.Finish(job);
      const PoolId grown[] = {pool};
      policy->Schedule(cluster, grown, cluster);
      const double us = ElapsedUs(t0, Clock::now());
      finish_us.push_back(us);
      all_us.push_back(us);
    }
  }
  r.events = static_cast<int64_t>(all_us.size());
  r.finish = Summarise(std::move(finish_us));
  r.arrival = Summarise(std::move(arrival_us));
  r.all = Summarise(std::move(all_us));

  // 4. Warm full pass: a job ends on every pool at once.
  std::vector<PoolId> grown;
  for (size_t p = 0; p < scenario.fleet.pools.size(); ++p) {
    const PoolId pool(static_cast<int32_t>(p));
    const std::span<const JobId> running = cluster.RunningOn(pool);
    if (running.empty()) continue;
    cluster.Finish(running.front());
    grown.push_back(pool);
  }
  cluster.set_now(++now);
  const int64_t placed_before = cluster.placements();
  const double cpu0 = CpuUs();
  const Clock::time_point t0 = Clock::now();
  policy->Schedule(cluster, grown, cluster);
  r.warm_pass_us = ElapsedUs(t0, Clock::now());
  r.warm_pass_cpu_us = CpuUs() - cpu0;
  r.warm_pass_placed = cluster.placements() - placed_before;
  return r;
}

// 1,000 jobs over 10 accelerator types, from the Gavel rows: type k's rate is the row's measured
// v100 rate scaled by the type's speed, times the row's own p100 / v100 (or k80 / v100) ratio to a
// type-dependent power, so jobs differ in which types suit them as the measured models do.
AllocationProblem MakeLpProblem(const TraceModel& model, int64_t jobs, int32_t types, uint64_t seed,
                                AllocationObjective objective) {
  std::mt19937_64 rng(seed);
  const auto uniform = [&rng] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  AllocationProblem p;
  p.objective = objective;
  int64_t gangs = 0;
  for (int64_t j = 0; j < jobs; ++j) {
    const auto& row = model.rows()[static_cast<size_t>(uniform() * model.rows().size())];
    const std::string& name = model.models()[row.model];
    bool extrapolated = false;
    const double v100 =
        model.throughputs().Estimate("v100", name, row.scale_factor, &extrapolated).value_or(1.0);
    const double p100 = model.throughputs()
                            .Estimate("p100", name, row.scale_factor, &extrapolated)
                            .value_or(v100 / 2);
    const double k80 = model.throughputs()
                           .Estimate("k80", name, row.scale_factor, &extrapolated)
                           .value_or(v100 / 4);
    AllocationJob job;
    job.gang = row.scale_factor;
    job.weight = 1 + static_cast<int64_t>(j % 3);
    job.work = std::max<int64_t>(1, row.total_steps) * 1000;
    const int32_t half = types / 2;
    for (int32_t t = 0; t < types; ++t) {
      // Types from the newest (t = 0, 4x a v100) to the oldest (t = 9, a k80).
      const double speed = std::pow(4.0, 1.0 - t / 4.5);
      const double affinity =
          t < half ? std::pow(p100 / v100, 0.5 - 0.1 * t) : std::pow(k80 / v100, 0.1 * (t - half));
      job.rates.push_back(std::max<Rate>(1, std::llround(1000 * v100 * speed * affinity)));
      job.prices.push_back(
          std::llround(4'000'000 * speed));  // $/accelerator-hour scales with speed
    }
    job.deadline_in = (j % 4 == 0) ? static_cast<Duration>(3600 * (24 + uniform() * 24 * 13)) : 0;
    gangs += job.gang;
    p.jobs.push_back(std::move(job));
  }
  // Capacity: the fleet holds about half the gangs at once, spread over the types.
  for (int32_t t = 0; t < types; ++t) p.capacity.push_back(std::max<int64_t>(8, gangs / 2 / types));
  return p;
}

int Main(int argc, char** argv) {
  CLI::App app{"Arbiter scheduling-decision and allocation-LP benchmarks (see bench/README.md)"};
  GeneratorOptions gen;
  gen.jobs = 250'000;
  gen.providers = 20;
  gen.pools_per_provider = 50;
  gen.llm_share = 0.005;
  std::string policies = "fifo,sjf,cost-greedy,fair,backfill-easy,backfill-conservative";
  int64_t queued = 100'000;
  int64_t events = 20'000;
  int64_t lp_jobs = 1000;
  int32_t lp_types = 10;
  int repeat = 3;
  std::string data_dir = StrCat(ARBITER_SOURCE_DIR, "/data");
  app.add_option("--policies", policies, "Policies to measure, comma-separated")
      ->capture_default_str();
  app.add_option("--jobs", gen.jobs, "Jobs to generate (enough to keep --queued waiting)")
      ->capture_default_str();
  app.add_option("--providers", gen.providers, "Providers")->capture_default_str();
  app.add_option("--pools-per-provider", gen.pools_per_provider, "Pools per provider")
      ->capture_default_str();
  app.add_option("--queued", queued, "Jobs kept waiting")->capture_default_str();
  app.add_option("--events", events, "Decisions timed per policy")->capture_default_str();
  app.add_option("--lp-jobs", lp_jobs, "Jobs in the allocation LP")->capture_default_str();
  app.add_option("--lp-types", lp_types, "Accelerator types in the allocation LP")
      ->capture_default_str();
  app.add_option("--repeat", repeat, "Repetitions of each LP solve")->capture_default_str();
  app.add_option("--seed", gen.seed, "Generator seed")->capture_default_str();
  app.add_option("--data", data_dir, "The repository's data/ directory")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  absl::StatusOr<TraceModel> model = TraceModel::Load(data_dir);
  if (!model.ok()) {
    std::fprintf(stderr, "sched_bench: %s\n", std::string(model.status().message()).c_str());
    return 2;
  }
  GeneratorReport report;
  absl::StatusOr<Scenario> scenario = GenerateScenario(*model, gen, &report);
  if (!scenario.ok()) {
    std::fprintf(stderr, "sched_bench: %s\n", std::string(scenario.status().message()).c_str());
    return 2;
  }
  nlohmann::json out;
  out["build_type"] = ARBITER_BUILD_TYPE;
  out["pools"] = report.pools;
  out["accelerators"] = report.accelerators;
  out["jobs_generated"] = gen.jobs;
  out["queued_target"] = queued;

  for (const std::string_view piece : Split(policies, ',')) {
    const std::string name(piece);
    absl::StatusOr<DecisionResult> r = RunDecisions(*scenario, name, queued, events, gen.seed);
    if (!r.ok()) {
      std::fprintf(stderr, "sched_bench: %s\n", std::string(r.status().message()).c_str());
      return 2;
    }
    out["decisions"][name] = {
        {"queued", r->queued},
        {"events", r->events},
        {"all", ToJson(r->all)},
        {"finish", ToJson(r->finish)},
        {"arrival", ToJson(r->arrival)},
        {"cold_full_pass_ms", r->cold_pass_us / 1000},
        {"cold_full_pass_cpu_ms", r->cold_pass_cpu_us / 1000},
        {"cold_full_pass_pending", r->cold_pass_pending_before},
        {"cold_full_pass_placed", r->cold_pass_placed},
        {"cold_full_pass_between_rounds_ms", r->cold_between_rounds_us / 1000},
        {"cold_full_pass_between_rounds_cpu_ms", r->cold_between_rounds_cpu_us / 1000},
        {"cold_full_pass_between_rounds_placed", r->cold_between_rounds_placed},
        {"warm_full_pass_ms", r->warm_pass_us / 1000},
        {"warm_full_pass_cpu_ms", r->warm_pass_cpu_us / 1000},
        {"warm_full_pass_placed", r->warm_pass_placed},
        {"target_full_pass_ms", 50},
    };
    std::fprintf(stderr,
                 "%-22s queued %lld: decision p50 %.1f us, p99 %.1f us, max %.0f us; full pass "
                 "cold %.1f ms (%lld placed), between rounds %.1f ms (%lld placed), warm %.2f ms "
                 "(%lld placed); CPU %.1f / %.1f / %.2f ms\n",
                 name.c_str(), static_cast<long long>(r->queued), r->all.p50, r->all.p99,
                 r->all.max, r->cold_pass_us / 1000, static_cast<long long>(r->cold_pass_placed),
                 r->cold_between_rounds_us / 1000,
                 static_cast<long long>(r->cold_between_rounds_placed), r->warm_pass_us / 1000,
                 static_cast<long long>(r->warm_pass_placed), r->cold_pass_cpu_us / 1000,
                 r->cold_between_rounds_cpu_us / 1000, r->warm_pass_cpu_us / 1000);
  }

  const std::pair<const char*, AllocationObjective> objectives[] = {
      {"max-min", AllocationObjective::kMaxMinFairness},
      {"min-makespan", AllocationObjective::kMinMakespan},
      {"min-cost", AllocationObjective::kMinCost}};
  for (const auto& [label, objective] : objectives) {
    const AllocationProblem problem = MakeLpProblem(*model, lp_jobs, lp_types, gen.seed, objective);
    std::vector<double> ms;
    int64_t iterations = 0;
    for (int i = 0; i < repeat; ++i) {
      const Clock::time_point t0 = Clock::now();
      absl::StatusOr<Allocation> a = SolveAllocation(problem);
      ms.push_back(ElapsedUs(t0, Clock::now()) / 1000);
      if (!a.ok()) {
        std::fprintf(stderr, "sched_bench: LP %s: %s\n", label,
                     std::string(a.status().message()).c_str());
        return 1;
      }
      iterations = a->iterations;
    }
    std::sort(ms.begin(), ms.end());
    out["lp"][label] = {
        {"jobs", lp_jobs},      {"types", lp_types},   {"median_ms", ms[ms.size() / 2]},
        {"min_ms", ms.front()}, {"max_ms", ms.back()}, {"iterations", iterations},
        {"target_ms", 1000}};
    std::fprintf(stderr, "LP %-13s %lld jobs x %d types: median %.1f ms (%.1f-%.1f), %lld iter\n",
                 label, static_cast<long long>(lp_jobs), lp_types, ms[ms.size() / 2], ms.front(),
                 ms.back(), static_cast<long long>(iterations));
  }
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace
}  // namespace arbiter::bench

int main(int argc, char** argv) { return arbiter::bench::Main(argc, argv); }
