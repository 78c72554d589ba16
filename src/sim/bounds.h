// Lower bounds on what any policy can achieve on a scenario, and the equal-share baseline of
// finish-time fairness. Both depend on the scenario only, never on a run, so every policy run on
// the same scenario is measured against the same numbers. docs/outputs.md states the bounds and
// why each holds.
//
// A job counts when some pool can ever run it (the core rejects the others at submission, with
// the same rule as sched/eligibility.h). For a counted job:
// - its fastest runtime is ceil(work / its fastest rate on a type of a pool that can run it): no
//   run, split or not, does its work sooner;
// - its cheapest usage is accelerators x work / rate x price / 3600 micro-dollars on the pool
//   where price / rate is least, with `price` the lowest per-accelerator-hour price the tenant
//   can be charged there (PriceFloor).
#ifndef ARBITER_SIM_BOUNDS_H_
#define ARBITER_SIM_BOUNDS_H_

#include <optional>
#include <vector>

#include "model/scenario.h"
#include "model/summary.h"

namespace arbiter {

// What one job needs at the least, whatever the policy.
struct JobFloor {
  bool counted = false;      // some pool can ever run it
  Duration runtime = 0;      // fastest possible runtime, seconds
  Micros usage_cost = 0;     // cheapest possible usage charge, rounded down
  int64_t max_capacity = 0;  // accelerators of the pools that can run it, at their largest
};

// The lowest price `tenant` can be charged per accelerator-hour on `pool`, or nullopt if it can
// never use the pool: 0 on a holding pool of its own; the internal price on its own provider's
// pools (first party); else the least of its on-demand and spot contract prices there (each
// list price minus the contract's discount) and, when the provider's agent matches quotes, the
// pool's cost basis (its committed price, or 0), the lowest price a match can reach.
std::optional<Micros> PriceFloor(const Fleet& fleet, TenantId tenant, PoolId pool);

// Per job of the scenario, in job order. `scenario` must be the simulator's (with the holding
// pools of its contracts: Simulator::scenario()).
std::vector<JobFloor> JobFloors(const Scenario& scenario);

// The scenario's bounds (ratios unset): makespan, mean JCT and cost, over the counted jobs.
RunBounds ComputeBounds(const Scenario& scenario, const std::vector<JobFloor>& floors);

// Sets the ratios of `bounds` from the run's results, when every job was submitted and every
// counted job finished (else the bounds would not apply and the ratios stay unset).
void RateRun(const RunSummary& summary, RunBounds& bounds);

// Per job (0 for a job not counted): the completion time it would have with an equal share of
// the fleet, the baseline of finish-time fairness. With N jobs in the system when it arrives
// (counted jobs i with submit_i <= submit < submit_i + runtime_i, itself included) and C the
// accelerators of the pools that can run it, a 1/N share is C/N accelerators; a gang of A runs
// at full speed when A <= C/N, else a fraction (C/N)/A of the time:
//   runtime x max(1, N x A / C).
std::vector<double> EqualShareTimes(const Scenario& scenario, const std::vector<JobFloor>& floors);

}  // namespace arbiter

#endif  // ARBITER_SIM_BOUNDS_H_
