#include "model/scenario.h"

#include "model/strings.h"

namespace arbiter {

absl::Status Scenario::Validate() const {
  if (absl::Status s = fleet.Validate(); !s.ok()) return s;
  Time previous = 0;
  for (const Job& job : jobs) {
    if (absl::Status s = ValidateJob(job, fleet); !s.ok()) return s;
    if (job.submit < previous) {
      return absl::InvalidArgumentError(
          StrCat("job ", job.name, ": jobs must be ordered by submit time"));
    }
    previous = job.submit;
  }
  for (const CapacityChange& c : capacity_changes) {
    if (!c.pool.valid() || c.pool.index() >= fleet.pools.size()) {
      return absl::InvalidArgumentError("capacity change for an unknown pool");
    }
    if (c.at < 0 || c.nodes < 0) {
      return absl::InvalidArgumentError(StrCat("capacity change for pool ", fleet.pool(c.pool).name,
                                               ": time and nodes must be >= 0"));
    }
  }
  const auto pool_ok = [this](PoolId p) { return p.valid() && p.index() < fleet.pools.size(); };
  for (const NodeFailures& f : faults.node_failures) {
    if (!pool_ok(f.pool) || f.mtbf <= 0) {
      return absl::InvalidArgumentError("node failures need a known pool and an mtbf > 0");
    }
  }
  for (const SpotPreemption& f : faults.spot) {
    if (!pool_ok(f.pool) || (f.counts.empty() && f.mean_time_between <= 0) ||
        (!f.counts.empty() && f.gap <= 0)) {
      return absl::InvalidArgumentError(
          "spot preemption needs a known pool and a trace with gap > 0 or a mean time > 0");
    }
  }
  for (const CapacityRevocation& r : faults.revocations) {
    if (!pool_ok(r.pool) || r.nodes < 0 || r.at < 0 || r.until <= r.at) {
      return absl::InvalidArgumentError(
          "a revocation needs a known pool, nodes >= 0 and until after at");
    }
  }
  for (const RegionOutage& o : faults.outages) {
    if (!o.region.valid() || o.region.index() >= fleet.regions.size() || o.end <= o.start) {
      return absl::InvalidArgumentError("an outage needs a known region and end after start");
    }
  }
  return absl::OkStatus();
}

}  // namespace arbiter
