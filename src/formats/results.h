// Writers for a run's results: jobs.csv and summary.json (docs/outputs.md documents both).
//
// Output is all or nothing: every file is written to a temporary name in the output directory
// and renamed into place only when all of them were written, so a failed run leaves no
// half-written results behind.
#ifndef ARBITER_FORMATS_RESULTS_H_
#define ARBITER_FORMATS_RESULTS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "model/charge.h"
#include "model/job.h"
#include "model/market.h"
#include "model/outcome.h"
#include "model/scenario.h"
#include "model/summary.h"

namespace arbiter {

// One row per job, in job id order:
// id,name,tenant,submit,start,end,provider,pool,accelerator_type,accelerators,cost,
// accelerator_hours,state,interruptions,restarts,migrations,lost_accelerator_hours,lost_cost,
// egress_cost,goodput
std::string JobsCsv(const Scenario& scenario, const std::vector<Job>& jobs,
                    const std::vector<JobOutcome>& outcomes);

// summary.json, keys in a fixed order so that equal runs give byte-identical files.
std::string SummaryJson(const Scenario& scenario, const RunSummary& summary);

// market.jsonl: one JSON object a line, in time order: every market step (request, ask, offer,
// decline, timeout, award, unplaced, deliver, late, release, preempt) and every charge.
std::string MarketJsonl(const Scenario& scenario, const std::vector<AuditRecord>& audit,
                        const std::vector<Charge>& charges);

struct OutputFile {
  // A file name inside the output directory, or a path: absolute, or relative to that directory.
  std::string name;
  std::string contents;
};

// Creates `dir` (and the directory of each file) if needed and writes all `files` atomically
// (see above): each goes to a temporary name beside its destination first.
absl::Status WriteOutputs(const std::string& dir, const std::vector<OutputFile>& files);

}  // namespace arbiter

#endif  // ARBITER_FORMATS_RESULTS_H_
