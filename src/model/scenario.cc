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
  return absl::OkStatus();
}

}  // namespace arbiter
