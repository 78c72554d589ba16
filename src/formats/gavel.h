// Readers for the Gavel (Philly-derived) traces and their measured throughput file.
//
// Traces are tab-separated, one job a line, in one of two forms (all lines of a file alike):
//   7 fields:  job_type command num_steps_arg needs_data_dir total_steps arrival_time scale_factor
//   10 fields: job_type command working_dir num_steps_arg needs_data_dir total_steps scale_factor
//              priority_weight SLO arrival_time
// The throughput file gives steps per second per GPU type for each (job_type, scale_factor).
// A job's work is total_steps in micro-steps; its rate on a fleet type is the measured steps/s
// (in micro-steps/s) of the Gavel GPU type mapped onto it.
//
// Where the file lacks the (job_type, scale_factor) a job asks for, the rate is extrapolated
// from the largest measured scale factor m below the one asked for, by the same rule on every GPU
// type: rate(sf) = rate(m) x (sf / m) x e^log2(sf / m), where e = rate(m) / (2 rate(m / 2)) is
// the model's measured efficiency of its last doubling (capped at 1), or 1 (linear) where m / 2
// was not measured. The loader reports how many jobs this rule was used for. A measured rate of 0
// (the job does not run on that GPU type at that scale) is a measurement, not a gap: the job is
// not offered that type, and larger scale factors extrapolate from the 0.
#ifndef ARBITER_FORMATS_GAVEL_H_
#define ARBITER_FORMATS_GAVEL_H_

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "formats/workload.h"

namespace arbiter {

inline constexpr Work kGavelWorkPerStep = 1'000'000;  // work unit: a micro-step
// The largest throughput a measurement may give (steps per second); the bundled file's largest
// is below 10^4.
inline constexpr double kMaxStepsPerSecond = 1e9;

class GavelThroughputs {
 public:
  static absl::StatusOr<GavelThroughputs> Load(const std::string& path);
  static absl::StatusOr<GavelThroughputs> Parse(std::string_view file, std::string_view json);

  // Measured steps/s of (job_type, scale_factor) alone on `gpu` ("v100", ...), if measured.
  std::optional<double> Measured(std::string_view gpu, std::string_view job_type,
                                 int32_t scale_factor) const;
  // Measured, or extrapolated by the rule above (`extrapolated` says which); nullopt when the
  // model was never measured on `gpu`.
  std::optional<double> Estimate(std::string_view gpu, std::string_view job_type,
                                 int32_t scale_factor, bool* extrapolated) const;
  bool HasGpu(std::string_view gpu) const { return table_.contains(std::string(gpu)); }
  // The job types measured alone on `gpu` at `scale_factor` with a positive throughput, in name
  // order (at one GPU on "v100": the 26 models of Gavel's job table).
  std::vector<std::string> JobTypes(std::string_view gpu, int32_t scale_factor) const;

 private:
  // gpu -> job_type -> scale_factor -> steps/s
  std::map<std::string, std::map<std::string, std::map<int32_t, double>, std::less<>>, std::less<>>
      table_;
};

struct GavelRow {
  int64_t line = 0;
  std::string job_type;
  int64_t total_steps = 0;
  int32_t scale_factor = 1;
  Time arrival = 0;            // rounded to the nearest second
  double priority_weight = 1;  // 10-field form only
  double slo = -1;             // 10-field form only; -1: none
};

// Reads a trace; errors name the file, line and field.
absl::StatusOr<std::vector<GavelRow>> ReadGavelTrace(const std::string& path);
absl::StatusOr<std::vector<GavelRow>> ParseGavelTrace(std::string_view file, std::string_view text);

// Turns rows into jobs. Rows whose model was measured on none of the mapped GPU types produce no
// job and are counted in the report. With an SLO, the deadline is arrival + SLO x the runtime on
// the fastest mapped type.
absl::Status GavelJobs(const std::vector<GavelRow>& rows, const GavelThroughputs& throughputs,
                       const WorkloadOptions& options, std::vector<Job>& out,
                       WorkloadReport& report);

}  // namespace arbiter

#endif  // ARBITER_FORMATS_GAVEL_H_
