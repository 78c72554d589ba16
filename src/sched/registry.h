// Policies by name. Each built-in policy is one line in registry.cc.
#ifndef ARBITER_SCHED_REGISTRY_H_
#define ARBITER_SCHED_REGISTRY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/scenario.h"
#include "sched/policy.h"

namespace arbiter {

struct PolicyOptions {
  uint64_t seed = 0;        // for policies that randomise; they must draw only from this
  PolicySettings settings;  // the scenario's policy_options
};

struct PolicyInfo {
  std::string name;
  std::string summary;  // one line, shown by `arbiter policies`
};

// Makes the policy registered as `name`, or NotFound listing the names that exist.
absl::StatusOr<std::unique_ptr<Policy>> MakePolicy(std::string_view name,
                                                   const PolicyOptions& options);

// Every registered policy, in name order.
std::vector<PolicyInfo> ListPolicies();

}  // namespace arbiter

#endif  // ARBITER_SCHED_REGISTRY_H_
