// Arbiter's own CSV job format. One header line, then one job a line; '#' starts a comment line.
//
//   name,tenant,submit,accelerators,nodes,duration,types,priority,deadline,checkpoint_interval,
//   checkpoint_bytes
//
// Required columns: name, submit, accelerators, duration, types; tenant unless the workload
// names one. Optional columns may be absent or empty (defaults in brackets):
//   name                 unique job name
//   tenant               a tenant of the scenario
//   submit               seconds from the start, integer >= 0
//   accelerators         gang size, integer >= 1
//   nodes                nodes the gang spans [ceil(accelerators / accelerators_per_node)]
//   duration             seconds of runtime at speed 1.0, integer >= 1
//   types                acceptable accelerator types with relative speed, '|'-separated:
//                        "H100:1.0|A100:0.55" (speed defaults to 1.0)
//   priority             integer, higher first [the workload's priority]
//   deadline             absolute seconds, > submit [none]
//   checkpoint_interval  seconds between checkpoints [0: none]
//   checkpoint_bytes     bytes per checkpoint [0]
// Runtime on a type = ceil(duration / speed).
#ifndef ARBITER_FORMATS_JOB_CSV_H_
#define ARBITER_FORMATS_JOB_CSV_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "formats/workload.h"
#include "model/fleet.h"

namespace arbiter {

// Reads jobs from `text`. Tenant and type names are resolved against `fleet`; options.tenant
// (if valid) is used where the file has no tenant column. options.types, if given, renames the
// file's type names (trace_type -> type) and scales their speeds.
absl::Status CsvJobs(std::string_view file, std::string_view text, const Fleet& fleet,
                     const WorkloadOptions& options, std::vector<Job>& out, WorkloadReport& report);

}  // namespace arbiter

#endif  // ARBITER_FORMATS_JOB_CSV_H_
