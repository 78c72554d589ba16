#include "model/job.h"

#include "model/fleet.h"
#include "model/strings.h"

namespace arbiter {

absl::Status ValidateJob(const Job& job, const Fleet& fleet) {
  const auto fail = [&job](std::string_view what) {
    return absl::InvalidArgumentError(StrCat("job ", job.name, ": ", what));
  };
  if (!job.tenant.valid() || job.tenant.index() >= fleet.tenants.size()) {
    return fail("unknown tenant");
  }
  if (job.submit < 0) return fail("submit time must be >= 0");
  if (job.accelerators <= 0) return fail("accelerators must be > 0");
  if (job.nodes <= 0 || job.nodes > job.accelerators) {
    return fail("nodes must be in [1, accelerators]");
  }
  if (job.work <= 0) return fail("work must be > 0");
  if (job.throughputs.empty()) return fail("no acceptable accelerator type");
  for (size_t i = 0; i < job.throughputs.size(); ++i) {
    const Throughput& t = job.throughputs[i];
    if (!t.type.valid() || t.type.index() >= fleet.accelerator_types.size()) {
      return fail("unknown accelerator type");
    }
    if (t.rate <= 0) return fail("throughput must be > 0");
    for (size_t j = 0; j < i; ++j) {
      if (job.throughputs[j].type == t.type) return fail("accelerator type listed twice");
    }
  }
  if (job.deadline != kNever && job.deadline <= job.submit) {
    return fail("deadline must be after submit");
  }
  if (job.checkpoint_interval < 0 || job.checkpoint_bytes < 0 || job.restore < 0) {
    return fail("checkpoint interval and size and restore time must be >= 0");
  }
  return absl::OkStatus();
}

}  // namespace arbiter
