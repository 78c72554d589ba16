// Arbiter's CSV job format, for a fleet of two types and two tenants.
#include "formats/job_csv.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbiter;
  static const Fleet* fleet = [] {
    auto* f = new Fleet;
    f->AddAcceleratorType("V100");
    f->AddAcceleratorType("H100");
    f->AddTenant({"lab", 1, std::nullopt});
    f->AddTenant({"startup", 1, std::nullopt});
    return f;
  }();
  WorkloadOptions options;
  options.source = "training";
  options.time_scale = size % 3 == 0 ? 0.5 : 1.0;  // both paths of SubmitTime
  options.offset = size % 5 == 0 ? 3600 : 0;
  std::vector<Job> jobs;
  WorkloadReport report;
  if (CsvJobs("jobs.csv", fuzz::Text(data, size), *fleet, options, jobs, report).ok()) {
    fuzz::RequireJobs(jobs);
    for (const Job& job : jobs) {
      fuzz::Require(ValidateJob(job, *fleet).ok(), "a CSV job does not validate");
    }
  }
  return 0;
}
