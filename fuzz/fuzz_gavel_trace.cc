// A Gavel (Philly-derived) trace, turned into jobs with the bundled throughput file.
#include "formats/gavel.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbiter;
  static const GavelThroughputs* throughputs = [] {
    absl::StatusOr<GavelThroughputs> t =
        GavelThroughputs::Load("data/gavel/simulation_throughputs.json");
    fuzz::Require(t.ok(), "run from the repository root (data/gavel is read)");
    return new GavelThroughputs(*std::move(t));
  }();
  absl::StatusOr<std::vector<GavelRow>> rows = ParseGavelTrace("t.trace", fuzz::Text(data, size));
  if (!rows.ok()) return 0;
  WorkloadOptions options;
  options.source = "philly";
  options.tenant = TenantId(0);
  options.types = {{"v100", AcceleratorTypeId(0), 1.0}, {"k80", AcceleratorTypeId(1), 1.0}};
  options.time_scale = size % 2 == 0 ? 1.0 : 0.05;
  std::vector<Job> jobs;
  WorkloadReport report;
  if (GavelJobs(*rows, *throughputs, options, jobs, report).ok()) fuzz::RequireJobs(jobs);
  return 0;
}
