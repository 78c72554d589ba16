// A small builder for hand-computed policy cases run through the simulator: one provider, one
// region, single-node pools, tenants that are the provider's own first party (so placements start
// at once, without capacity requests), and jobs whose work is given in seconds on their types.
#ifndef ARBITER_TESTS_SCHED_CASE_H_
#define ARBITER_TESTS_SCHED_CASE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "model/testing.h"
#include "sim/simulator.h"

namespace arbiter::testing {

class SchedCase {
 public:
  SchedCase() {
    Fleet& f = scenario_.fleet;
    h100_ = f.AddAcceleratorType("H100");
    a100_ = f.AddAcceleratorType("A100");
    provider_ = f.AddProvider("p");
    region_ = f.AddRegion(provider_, "r");
    scenario_.name = "case";
  }

  Scenario& scenario() { return scenario_; }
  Fleet& fleet() { return scenario_.fleet; }
  AcceleratorTypeId h100() const { return h100_; }
  AcceleratorTypeId a100() const { return a100_; }
  ProviderId provider() const { return provider_; }

  // One node of `accelerators`, at `price` micro-dollars per accelerator-hour.
  PoolId AddPool(AcceleratorTypeId type, int32_t accelerators, Micros price = 3'600'000,
                 std::optional<Micros> spot = std::nullopt) {
    Pool pool;
    pool.name = "pool" + std::to_string(scenario_.fleet.pools.size());
    pool.region = region_;
    pool.type = type;
    pool.nodes = 1;
    pool.accelerators_per_node = accelerators;
    pool.max_gang = accelerators;
    pool.on_demand_price = price;
    pool.spot_price = spot;
    return scenario_.fleet.AddPool(std::move(pool));
  }
  // A first-party tenant of the provider.
  TenantId AddTenant(std::string name, int32_t weight = 1, std::vector<TypeQuota> quotas = {}) {
    Tenant t{std::move(name), weight, provider_};
    t.quotas = std::move(quotas);
    return scenario_.fleet.AddTenant(std::move(t));
  }
  // A job of `accelerators` that needs `seconds` on H100 (rate 1) and, if `a100_slowdown` > 0,
  // that many times longer on A100. Jobs must be added in submit order. Returns its id.
  JobId AddJob(TenantId tenant, Time submit, int32_t accelerators, Duration seconds,
               int32_t priority = 0, Duration checkpoint = 0, int64_t a100_slowdown = 0) {
    const Work work = seconds * a100_slowdown_scale(a100_slowdown);
    Job job =
        a100_slowdown > 0
            ? TestJob("j" + std::to_string(scenario_.jobs.size()), tenant, submit, accelerators,
                      work, {{h100_, a100_slowdown_scale(a100_slowdown)}, {a100_, 1}}, priority)
            : TestJob("j" + std::to_string(scenario_.jobs.size()), tenant, submit, accelerators,
                      work, {{h100_, 1}}, priority);
    job.nodes = 1;
    job.checkpoint_interval = checkpoint;
    scenario_.jobs.push_back(std::move(job));
    return JobId::FromIndex(scenario_.jobs.size() - 1);
  }

  std::unique_ptr<Simulator> Run(const std::string& policy, SimOptions options = {}) {
    options.policy = policy;
    absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(scenario_, options);
    EXPECT_TRUE(sim.ok()) << sim.status().message();
    if (!sim.ok()) return nullptr;
    const absl::Status s = (*sim)->Run();
    EXPECT_TRUE(s.ok()) << s.message();
    return *std::move(sim);
  }

 private:
  static int64_t a100_slowdown_scale(int64_t slowdown) { return slowdown > 0 ? slowdown : 1; }

  Scenario scenario_;
  AcceleratorTypeId h100_;
  AcceleratorTypeId a100_;
  ProviderId provider_;
  RegionId region_;
};

// Start and end of a job's run as the simulator recorded it.
struct Span {
  Time start;
  Time end;
  bool operator==(const Span&) const = default;
};
inline std::ostream& operator<<(std::ostream& os, const Span& s) {
  return os << "[" << s.start << ", " << s.end << ")";
}
inline Span SpanOf(const Simulator& sim, JobId job) {
  const JobOutcome& o = sim.broker().outcome(job);
  return {o.first_start, o.end};
}

}  // namespace arbiter::testing

#endif  // ARBITER_TESTS_SCHED_CASE_H_
