// The spot-aware policies (sched/deadline_spot.h) choose where and how to buy from ranked lists
// per (type, way of buying) with cursors past full pools (sched/ranked_pools.h), and which queued
// job starts next from a heap of bucket heads. These cases drive the policy directly over a
// hand-built fleet and check every start against the plain scan of every eligible pool both ways:
// a hand-computed case with equal costs at different prices, spot and on-demand at one cost, a
// slower type at the same cost and a pool that fills and frees again; and a seeded stream of
// arrivals and finishes over a fleet with many near-equal prices, against a plain reading of the
// rule (ScanPolicy).
#include "sched/deadline_spot.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "model/testing.h"
#include "sched/eligibility.h"

namespace arbiter {
namespace {

using testing::AddTestPool;
using testing::TestJob;

struct Start {
  JobId job;
  PoolId pool;
  Purchase how;
  bool operator==(const Start&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Start& s) {
  return os << "{job " << s.job.value() << ", pool " << s.pool.value() << ", "
            << (s.how == Purchase::kSpot ? "spot" : "on-demand") << "}";
}

// The cheapest whole run over every pool that can run the job and has room, both ways: lowest
// cost, then shortest run, then the first met in pool order, spot before on-demand.
std::optional<Start> ScanCheapest(JobId job, const ClusterView& view) {
  const Job& spec = view.job(job);
  std::optional<Start> best;
  std::tuple<Micros, Duration> best_key;
  for (size_t p = 0; p < view.fleet().pools.size(); ++p) {
    const PoolId pool = PoolId::FromIndex(p);
    if (!CanEverRun(spec, pool, view) || view.FreeAccelerators(pool) < spec.accelerators) {
      continue;
    }
    const Duration runtime = RuntimeOn(job, pool, view);
    for (const Purchase how : {Purchase::kSpot, Purchase::kOnDemand}) {
      const std::optional<Micros> price = view.PurchasePrice(spec.tenant, pool, how);
      if (!price) continue;
      const std::tuple<Micros, Duration> key{ChargeFor(spec.accelerators, runtime, *price),
                                             runtime};
      if (!best || key < best_key) {
        best = Start{job, pool, how};
        best_key = key;
      }
    }
  }
  return best;
}

// The rule for jobs without a deadline read plainly: each grown pool in turn, while it has room,
// starts the first job in queue order (priority, submission, id) that can run on it and fits
// there, where ScanCheapest says; then each job new since the last pass, in order.
class ScanPolicy final : public Policy {
 public:
  std::string_view name() const override { return "scan"; }
  void OnPending(JobId job, const ClusterView& /*view*/) override {
    pending_.push_back(job);
    fresh_.push_back(job);
  }
  void OnRemoved(JobId job) override { std::erase(pending_, job); }
  void Schedule(const ClusterView& view, std::span<const PoolId> grown, Placer& placer) override {
    for (PoolId pool : grown) {
      while (view.FreeAccelerators(pool) > 0) {
        std::optional<JobId> first;
        for (JobId job : pending_) {
          const Job& spec = view.job(job);
          if (!CanEverRun(spec, pool, view) || spec.accelerators > view.FreeAccelerators(pool)) {
            continue;
          }
          if (!first ||
              std::make_tuple(-spec.priority, spec.submit, job) <
                  std::make_tuple(-view.job(*first).priority, view.job(*first).submit, *first)) {
            first = job;
          }
        }
        if (!first) break;
        StartAtCheapest(*first, view, placer);
      }
    }
    for (JobId job : std::exchange(fresh_, {})) {
      if (std::find(pending_.begin(), pending_.end(), job) != pending_.end() &&
          ScanCheapest(job, view)) {
        StartAtCheapest(job, view, placer);
      }
    }
  }

 private:
  void StartAtCheapest(JobId job, const ClusterView& view, Placer& placer) {
    const std::optional<Start> start = ScanCheapest(job, view);
    std::erase(pending_, job);
    ASSERT_TRUE(start.has_value());
    EXPECT_TRUE(placer.PlaceAs(job, start->pool, start->how));
  }

  std::vector<JobId> pending_;
  std::vector<JobId> fresh_;
};

// A fleet of one-node pools of one provider; the tenant "lab" buys each pool spot, on demand or
// both at the prices given (no contracts: the view answers from its own tables). Placements
// start at once. Every start of a job without a deadline is checked against ScanCheapest.
class FakeCluster final : public ClusterView, public Placer {
 public:
  FakeCluster() {
    h100 = fleet_.AddAcceleratorType("H100");
    a100 = fleet_.AddAcceleratorType("A100");
    region_ = fleet_.AddRegion(fleet_.AddProvider("p"), "r");
    lab = fleet_.AddTenant({"lab", 1, std::nullopt});
  }

  PoolId AddPool(AcceleratorTypeId type, int32_t accelerators, std::optional<Micros> on_demand,
                 std::optional<Micros> spot) {
    const PoolId pool = AddTestPool(fleet_, region_, type, 1, accelerators, on_demand, 0, spot);
    on_demand_.push_back(on_demand);
    spot_.push_back(spot);
    used_.push_back(0);
    running_.emplace_back();
    return pool;
  }
  // A job of `gang`, submitted now, that needs `seconds` on H100 and, if `a100_slowdown` > 0,
  // that many times longer on A100 (or runs only on A100 when `on_h100` is false).
  JobId AddJob(int32_t gang, Duration seconds, int64_t a100_slowdown = 0, bool on_h100 = true,
               Time deadline = kNever, int32_t priority = 0) {
    const int64_t scale = a100_slowdown > 0 ? a100_slowdown : 1;
    Job job =
        TestJob("j" + std::to_string(jobs_.size()), lab, now_, gang, seconds * scale, {}, priority);
    if (on_h100) job.throughputs.push_back({h100, scale});
    if (a100_slowdown > 0) job.throughputs.push_back({a100, 1});
    job.nodes = 1;
    job.deadline = deadline;
    jobs_.push_back(std::move(job));
    pool_of_.emplace_back();
    pending_.push_back(false);
    return JobId::FromIndex(jobs_.size() - 1);
  }

  void set_policy(Policy* policy) { policy_ = policy; }
  void set_now(Time now) { now_ = now; }
  void Pend(JobId job) {
    pending_[job.index()] = true;
    policy_->OnPending(job, *this);
  }
  // Ends a running job; returns the pool it freed.
  PoolId Finish(JobId job) {
    const PoolId pool = Release(job);
    policy_->OnReleased(job);
    return pool;
  }
  void Pass(const std::vector<PoolId>& grown) { policy_->Schedule(*this, grown, *this); }
  int64_t pending() const { return std::count(pending_.begin(), pending_.end(), true); }
  std::vector<JobId> Running() const {
    std::vector<JobId> running;
    for (size_t j = 0; j < pool_of_.size(); ++j) {
      if (pool_of_[j].valid()) running.push_back(JobId::FromIndex(j));
    }
    return running;
  }
  std::vector<PoolId> AllPools() const {
    std::vector<PoolId> all;
    for (size_t p = 0; p < fleet_.pools.size(); ++p) all.push_back(PoolId::FromIndex(p));
    return all;
  }

  // ClusterView.
  Time now() const override { return now_; }
  const Fleet& fleet() const override { return fleet_; }
  int64_t FreeAccelerators(PoolId pool) const override {
    return fleet_.pool(pool).accelerators_per_node - used_[pool.index()];
  }
  const Job& job(JobId job) const override { return jobs_[job.index()]; }
  Work RemainingWork(JobId job) const override { return jobs_[job.index()].work; }
  std::optional<Micros> PriceFor(TenantId /*tenant*/, PoolId pool) const override {
    return on_demand_[pool.index()] ? on_demand_[pool.index()] : spot_[pool.index()];
  }
  std::optional<Micros> PurchasePrice(TenantId tenant, PoolId pool, Purchase how) const override {
    switch (how) {
      case Purchase::kDefault:
        return PriceFor(tenant, pool);
      case Purchase::kSpot:
        return spot_[pool.index()];
      case Purchase::kOnDemand:
        return on_demand_[pool.index()];
    }
    return std::nullopt;
  }
  std::span<const JobId> RunningOn(PoolId pool) const override { return running_[pool.index()]; }
  Time RunStart(JobId /*job*/) const override { return 0; }
  Work WorkAtRisk(JobId /*job*/) const override { return 0; }

  // Placer.
  bool Place(JobId job, PoolId pool) override { return PlaceAs(job, pool, Purchase::kDefault); }
  bool PlaceAs(JobId job, PoolId pool, Purchase how) override {
    const Job& spec = jobs_[job.index()];
    if (!pending_[job.index()] || FreeAccelerators(pool) < spec.accelerators ||
        !PurchasePrice(lab, pool, how)) {
      return false;
    }
    const Start start{job, pool, how};
    if (spec.deadline == kNever) {
      const std::optional<Start> scan = ScanCheapest(job, *this);
      EXPECT_EQ(std::optional<Start>(start), scan) << "at start " << starts.size();
    }
    pending_[job.index()] = false;
    used_[pool.index()] += spec.accelerators;
    pool_of_[job.index()] = pool;
    running_[pool.index()].push_back(job);
    starts.push_back(start);
    return true;
  }
  bool Preempt(JobId job, std::string_view /*reason*/) override {
    if (!pool_of_[job.index()].valid()) return false;
    Finish(job);
    Pend(job);
    return true;
  }

  AcceleratorTypeId h100, a100;
  TenantId lab;
  std::vector<Start> starts;

 private:
  PoolId Release(JobId job) {
    const PoolId pool = pool_of_[job.index()];
    std::vector<JobId>& running = running_[pool.index()];
    std::erase(running, job);
    used_[pool.index()] -= jobs_[job.index()].accelerators;
    pool_of_[job.index()] = PoolId();
    return pool;
  }

  Fleet fleet_;
  RegionId region_;
  std::vector<Job> jobs_;
  std::vector<std::optional<Micros>> on_demand_, spot_;
  std::vector<int64_t> used_;
  std::vector<std::vector<JobId>> running_;
  std::vector<PoolId> pool_of_;
  std::vector<bool> pending_;
  Policy* policy_ = nullptr;
  Time now_ = 0;
};

// Four H100 pools and one A100 pool of 4 accelerators; jobs of 4 that need 100 s on H100 and
// 200 s on A100. A whole run costs 4 x runtime x price / 3,600 s, in micro-dollars:
//   P0 on demand $3.600004/h: 400,000 (rounded) | P1 on demand $3.60/h: 400,000
//   P2 spot $2/h: 222,222, on demand $5/h        | P3 spot $2/h: 222,222
//   P4 (A100) on demand $1/h: 200 s, 222,222
// By price P1 comes before P0, but at equal cost the scan keeps the lower id; P2 and P3 tie and
// P2 comes first; P4 ties them in cost but runs longer.
class DeadlineSpotRankedTest : public ::testing::TestWithParam<DeadlineSpotPolicy::Rule> {
 protected:
  DeadlineSpotRankedTest() : policy_(GetParam()) {
    c_.set_policy(&policy_);
    p0_ = c_.AddPool(c_.h100, 4, 3'600'004, std::nullopt);
    p1_ = c_.AddPool(c_.h100, 4, 3'600'000, std::nullopt);
    p2_ = c_.AddPool(c_.h100, 4, 5'000'000, 2'000'000);
    p3_ = c_.AddPool(c_.h100, 4, std::nullopt, 2'000'000);
    p4_ = c_.AddPool(c_.a100, 4, 1'000'000, std::nullopt);
  }

  DeadlineSpotPolicy policy_;
  FakeCluster c_;
  PoolId p0_, p1_, p2_, p3_, p4_;
};

TEST_P(DeadlineSpotRankedTest, StartsWhereThePlainScanWould) {
  std::vector<JobId> jobs(6);
  for (JobId& job : jobs) job = c_.AddJob(4, 100, 2);
  for (JobId job : jobs) c_.Pend(job);
  c_.Pass(c_.AllPools());
  // Queue order: spot on P2, then P3 (equal cost, higher id); P4 (same cost, longer run); then
  // on demand on P0 (equal cost to P1, lower id) and P1. The sixth job fits nowhere.
  const Purchase spot = Purchase::kSpot;
  const Purchase on_demand = Purchase::kOnDemand;
  EXPECT_EQ(c_.starts, (std::vector<Start>{{jobs[0], p2_, spot},
                                           {jobs[1], p3_, spot},
                                           {jobs[2], p4_, on_demand},
                                           {jobs[3], p0_, on_demand},
                                           {jobs[4], p1_, on_demand}}));
  // P0 was full when its lists last looked; it frees, and the waiting job takes it.
  c_.set_now(100);
  c_.Pass({c_.Finish(jobs[3])});
  ASSERT_EQ(c_.starts.size(), 6u);
  EXPECT_EQ(c_.starts.back(), (Start{jobs[5], p0_, on_demand}));

  // A deadline job with 600 s of slack on H100 is critical: the fastest on-demand pool with
  // room (P1, not the cheaper P4).
  c_.Pass({c_.Finish(jobs[4]), c_.Finish(jobs[2])});
  const JobId critical = c_.AddJob(4, 100, 2, true, 100 + 100 + DeadlineSpotPolicy::kChangeover);
  c_.Pend(critical);
  c_.Pass({});
  ASSERT_EQ(c_.starts.size(), 7u);
  EXPECT_EQ(c_.starts.back(), (Start{critical, p1_, on_demand}));

  // One with slack waits for spot (both rules: just submitted, it is not behind), and takes P3
  // when it frees.
  const JobId relaxed = c_.AddJob(4, 100, 2, true, 1'000'000);
  c_.Pend(relaxed);
  c_.Pass({});
  EXPECT_EQ(c_.starts.size(), 7u);
  c_.Pass({c_.Finish(jobs[1])});
  ASSERT_EQ(c_.starts.size(), 8u);
  EXPECT_EQ(c_.starts.back(), (Start{relaxed, p3_, spot}));
  EXPECT_EQ(policy_.decisions(),
            (std::vector<std::pair<JobId, Purchase>>{{critical, on_demand}, {relaxed, spot}}));
}

// 24 pools of 1-16 accelerators with prices from a few near-equal values (many equal costs at
// different prices), some spot only, some on demand only.
void AddSeededFleet(FakeCluster& c) {
  std::mt19937_64 rng(7);
  const auto draw = [&rng](uint64_t n) { return static_cast<int64_t>(rng() % n); };
  const Micros prices[] = {3'600'000, 3'600'001, 3'600'002, 3'599'999, 1'800'000, 1'800'001};
  for (int p = 0; p < 24; ++p) {
    const std::optional<Micros> on_demand =
        draw(4) == 0 ? std::nullopt : std::optional<Micros>(prices[draw(6)]);
    const std::optional<Micros> spot =
        (!on_demand || draw(2) == 0) ? std::optional<Micros>(prices[draw(6)] / 3) : std::nullopt;
    c.AddPool(draw(2) == 0 ? c.h100 : c.a100, 1 + static_cast<int32_t>(draw(16)), on_demand, spot);
  }
}

TEST_P(DeadlineSpotRankedTest, SeededArrivalsAndFinishesStartWhereThePlainRuleWould) {
  // The policy and ScanPolicy each run the same stream over their own copy of the fleet: two
  // arrivals (jobs of 1-8 on H100, A100 or both, with priorities) for each finish of a job drawn
  // among those running. Equal starts keep the two copies equal, so the streams stay the same.
  FakeCluster ranked, plain;
  ScanPolicy scan;
  for (auto& [c, policy] : {std::pair<FakeCluster*, Policy*>{&ranked, &policy_}, {&plain, &scan}}) {
    c->set_policy(policy);
    AddSeededFleet(*c);
  }
  std::mt19937_64 rng(11);
  const auto draw = [&rng](uint64_t n) { return static_cast<int64_t>(rng() % n); };
  const int32_t gangs[] = {1, 1, 2, 4, 8};
  for (int step = 0; step < 3000 && ranked.starts == plain.starts; ++step) {
    const std::vector<JobId> running = ranked.Running();
    const bool arrive = running.empty() || draw(3) != 0;
    const int64_t kind = draw(3);  // H100 only, A100 only, both
    const int32_t gang = gangs[draw(5)];
    const Duration seconds = 100 + draw(2000);
    const int64_t slowdown = kind == 0 ? 0 : 1 + draw(3);
    const int32_t priority = static_cast<int32_t>(draw(3));
    const size_t finish = running.empty() ? 0 : static_cast<size_t>(draw(running.size()));
    for (FakeCluster* c : {&ranked, &plain}) {
      c->set_now(step);
      if (arrive) {
        c->Pend(c->AddJob(gang, seconds, slowdown, kind != 1, kNever, priority));
        c->Pass({});
      } else {
        c->Pass({c->Finish(running[finish])});
      }
    }
  }
  EXPECT_EQ(ranked.starts, plain.starts);
  EXPECT_GT(ranked.starts.size(), 1000u);
  EXPECT_GT(ranked.pending(), 100);  // the queue is long: starts are chosen among many
}

INSTANTIATE_TEST_SUITE_P(Rules, DeadlineSpotRankedTest,
                         ::testing::Values(DeadlineSpotPolicy::Rule::kGreedy,
                                           DeadlineSpotPolicy::Rule::kUniformProgress),
                         [](const ::testing::TestParamInfo<DeadlineSpotPolicy::Rule>& info) {
                           return info.param == DeadlineSpotPolicy::Rule::kGreedy
                                      ? "Greedy"
                                      : "UniformProgress";
                         });

}  // namespace
}  // namespace arbiter
