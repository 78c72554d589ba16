// Gavel's synthetic job streams, re-implemented from the distributions the Gavel paper documents
// (Narayanan et al., "Heterogeneity-Aware Cluster Scheduling Policies for Deep Learning
// Workloads", OSDI'20, section 7.1, and its artifact's documentation), for reproducing its
// experiments on Arbiter. No code of Gavel's is used.
//
// Each job:
//   - arrives in a Poisson process of `jobs_per_hour` (exponential gaps with mean 3600 / rate
//     seconds; the first job at time 0), or, with `all_at_once`, at time 0 (Gavel's "static"
//     traces);
//   - runs on `gpus` GPUs: 1, or with `multi_gpu` 1, 2, 4 or 8 with probabilities 0.70, 0.10,
//     0.15 and 0.05 (the Philly distribution Gavel samples from);
//   - lasts 10^x minutes on one reference GPU (a V100), x uniform in [1.5, 3] with probability 0.8
//     and in [3, 4] with probability 0.2;
//   - is one of the models measured alone on the reference GPU at its GPU count in the throughput
//     file, uniformly (at one GPU: Gavel's job table of 26 models; several GPUs: the 19 that run
//     distributed: ResNet-18, ResNet-50, Transformer and LM at several batch sizes);
//   - has total_steps = round(duration x that model's measured steps per second on the
//     reference GPU), at least 1, so its duration on the reference GPU is the drawn one.
//
// The rows are in Gavel's 7-field trace format (formats/gavel.h): the `gavel` workload loader
// reads them like any Gavel trace, with the same throughputs. Deterministic: the same options
// and throughput file give the same rows, bit for bit (std::mt19937_64, whose output the
// standard fixes; the distributions are computed here, not taken from <random>).
#ifndef ARBITER_TOOLS_GAVEL_WORKLOAD_H_
#define ARBITER_TOOLS_GAVEL_WORKLOAD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "formats/gavel.h"

namespace arbiter::tools {

struct GavelStreamOptions {
  int64_t jobs = 0;
  double jobs_per_hour = 1.0;  // > 0 unless all_at_once
  bool all_at_once = false;    // every job arrives at time 0
  bool multi_gpu = false;      // GPU counts from Gavel's distribution instead of 1
  uint64_t seed = 0;
  std::string reference_gpu = "v100";  // durations are on this GPU type
};

// The jobs, as trace rows numbered from line 1. Fails if the throughput file measures no model
// alone on the reference GPU at a GPU count the stream needs, or on bad options.
absl::StatusOr<std::vector<GavelRow>> GenerateGavelStream(const GavelThroughputs& throughputs,
                                                          const GavelStreamOptions& options);

// The rows as a 7-field trace (job_type, command, num_steps_arg, needs_data_dir, total_steps,
// arrival_time, scale_factor), one line each; command and num_steps_arg are "-" (Arbiter's
// loader does not read them).
std::string FormatGavelTrace(const std::vector<GavelRow>& rows);

}  // namespace arbiter::tools

#endif  // ARBITER_TOOLS_GAVEL_WORKLOAD_H_
