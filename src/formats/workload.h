// What every workload loader shares: how a trace's rows map onto the fleet (tenant, accelerator
// types, time offset), and what the loader reports about what it did.
#ifndef ARBITER_FORMATS_WORKLOAD_H_
#define ARBITER_FORMATS_WORKLOAD_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "formats/parse.h"
#include "model/fleet.h"
#include "model/job.h"

namespace arbiter {

// A trace's name for an accelerator (e.g. Gavel's "v100", Alibaba's "V100M16") and the fleet
// type it runs on. `speed` scales runtime-based traces (2.0 = twice as fast as the trace's own
// hardware); Gavel traces use their measured throughputs instead.
struct TypeMapping {
  std::string trace_type;
  AcceleratorTypeId type;
  double speed = 1.0;
};

struct WorkloadOptions {
  std::string source;  // names the workload in job names and notes
  std::string file;    // the trace it is read from, for errors that name a row (may be empty)
  TenantId tenant;     // who submits the jobs (a CSV may name tenants per row instead)
  std::vector<TypeMapping> types;
  Time offset = 0;          // added to every submit time
  double time_scale = 1.0;  // submit = round(trace time x time_scale) + offset; < 1 compresses

  Time until = kNever;   // drop jobs submitted at or after this time (after the offset)
  int64_t limit = -1;    // keep at most this many jobs, in trace order; -1: all
  int32_t priority = 0;  // the priority of every job (Gavel 10-field traces add their weight)
  int32_t accelerators_per_node = 8;  // gangs are spread over ceil(accelerators / this) nodes
  Duration checkpoint_interval = 0;
  int64_t checkpoint_bytes = 0;
  bool checkpoint_at_preemption = false;  // Job::checkpoint_at_preemption of every job
  Duration restore = 0;                   // Job::restore of every job
};

struct WorkloadReport {
  std::string source;
  int64_t rows = 0;     // data rows read
  int64_t jobs = 0;     // jobs produced
  int64_t skipped = 0;  // rows that produce no job (each kind counted in a note)
  std::vector<std::string> notes;
};

// The submit time of a trace time under `options` (time_scale, then offset), or nullopt when it
// is outside [0, kMaxTime] (model/units.h).
std::optional<Time> SubmitTime(Time trace_time, const WorkloadOptions& options);

// The error for a trace time whose submit time is out of range, at `pos` (its field names the
// trace's column).
absl::Status SubmitTimeError(Time trace_time, const WorkloadOptions& options, const SourcePos& pos);

// The one check of a job that every loader makes before it keeps the job, with the loader's
// place for the error (its field is filled in here): a UTF-8 name, a gang of 1 to kMaxGang
// accelerators on 1 to that many nodes, work and every rate in [1, kMaxWork], a runtime of at most
// kMaxTime on every type, a submit time and deadline in [0, kMaxTime] (the deadline after the
// submit time), a checkpoint interval of at most kMaxTime and checkpoints of at most kMaxBytes.
absl::Status CheckJob(const Job& job, const SourcePos& pos);

// Nodes for a gang of `accelerators` under `options`.
int32_t NodesFor(int32_t accelerators, const WorkloadOptions& options);

}  // namespace arbiter

#endif  // ARBITER_FORMATS_WORKLOAD_H_
