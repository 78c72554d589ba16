#include "core/recovery.h"

#include <algorithm>
#include <tuple>

#include "model/strings.h"
#include "sched/eligibility.h"

namespace arbiter {

void RankCandidates(JobId job, absl::InlinedVector<RecoveryCandidate, 8>& candidates,
                    const ClusterView& view) {
  const Job& spec = view.job(job);
  struct Scored {
    int32_t preference;
    Micros cost;
    Ppm hold;
    RecoveryCandidate candidate;
  };
  absl::InlinedVector<Scored, 8> scored;
  for (const RecoveryCandidate& c : candidates) {
    const std::optional<Micros> price = view.PurchasePrice(spec.tenant, c.pool, c.how);
    if (!price || !PlacementAllows(spec, c.pool, c.how, view)) continue;
    scored.push_back({PreferenceOf(spec, c.pool, view),
                      ChargeFor(spec.accelerators, RuntimeOn(job, c.pool, view), *price),
                      view.HoldPpm(c.pool), c});
  }
  std::stable_sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
    return std::make_tuple(a.preference, a.cost, -a.hold, a.candidate.pool) <
           std::make_tuple(b.preference, b.cost, -b.hold, b.candidate.pool);
  });
  candidates.clear();
  for (const Scored& s : scored) candidates.push_back(s.candidate);
}

namespace {

// Anywhere, as the scheduling policy decides: the job goes back to its queue.
class AnyPool final : public RecoveryPolicy {
 public:
  std::string_view name() const override { return "any-pool"; }
  RecoveryPlan Plan(const KilledRun& /*run*/, const ClusterView& /*view*/) const override {
    return {true, {}};
  }
};

// Waits for the pool it was killed on, bought the same way (its data and images are there).
class SamePool final : public RecoveryPolicy {
 public:
  std::string_view name() const override { return "same-pool"; }
  RecoveryPlan Plan(const KilledRun& run, const ClusterView& view) const override {
    RecoveryPlan plan;
    const Purchase how =
        run.spot && view.PurchasePrice(view.job(run.job).tenant, run.pool, Purchase::kSpot)
            ? Purchase::kSpot
            : Purchase::kDefault;
    plan.candidates.push_back({run.pool, how});
    return plan;
  }
};

// Any eligible pool of another provider than the one that killed it; if no other provider has
// one, the scheduling policy decides.
class OtherProvider final : public RecoveryPolicy {
 public:
  std::string_view name() const override { return "other-provider"; }
  RecoveryPlan Plan(const KilledRun& run, const ClusterView& view) const override {
    RecoveryPlan plan;
    for (PoolId pool : EligiblePools(view.job(run.job), view)) {
      if (view.fleet().pool(pool).provider != run.provider) plan.candidates.push_back({pool});
    }
    RankCandidates(run.job, plan.candidates, view);
    plan.to_policy = plan.candidates.empty();
    return plan;
  }
};

// Never spot again: any eligible pool where the tenant buys on demand (or holds capacity); if
// there is none, the scheduling policy decides.
class OnDemand final : public RecoveryPolicy {
 public:
  std::string_view name() const override { return "on-demand"; }
  RecoveryPlan Plan(const KilledRun& run, const ClusterView& view) const override {
    RecoveryPlan plan;
    for (PoolId pool : EligiblePools(view.job(run.job), view)) {
      plan.candidates.push_back({pool, Purchase::kOnDemand});
    }
    RankCandidates(run.job, plan.candidates, view);
    plan.to_policy = plan.candidates.empty();
    return plan;
  }
};

struct Entry {
  const char* name;
  const char* summary;
  std::unique_ptr<RecoveryPolicy> (*make)();
};

template <typename T>
std::unique_ptr<RecoveryPolicy> Make() {
  return std::make_unique<T>();
}

constexpr Entry kPolicies[] = {
    {"any-pool", "back to the scheduling policy's queue; it may place the job anywhere",
     &Make<AnyPool>},
    {"on-demand", "fall back from spot to on-demand (or held) capacity", &Make<OnDemand>},
    {"other-provider", "avoid the provider that killed the job; cheapest pool most likely to hold",
     &Make<OtherProvider>},
    {"same-pool", "wait for the pool the job was killed on", &Make<SamePool>},
};

}  // namespace

absl::StatusOr<std::unique_ptr<RecoveryPolicy>> MakeRecoveryPolicy(std::string_view name) {
  for (const Entry& e : kPolicies) {
    if (name == e.name) return e.make();
  }
  std::vector<std::string> names;
  for (const Entry& e : kPolicies) names.emplace_back(e.name);
  return absl::NotFoundError(
      StrCat("unknown recovery policy '", name, "'; expected one of ", StrJoin(names, ", ")));
}

std::vector<RecoveryInfo> ListRecoveryPolicies() {
  std::vector<RecoveryInfo> out;
  for (const Entry& e : kPolicies) out.push_back({e.name, e.summary});
  return out;
}

}  // namespace arbiter
