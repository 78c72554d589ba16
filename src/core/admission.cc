#include "core/admission.h"

#include <string>

#include "core/access.h"

namespace arbiter {
namespace {

// What eligibility reads of a ClusterView: the fleet and the prices from the contracts.
class ContractView final : public ClusterView {
 public:
  explicit ContractView(const Fleet& fleet) : fleet_(fleet), access_(fleet) {}
  Time now() const override { return 0; }
  const Fleet& fleet() const override { return fleet_; }
  int64_t FreeAccelerators(PoolId pool) const override { return fleet_.pool(pool).capacity(); }
  const Job& job(JobId) const override { return none_; }
  Work RemainingWork(JobId) const override { return 0; }
  std::optional<Micros> PriceFor(TenantId tenant, PoolId pool) const override {
    return access_.Price(tenant, pool);
  }
  std::span<const JobId> RunningOn(PoolId) const override { return {}; }
  Time RunStart(JobId) const override { return 0; }
  Work WorkAtRisk(JobId) const override { return 0; }

 private:
  const Fleet& fleet_;
  AccessTable access_;
  Job none_;
};

}  // namespace

std::vector<Unrunnable> UnrunnableJobs(const Scenario& scenario) {
  const ContractView view(scenario.fleet);
  std::vector<Unrunnable> out;
  for (size_t i = 0; i < scenario.jobs.size(); ++i) {
    const Job& job = scenario.jobs[i];
    if (absl::Status s = ValidateJob(job, scenario.fleet); !s.ok()) {
      out.push_back({i, {RejectReason::kInvalid, std::string(s.message())}});
    } else if (!AnyEligiblePool(job, view)) {
      out.push_back({i, WhyNoPoolOf(job, view)});
    }
  }
  return out;
}

}  // namespace arbiter
