// A synthetic workload from a growth profile: jobs arriving as a Poisson process whose rate grows
// (or shrinks) geometrically over time, with gang sizes drawn from given weights and runtimes from
// a log-normal distribution. Used where a trace is not the point, e.g. a provider's first-party
// demand growing 10% a month. Deterministic for a given seed.
//
//   format: profile
//   profile:
//     jobs_per_hour: 4        # arrival rate at `start`
//     growth: 0.10            # rate x (1 + growth) every `period` (compounding; may be < 0)
//     period: 30d             # [30d]
//     start: 0                # first arrival no earlier than this [0]
//     until: 90d              # no arrival at or after this (required)
//     gangs: {1: 0.5, 8: 0.3, 64: 0.2}    # gang size -> weight
//     runtime: {median: 2h, sigma: 1.0}   # log-normal runtime at speed 1.0; sigma of its log
#ifndef ARBITER_FORMATS_PROFILE_H_
#define ARBITER_FORMATS_PROFILE_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "formats/workload.h"

namespace arbiter {

// The most jobs one profile may generate: about 1.5 GB of jobs in memory. A profile whose
// expected count is larger is refused before any job is made.
inline constexpr int64_t kMaxGeneratedJobs = 10'000'000;

struct GrowthProfile {
  double jobs_per_hour = 0;
  double growth = 0;
  Duration period = 30 * 86400;
  Time start = 0;
  Time until = 0;
  std::vector<std::pair<int32_t, double>> gangs;  // size, weight
  Duration median_runtime = 3600;
  double sigma = 1.0;
  int64_t max_jobs = kMaxGeneratedJobs;  // more (expected, or drawn) is an error
};

// The expected number of arrivals of `profile` in [start, until): the integral of its rate
// (infinite when that overflows a double).
double ExpectedJobs(const GrowthProfile& profile);

// Generates the profile's jobs (every mapped type acceptable, at its speed). Runtimes are drawn
// from the log-normal and kept within [1 s, kMaxTime]. Fails before generating anything when
// more than `max_jobs` jobs are expected (and the workload's `limit` does not cap them below
// that), and stops with an error if the draws still exceed it.
absl::Status ProfileJobs(const GrowthProfile& profile, uint64_t seed,
                         const WorkloadOptions& options, std::vector<Job>& out,
                         WorkloadReport& report);

}  // namespace arbiter

#endif  // ARBITER_FORMATS_PROFILE_H_
