#include "sched/registry.h"

#include <algorithm>
#include <functional>

#include "model/strings.h"
#include "sched/backfill.h"
#include "sched/cost_greedy.h"
#include "sched/deadline_spot.h"
#include "sched/fair_share.h"
#include "sched/fifo.h"
#include "sched/fifo_strict.h"
#include "sched/gavel.h"
#include "sched/sjf.h"
#include "sched/srtf.h"
#include "sched/tiresias.h"

namespace arbiter {
namespace {

struct Entry {
  const char* name;
  const char* summary;
  std::unique_ptr<Policy> (*make)(const PolicyOptions&);
};

// One line per policy. Kept sorted by name.
constexpr Entry kPolicies[] = {
    {"backfill-conservative",
     "reservations for the first 32 blocked jobs in queue order; others only in the gaps",
     &MakeConservativeBackfillPolicy},
    {"backfill-easy", "EASY backfill: the head gang's start is reserved; others only in the gaps",
     &MakeEasyBackfillPolicy},
    {"cost-greedy", "each job in turn takes the cheapest pool that can start it now",
     &MakeCostGreedyPolicy},
    {"fair",
     "quotas per tenant, weighted dominant share, borrowing; preempts by priority and to "
     "reclaim quota",
     &MakeFairSharePolicy},
    {"fair-no-preempt", "fair without preemption", &MakeFairShareNoPreemptPolicy},
    {"fifo", "priority, then arrival order; fastest pool with room; no head-of-line blocking",
     &MakeFifoPolicy},
    {"fifo-strict", "priority, then arrival order; a job that does not fit blocks those behind it",
     &MakeStrictFifoPolicy},
    {"gavel-cost", "rounds of a min-cost-with-deadlines allocation LP over (job, type)",
     &MakeGavelCostPolicy},
    {"gavel-fifo",
     "rounds: in arrival order, each job on the fastest type with room (Gavel's FIFO)",
     &MakeGavelFifoPolicy},
    {"gavel-fifo-agnostic",
     "rounds: in arrival order, each job on a type with room at random (Gavel's base FIFO)",
     &MakeGavelFifoAgnosticPolicy},
    {"gavel-makespan", "rounds of a min-makespan allocation LP over (job, type)",
     &MakeGavelMakespanPolicy},
    {"gavel-maxmin",
     "rounds of a max-min-fairness allocation LP over (job, type): Gavel's heterogeneity-aware LAS",
     &MakeGavelMaxMinPolicy},
    {"gavel-maxmin-agnostic",
     "gavel-maxmin with every throughput 1: Gavel's least-attained-service baseline, by job",
     &MakeGavelMaxMinAgnosticPolicy},
    {"sjf", "shortest runtime first on each pool; fastest pool with room", &MakeSjfPolicy},
    {"srtf", "preemptive shortest remaining time first (at the fastest type's rate)",
     &MakeSrtfPolicy},
    {"spot-greedy",
     "deadline jobs: spot while it has room, on-demand only when the deadline needs it now",
     &MakeSpotGreedyPolicy},
    {"spot-up", "deadline jobs: spot, or on-demand when behind uniform progress (Can't Be Late)",
     &MakeSpotUniformProgressPolicy},
    {"tiresias",
     "Tiresias's discretised 2D-LAS: queues by accelerator-seconds attained, preemptive, "
     "starvation guard",
     &MakeTiresiasPolicy},
};

}  // namespace

absl::StatusOr<std::unique_ptr<Policy>> MakePolicy(std::string_view name,
                                                   const PolicyOptions& options) {
  for (const Entry& e : kPolicies) {
    if (name == e.name) return e.make(options);
  }
  std::vector<std::string> names;
  for (const Entry& e : kPolicies) names.emplace_back(e.name);
  return absl::NotFoundError(
      StrCat("unknown policy '", name, "'; known policies: ", StrJoin(names, ", ")));
}

std::vector<PolicyInfo> ListPolicies() {
  std::vector<PolicyInfo> out;
  for (const Entry& e : kPolicies) out.push_back({e.name, e.summary});
  return out;
}

}  // namespace arbiter
