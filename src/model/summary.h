// The headline figures of one run, computed by sim/metrics from the core's records and written by
// formats/results (summary.json) and report/ (the terminal table). Plain data.
#ifndef ARBITER_MODEL_SUMMARY_H_
#define ARBITER_MODEL_SUMMARY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "model/ids.h"
#include "model/units.h"

namespace arbiter {

// Statistics of a set of durations in seconds. Percentiles use the nearest-rank method on the
// sorted values (p-th percentile = the value at rank ceil(p/100 x n)); the median is the 50th.
struct DurationStats {
  int64_t count = 0;
  double mean = 0;
  Duration median = 0;
  Duration p99 = 0;
  Duration max = 0;
};

struct PoolUsage {
  PoolId pool;
  int64_t capacity_accelerator_seconds = 0;  // over [0, end of run]
  int64_t busy_accelerator_seconds = 0;      // charged use
  double utilisation = 0;                    // busy / capacity, 0 when capacity is 0
  Micros revenue = 0;                        // charged to all tenants
};

struct ProviderUsage {
  ProviderId provider;
  int64_t capacity_accelerator_seconds = 0;
  int64_t busy_accelerator_seconds = 0;
  double utilisation = 0;
  Micros revenue = 0;  // from external tenants (first-party use is internal)
};

// Charges by the ledger's kind of charge (ChargeKind, model/charge.h), in micro-dollars.
struct CostByKind {
  Micros on_demand = 0;
  Micros spot = 0;
  Micros committed = 0;
  Micros reserved = 0;
  Micros internal = 0;
  Micros egress = 0;
};

struct TenantSpend {
  TenantId tenant;
  int64_t jobs = 0;
  int64_t finished = 0;
  Micros cost = 0;
  int64_t accelerator_seconds = 0;
  std::vector<Micros> cost_by_provider;  // indexed by provider
  CostByKind cost_by_kind;               // sums to `cost`
  DurationStats jct;
};

struct RunSummary {
  std::string scenario;
  std::string policy;
  uint64_t seed = 0;
  int64_t jobs = 0;
  int64_t finished = 0;
  int64_t running = 0;           // still running when the run ended (horizon reached)
  int64_t pending = 0;           // never started or waiting again
  int64_t rejected = 0;          // could never run
  DurationStats jct;             // end - submit, finished jobs
  DurationStats queueing_delay;  // first start - submit, started jobs
  Time first_submit = 0;
  Time last_finish = 0;
  Duration makespan = 0;  // last finish - first submit
  Time end = 0;           // simulated time when the run stopped
  int64_t events = 0;
  Micros total_cost = 0;
  int64_t accelerator_seconds = 0;
  std::vector<PoolUsage> pools;
  std::vector<ProviderUsage> providers;
  std::vector<TenantSpend> tenants;
};

}  // namespace arbiter

#endif  // ARBITER_MODEL_SUMMARY_H_
