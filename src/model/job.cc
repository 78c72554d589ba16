#include "model/job.h"

#include <algorithm>

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
  if (job.max_restarts < 0) return fail("max_restarts must be >= 0");
  if (job.placement != nullptr) {
    if (job.placement->rules.empty()) return fail("a placement needs at least one rule");
    for (const PlacementRule& rule : job.placement->rules) {
      if (!job.RateOn(rule.type))
        return fail("a placement rule names a type the job does not accept");
      if (rule.provider.valid() && rule.provider.index() >= fleet.providers.size()) {
        return fail("a placement rule names an unknown provider");
      }
      if (rule.region.valid() &&
          (rule.region.index() >= fleet.regions.size() || !rule.provider.valid() ||
           fleet.regions[rule.region.index()].provider != rule.provider)) {
        return fail("a placement rule names a region that is not its provider's");
      }
      if (rule.preference < 0) return fail("a placement rule's preference must be >= 0");
    }
    for (const Throughput& t : job.throughputs) {
      const bool covered =
          std::any_of(job.placement->rules.begin(), job.placement->rules.end(),
                      [&t](const PlacementRule& rule) { return rule.type == t.type; });
      if (!covered) return fail("an accepted type that no placement rule allows");
    }
  }
  return absl::OkStatus();
}

}  // namespace arbiter
