// A job spec (SkyPilot-compatible YAML, or the API's JSON submission body: formats/job_spec.h).
// An accepted spec must survive its own JSON form (what the daemon stores and shows), and turn
// into a job that passes the loaders' check, or be refused with an error, on a small fleet.
#include "formats/job_spec.h"
#include "fuzz_common.h"
#include "model/fleet.h"

namespace {

const arbiter::Fleet& SmallFleet() {
  static const arbiter::Fleet* fleet = [] {
    auto* f = new arbiter::Fleet;
    const auto h100 = f->AddAcceleratorType("H100");
    const auto a100 = f->AddAcceleratorType("A100");
    const auto primary = f->AddProvider("primary");
    const auto rival = f->AddProvider("rival");
    for (const auto& [provider, type] : {std::pair{primary, h100}, std::pair{rival, a100}}) {
      arbiter::Pool pool;
      pool.region = f->AddRegion(provider, "local");
      pool.type = type;
      pool.nodes = 2;
      pool.accelerators_per_node = 4;
      pool.max_gang = 8;
      pool.on_demand_price = 4'000'000;
      f->AddPool(std::move(pool));
    }
    f->AddTenant({"lab"});
    return f;
  }();
  return *fleet;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbiter;
  absl::StatusOr<JobSpec> spec = ParseJobSpec("job.yaml", fuzz::Text(data, size));
  if (!spec.ok()) return 0;
  const std::string json = JobSpecToJson(*spec);
  absl::StatusOr<JobSpec> again = ParseJobSpec("stored", json);
  fuzz::Require(again.ok(), "an accepted spec's own JSON is refused");
  fuzz::Require(JobSpecToJson(*again) == json, "an accepted spec changes through its JSON");
  if (spec->tenant.empty()) spec->tenant = "lab";
  absl::StatusOr<Job> job = ToJob(*spec, SmallFleet(), {0, 1'700'000'000});
  if (job.ok()) fuzz::RequireJobs({*job});
  return 0;
}
