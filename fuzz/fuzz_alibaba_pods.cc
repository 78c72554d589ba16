// The Alibaba GPU 2023 pod list (CSV), turned into jobs.
#include "formats/alibaba.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbiter;
  WorkloadOptions options;
  options.source = "pods";
  options.tenant = TenantId(0);
  options.types = {{"V100M16", AcceleratorTypeId(0), 1.0}, {"V100M32", AcceleratorTypeId(1), 2.5}};
  options.time_scale = size % 2 == 0 ? 1.0 : 0.05;
  std::vector<Job> jobs;
  WorkloadReport report;
  if (AlibabaPodJobs("pods.csv", fuzz::Text(data, size), options, jobs, report).ok()) {
    fuzz::RequireJobs(jobs);
  }
  return 0;
}
