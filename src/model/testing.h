// Builders for small hand-made fleets and jobs, for tests only.
#ifndef ARBITER_MODEL_TESTING_H_
#define ARBITER_MODEL_TESTING_H_

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "model/fleet.h"
#include "model/job.h"
#include "model/scenario.h"

namespace arbiter::testing {

// Adds a pool of `nodes` x `per_node` accelerators priced `on_demand` micro-dollars per
// accelerator-hour (nullopt: not sold on demand). max_gang defaults to the whole pool.
inline PoolId AddTestPool(Fleet& fleet, RegionId region, AcceleratorTypeId type, int32_t nodes,
                          int32_t per_node, std::optional<Micros> on_demand, int32_t max_gang = 0,
                          std::optional<Micros> spot = std::nullopt) {
  Pool pool;
  pool.region = region;
  pool.type = type;
  pool.nodes = nodes;
  pool.accelerators_per_node = per_node;
  pool.max_gang = max_gang > 0 ? max_gang : nodes * per_node;
  pool.on_demand_price = on_demand;
  pool.spot_price = spot;
  return fleet.AddPool(std::move(pool));
}

// A job that runs on one node per 8 accelerators.
inline Job TestJob(std::string name, TenantId tenant, Time submit, int32_t accelerators, Work work,
                   std::initializer_list<Throughput> throughputs, int32_t priority = 0) {
  Job job;
  job.name = std::move(name);
  job.tenant = tenant;
  job.submit = submit;
  job.accelerators = accelerators;
  job.nodes = (accelerators + 7) / 8;  // nodes of 8
  job.work = work;
  job.throughputs = throughputs;
  job.priority = priority;
  return job;
}

}  // namespace arbiter::testing

#endif  // ARBITER_MODEL_TESTING_H_
