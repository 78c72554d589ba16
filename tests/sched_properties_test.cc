// Properties every policy must keep, checked on seeded random workloads run through the
// simulator: no pool is ever over-full, a gang runs whole on one pool at a time and does at least
// its work, every job finishes when every job fits (nobody starves), backfill never starts a
// reserved job later than its reservation, and no run beats the scenario's lower bounds.
#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "model/strings.h"
#include "model/testing.h"
#include "sched/backfill.h"
#include "sched/registry.h"
#include "sched_case.h"
#include "sim/bounds.h"
#include "sim/metrics.h"

namespace arbiter {
namespace {

using testing::SchedCase;

constexpr uint64_t kSeeds[] = {1, 2, 3, 4, 5};
constexpr int kJobs = 40;

// Three first-party tenants (weights 1, 2, 1) on pools of 8 and 4 H100 and 8 A100. Jobs arrive
// 0-600 s apart with gangs of 1, 2, 4 or 8, for 60-3600 s on H100; about half also run on A100,
// 2 or 3 times slower; about half checkpoint every 600 s, and about a third save their progress
// whenever they are stopped (so the preemptive policies have jobs to stop). Every gang fits in
// some pool.
SchedCase Workload(uint64_t seed) {
  SchedCase c;
  c.AddPool(c.h100(), 8);
  c.AddPool(c.h100(), 4);
  c.AddPool(c.a100(), 8);
  const TenantId tenants[] = {c.AddTenant("t0", 1), c.AddTenant("t1", 2), c.AddTenant("t2", 1)};
  std::mt19937_64 random(seed);
  // The engine's output is fixed by the standard (distributions are not): draw from it directly.
  const auto draw = [&random](uint64_t n) { return static_cast<int64_t>(random() % n); };
  Time submit = 0;
  for (int i = 0; i < kJobs; ++i) {
    submit += draw(601);
    const int32_t gang = 1 << draw(4);
    const Duration seconds = 60 + draw(3541);
    const int64_t slowdown = draw(2) == 0 ? 0 : 2 + draw(2);
    const Duration checkpoint = draw(2) == 0 ? 0 : 600;
    c.AddJob(tenants[draw(3)], submit, gang, seconds, 0, checkpoint, slowdown);
    c.scenario().jobs.back().checkpoint_at_preemption = draw(3) == 0;
  }
  return c;
}

std::vector<std::string> AllPolicies() {
  std::vector<std::string> names;
  for (const PolicyInfo& p : ListPolicies()) names.push_back(p.name);
  return names;
}

// Runs of one job's charges (its runs, each charged when it ends).
std::map<int64_t, std::vector<const Charge*>> ChargesByJob(const Simulator& sim) {
  std::map<int64_t, std::vector<const Charge*>> by_job;
  for (const Charge& c : sim.broker().ledger().charges()) {
    if (c.job.valid() && c.end > c.start) by_job[c.job.index()].push_back(&c);
  }
  return by_job;
}

TEST(SchedProperties, NoPoolIsEverOverFull) {
  for (uint64_t seed : kSeeds) {
    SchedCase c = Workload(seed);
    for (const std::string& policy : AllPolicies()) {
      SimOptions options;
      options.sample_interval = 60;
      std::unique_ptr<Simulator> sim = c.Run(policy, options);
      ASSERT_NE(sim, nullptr);
      const Fleet& fleet = sim->scenario().fleet;
      // Exactly, from the ledger: at every instant, the gangs charged on a pool fit in it. At
      // equal times, ends come before starts (a run is charged for [start, end)).
      std::vector<std::vector<std::pair<Time, int64_t>>> steps(fleet.pools.size());
      for (const Charge& ch : sim->broker().ledger().charges()) {
        if (!ch.job.valid() || ch.end <= ch.start) continue;
        steps[ch.pool.index()].push_back({ch.start, ch.accelerators});
        steps[ch.pool.index()].push_back({ch.end, -ch.accelerators});
      }
      for (size_t p = 0; p < steps.size(); ++p) {
        std::sort(steps[p].begin(), steps[p].end());
        int64_t in_use = 0;
        for (const auto& [t, delta] : steps[p]) {
          in_use += delta;
          ASSERT_LE(in_use, fleet.pools[p].capacity())
              << policy << " seed " << seed << " pool " << p << " at " << t;
        }
        EXPECT_EQ(in_use, 0) << policy << " seed " << seed;
      }
      // And in the simulator's own samples of its pools.
      const Timeline& tl = sim->timeline();
      ASSERT_GT(tl.samples(), 0u);
      for (size_t s = 0; s < tl.samples(); ++s) {
        for (size_t p = 0; p < tl.pools; ++p) {
          ASSERT_LE(tl.At(tl.used, s, p), tl.At(tl.capacity, s, p))
              << policy << " seed " << seed << " pool " << p << " at " << tl.times[s];
        }
      }
    }
  }
}

TEST(SchedProperties, GangsRunWholeOnOnePoolAndDoTheirWork) {
  for (uint64_t seed : kSeeds) {
    SchedCase c = Workload(seed);
    for (const std::string& policy : AllPolicies()) {
      std::unique_ptr<Simulator> sim = c.Run(policy);
      ASSERT_NE(sim, nullptr);
      const Scenario& scenario = sim->scenario();
      const std::vector<JobFloor> floors = JobFloors(scenario);
      for (auto& [index, charges] : ChargesByJob(*sim)) {
        const Job& job = scenario.jobs[static_cast<size_t>(index)];
        std::sort(charges.begin(), charges.end(),
                  [](const Charge* a, const Charge* b) { return a->start < b->start; });
        int64_t seconds = 0;
        for (size_t k = 0; k < charges.size(); ++k) {
          const Charge& ch = *charges[k];
          const Pool& pool = scenario.fleet.pool(ch.pool);
          // The whole gang, on a pool that can hold it in one domain and node shape.
          EXPECT_EQ(ch.accelerators, job.accelerators) << policy << " job " << index;
          EXPECT_LE(job.accelerators, pool.max_gang) << policy << " job " << index;
          EXPECT_TRUE(job.RateOn(pool.type).has_value()) << policy << " job " << index;
          // Never on two pools (or twice on one) at the same time.
          if (k > 0) {
            EXPECT_GE(ch.start, charges[k - 1]->end) << policy << " job " << index;
          }
          seconds += ch.end - ch.start;
        }
        // Its work takes at least its fastest runtime.
        const JobOutcome& o = sim->broker().outcome(JobId::FromIndex(static_cast<size_t>(index)));
        if (o.state == JobState::kFinished) {
          EXPECT_GE(seconds, floors[static_cast<size_t>(index)].runtime)
              << policy << " seed " << seed << " job " << index;
          EXPECT_GE(o.end - o.first_start, floors[static_cast<size_t>(index)].runtime);
        }
      }
    }
  }
}

TEST(SchedProperties, EveryJobFinishesWhenEveryJobFits) {
  for (uint64_t seed : kSeeds) {
    SchedCase c = Workload(seed);
    for (const std::string& policy : AllPolicies()) {
      std::unique_ptr<Simulator> sim = c.Run(policy);
      ASSERT_NE(sim, nullptr);
      const std::vector<JobOutcome>& outcomes = sim->broker().outcomes();
      ASSERT_EQ(outcomes.size(), static_cast<size_t>(kJobs)) << policy;
      for (size_t j = 0; j < outcomes.size(); ++j) {
        EXPECT_EQ(outcomes[j].state, JobState::kFinished)
            << policy << " seed " << seed << " job " << j << " starved";
      }
    }
  }
}

// The policies that stop jobs on their own account (to move them to another type, for a job of
// higher rank) stop only jobs that lose nothing by it: those that save their progress when
// stopped, or are at a checkpoint.
TEST(SchedProperties, PreemptiveRoundAndQueuePoliciesLoseNoWork) {
  for (uint64_t seed : kSeeds) {
    SchedCase c = Workload(seed);
    for (const std::string& policy : AllPolicies()) {
      if (!policy.starts_with("gavel-") && policy != "srtf" && policy != "tiresias") continue;
      SimOptions options;
      options.sample_interval = 0;
      c.scenario().policy_settings.round = 360;  // Gavel's: rounds that move jobs often
      std::unique_ptr<Simulator> sim = c.Run(policy, options);
      ASSERT_NE(sim, nullptr);
      int64_t interruptions = 0;
      for (size_t j = 0; j < sim->broker().outcomes().size(); ++j) {
        const JobOutcome& o = sim->broker().outcomes()[j];
        interruptions += o.interruptions;
        EXPECT_EQ(o.lost_accelerator_seconds, 0) << policy << " seed " << seed << " job " << j;
      }
      // They do stop jobs on these workloads.
      if (policy == "srtf" || policy == "tiresias" || policy == "gavel-maxmin" ||
          policy == "gavel-maxmin-agnostic") {
        EXPECT_GT(interruptions, 0) << policy << " seed " << seed;
      }
    }
  }
}

TEST(SchedProperties, BackfillNeverStartsAReservedJobLaterThanItsReservation) {
  for (uint64_t seed : kSeeds) {
    SchedCase c = Workload(seed);
    for (const char* policy : {"backfill-easy", "backfill-conservative"}) {
      std::unique_ptr<Simulator> sim = c.Run(policy);
      ASSERT_NE(sim, nullptr);
      const auto* backfill = dynamic_cast<const BackfillPolicy*>(&sim->broker().policy());
      ASSERT_NE(backfill, nullptr);
      int reserved = 0;
      for (size_t j = 0; j < sim->broker().outcomes().size(); ++j) {
        const Time reservation = backfill->first_reservation(JobId::FromIndex(j));
        if (reservation == kNever) continue;
        ++reserved;
        EXPECT_LE(sim->broker().outcomes()[j].first_start, reservation)
            << policy << " seed " << seed << " job " << j;
      }
      // The workloads queue: some job had to wait for a reservation.
      EXPECT_GT(reserved, 0) << policy << " seed " << seed;
    }
  }
}

// Two tenants that buy capacity through the market: the lab on demand (10% off) from both
// providers and under a commitment of 8 H100 on p0 for [0, 20000) at $2.50/h; the startup spot at
// half price on p0 and on demand on p1, whose agent matches quotes down to its cost basis. p0 has
// 2 x 8 H100 ($4/h on demand, $2/h spot, $3/h committed); p1 has 1 x 8 A100 ($2/h) and 1 x 8 H100
// ($5/h). Jobs as in Workload().
Scenario MarketWorkload(uint64_t seed) {
  Scenario s;
  s.name = "market";
  Fleet& f = s.fleet;
  const AcceleratorTypeId h100 = f.AddAcceleratorType("H100");
  const AcceleratorTypeId a100 = f.AddAcceleratorType("A100");
  const ProviderId p0 = f.AddProvider("p0");
  AgentConfig matching;
  matching.match_quotes = true;
  const ProviderId p1 = f.AddProvider("p1", matching);
  const RegionId r0 = f.AddRegion(p0, "r");
  const RegionId r1 = f.AddRegion(p1, "r");
  const PoolId h100_p0 = testing::AddTestPool(f, r0, h100, 2, 8, 4'000'000, 8, 2'000'000);
  f.pools[h100_p0.index()].committed_price = 3'000'000;
  testing::AddTestPool(f, r1, a100, 1, 8, 2'000'000);
  testing::AddTestPool(f, r1, h100, 1, 8, 5'000'000);
  const TenantId lab = f.AddTenant({"lab"});
  const TenantId startup = f.AddTenant({"startup"});
  f.AddContract({lab, p0, OnDemandTerms{100'000}});
  f.AddContract({lab, p1, OnDemandTerms{100'000}});
  f.AddContract({lab, p0, CommitmentTerms{h100, std::nullopt, 8, 0, 20000, 2'500'000}});
  f.AddContract({startup, p0, SpotTerms{500'000}});
  f.AddContract({startup, p1, OnDemandTerms{0}});
  std::mt19937_64 random(seed);
  const auto draw = [&random](uint64_t n) { return static_cast<int64_t>(random() % n); };
  Time submit = 0;
  for (int i = 0; i < kJobs; ++i) {
    submit += draw(601);
    const int32_t gang = 1 << draw(4);
    const Duration seconds = 60 + draw(3541);
    const TenantId tenant = draw(2) == 0 ? lab : startup;
    Job job = draw(2) == 0
                  ? testing::TestJob(StrCat("j", i), tenant, submit, gang, seconds, {{h100, 1}})
                  : testing::TestJob(StrCat("j", i), tenant, submit, gang, 2 * seconds,
                                     {{h100, 2}, {a100, 1}});
    job.checkpoint_interval = draw(2) == 0 ? 0 : 600;
    job.checkpoint_at_preemption = draw(3) == 0;
    s.jobs.push_back(std::move(job));
  }
  return s;
}

// The lower bounds hold for every policy on workloads that buy through the market (on demand,
// spot, matched quotes, a commitment): every job finishes, and each result is at least its bound.
TEST(SchedProperties, NoPolicyBeatsTheLowerBounds) {
  for (uint64_t seed : kSeeds) {
    const Scenario scenario = MarketWorkload(seed);
    for (const std::string& policy : AllPolicies()) {
      SimOptions options;
      options.policy = policy;
      options.sample_interval = 0;
      absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(scenario, options);
      ASSERT_TRUE(sim.ok()) << sim.status().message();
      ASSERT_TRUE((*sim)->Run().ok()) << policy;
      const RunSummary s = Summarize((*sim)->scenario(), (*sim)->broker(),
                                     {policy, 0, (*sim)->end_time(), (*sim)->events()});
      ASSERT_EQ(s.finished, kJobs) << policy << " seed " << seed;
      ASSERT_EQ(s.bounds.jobs, kJobs);
      EXPECT_GE(s.makespan, s.bounds.makespan) << policy << " seed " << seed;
      EXPECT_GE(s.jct.mean, s.bounds.mean_jct) << policy << " seed " << seed;
      EXPECT_GE(s.total_cost, s.bounds.cost) << policy << " seed " << seed;
      ASSERT_TRUE(s.bounds.cost_ratio.has_value()) << policy;
      EXPECT_GE(*s.bounds.cost_ratio, 1.0) << policy << " seed " << seed;
    }
  }
}

// MarketWorkload with holdings whose terms end mid-run: the lab's commitment of 8 H100 on p0 ends
// at 3000 s and a reservation of the other 8 runs over [2000, 6000), so jobs run on holdings when
// their terms end, runs move to the parent pool or stop, and the parent's room changes with them.
Scenario HoldingsWorkload(uint64_t seed) {
  Scenario s = MarketWorkload(seed);
  s.name = "holdings";
  for (Contract& c : s.fleet.contracts) {
    if (auto* cm = std::get_if<CommitmentTerms>(&c.terms)) cm->end = 3000;
  }
  const TenantId lab = *s.fleet.FindTenant("lab");
  const ProviderId p0 = *s.fleet.FindProvider("p0");
  const AcceleratorTypeId h100 = *s.fleet.FindAcceleratorType("H100");
  s.fleet.AddContract({lab, p0, ReservationTerms{h100, std::nullopt, 8, 2000, 6000, 2'000'000}});
  return s;
}

// Under every policy, with holdings ending mid-run: at no instant does a pool hold more than its
// capacity then (capacity follows the holdings' terms), every accelerator-second a pool was used
// is charged exactly once, and a second of use is free only on a holding, within its term.
TEST(SchedProperties, HoldingsEndingMidRunKeepPoolsWithinCapacityAndChargeUseOnce) {
  int64_t cut_by_a_term = 0;  // runs on a holding when its term ended (the case under test)
  for (uint64_t seed : kSeeds) {
    const Scenario input = HoldingsWorkload(seed);
    for (const std::string& policy : AllPolicies()) {
      SimOptions options;
      options.policy = policy;
      options.sample_interval = 0;
      absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(input, options);
      ASSERT_TRUE(sim.ok()) << sim.status().message();
      ASSERT_TRUE((*sim)->Run().ok()) << policy;
      const Scenario& scenario = (*sim)->scenario();  // holdings expanded
      const Broker& broker = (*sim)->broker();
      const Fleet& fleet = scenario.fleet;
      // Steps of use (+ at a charge's start, - at its end) and of capacity, per pool.
      struct Step {
        Time at;
        int order;  // at one instant: capacity changes and ends, then starts
        int64_t delta;
        bool capacity;
      };
      std::vector<std::vector<Step>> steps(fleet.pools.size());
      std::vector<int64_t> charged(fleet.pools.size(), 0);
      for (const Charge& ch : broker.ledger().charges()) {
        if (!ch.job.valid() || ch.end <= ch.start) continue;
        steps[ch.pool.index()].push_back({ch.start, 1, ch.accelerators, false});
        steps[ch.pool.index()].push_back({ch.end, 0, -ch.accelerators, false});
        charged[ch.pool.index()] += static_cast<int64_t>(ch.accelerators) * (ch.end - ch.start);
        if (ch.amount != 0) continue;
        // Free use: only on a holding, within its term.
        const Pool& pool = fleet.pool(ch.pool);
        ASSERT_TRUE(pool.holding.has_value())
            << policy << " seed " << seed << " pool " << pool.name;
        const Contract& c = fleet.contracts[pool.holding->index()];
        const auto [start, end] = std::visit(
            [](const auto& t) -> std::pair<Time, Time> {
              if constexpr (requires {
                              t.start;
                              t.end;
                            }) {
                return {t.start, t.end};
              } else {
                return {0, kNever};
              }
            },
            c.terms);
        EXPECT_GE(ch.start, start) << policy << " seed " << seed;
        EXPECT_LE(ch.end, end) << policy << " seed " << seed;
        cut_by_a_term += ch.end == end ? 1 : 0;
      }
      for (const CapacityChange& change : scenario.capacity_changes) {
        steps[change.pool.index()].push_back(
            {change.at, 0,
             static_cast<int64_t>(change.nodes) * fleet.pool(change.pool).accelerators_per_node,
             true});
      }
      for (size_t p = 0; p < steps.size(); ++p) {
        std::stable_sort(steps[p].begin(), steps[p].end(), [](const Step& a, const Step& b) {
          return std::tie(a.at, a.order) < std::tie(b.at, b.order);
        });
        int64_t in_use = 0;
        int64_t capacity = fleet.pools[p].capacity();
        for (size_t k = 0; k < steps[p].size(); ++k) {
          const Step& step = steps[p][k];
          if (step.capacity) {
            capacity = step.delta;
          } else {
            in_use += step.delta;
          }
          // Checked once everything of the instant is in.
          if (k + 1 < steps[p].size() && steps[p][k + 1].at == step.at) continue;
          ASSERT_LE(in_use, capacity)
              << policy << " seed " << seed << " pool " << fleet.pools[p].name << " at " << step.at;
        }
        EXPECT_EQ(in_use, 0) << policy << " seed " << seed;
        // Every accelerator-second of use charged exactly once.
        EXPECT_EQ(charged[p], broker.UseIntegral(PoolId::FromIndex(p), (*sim)->end_time()))
            << policy << " seed " << seed << " pool " << fleet.pools[p].name;
      }
    }
  }
  EXPECT_GT(cut_by_a_term, 0);
}

}  // namespace
}  // namespace arbiter
