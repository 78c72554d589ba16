// A synthetic but trace-shaped workload and fleet for the benchmarks.
//
// The generator scales the bundled real traces up to any number of jobs:
//   - Gavel jobs (the Philly-derived traces in data/gavel/traces/msr/seed=0): each job is one row
//     drawn uniformly from all rows of all traces, so its model, gang size (scale_factor) and
//     total_steps keep their joint empirical distribution. Its rates on H100 and A100 are the
//     measured v100 and p100 throughputs (GavelThroughputs::Estimate, extrapolated by the loader's
//     rule where the file lacks a gang size), exactly as formats/gavel does for a real trace. The
//     job's tenant is its trace's virtual cluster (trace index modulo the tenant count).
//   - LLM gangs (a share of the jobs, `llm_share`): sized against data/acme-trace/
//     cluster_summary.csv. Each draws one of the Acme clusters whose largest job used >= 256 GPUs
//     (Seren, Kalos, Helios), a gang of 2^k accelerators with k uniform from 256 up to that
//     cluster's max_gpu (capped at what the fleet can host), and a run time from the log-normal
//     with the cluster's median and mean GPU-job run time, capped at its max_run_time_gpu. Their
//     rates are the measured "LM (batch size 80)" 8-GPU throughputs on v100/p100 scaled linearly
//     to the gang (so the H100:A100 speed ratio is the measured one).
//   - Arrivals: inter-arrival gaps drawn from the empirical gaps between consecutive arrivals
//     within each Gavel trace (bursty: median 19 s, mean ~4,900 s), then all scaled by one factor
//     so that the offered load over the arrival span is `load` x the fleet's capacity. A job's
//     load is its gang x its runtime on the fastest type among the pools that can hold it (what
//     it needs when it gets the pool it prefers; placements on slower pools add to the realised
//     load), counted only up to the end of the span: Philly runtimes are heavy-tailed (median
//     ~2.5 h, mean ~35 h, max ~130 days), so most long jobs' work lies after it.
//   - Fleet: `providers` providers with `pools_per_provider` pools each, alternating H100 and A100
//     over regions of two pools. Pool sizes are log-normal around the mean (sigma 0.6, whole nodes
//     of 8, at least 8 nodes); each provider's first pool is an H100 "superpod" big enough for two
//     of the largest LLM gangs. Every pool is one interconnect domain (max_gang = capacity). List
//     prices come from the SkyPilot catalog (as in examples/frontier-lab.yaml) for AWS, GCP and
//     Lambda, cycled for more providers, times a per-region factor in [0.9, 1.1]. Every tenant has
//     an on_demand contract with every provider (discount 0/5/10%; the LLM tenant 20%), so every
//     job is eligible on every pool that can hold its gang: the broker's worst case for fan-out.
//   - Optional node outages (`outages_per_pool_day`): per pool, one node goes down at Poisson
//     times and comes back after a log-normal repair time (median 1 h), as capacity changes.
//
// Deterministic: the same options and data give the same scenario, bit for bit, with the same
// standard library and libm (std::mt19937_64 streams seeded from `seed`; no global RNG; the
// distributions are implemented here, not taken from <random>, whose algorithms are unspecified).
#ifndef ARBITER_BENCH_GENERATOR_H_
#define ARBITER_BENCH_GENERATOR_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "formats/gavel.h"
#include "model/scenario.h"

namespace arbiter::bench {

struct GeneratorOptions {
  int64_t jobs = 1'000'000;
  int32_t providers = 5;
  int32_t pools_per_provider = 10;
  int32_t tenants = 4;  // Gavel tenants; the LLM tenant comes on top when llm_share > 0
  double load = 0.9;    // offered load / capacity over the arrival span
  double llm_share = 0.005;
  // Total accelerators to aim for; 0: jobs / 20, at least 64 per pool, which keeps the number of
  // jobs running at once well below the number of jobs, so the run reaches a steady state.
  int64_t accelerators = 0;
  double outages_per_pool_day = 0;
  // Node failures (the scenario's faults: node_failures) with this mean time between failures per
  // node, in days, on every pool; 0: none. With failures, every job checkpoints hourly, a restart
  // restores for 5 minutes, and a pool that lost a run is backed off for 10 minutes (doubling, at
  // most 6 hours); recovery any-pool.
  double node_mtbf_days = 0;
  // Launches that take time (the scenario's faults.launch): nodes up this many seconds after a
  // launch, failures reported after the same; each start tries `launch_parallel` pools of its
  // provider at once. 0: launches are up at once (no launch model).
  Duration launch_latency = 0;
  int32_t launch_parallel = 1;
  uint64_t seed = 1;
};

// The real distributions the generator samples, loaded once from the bundled data.
class TraceModel {
 public:
  // `data_dir` holds gavel/ and acme-trace/ (the repository's data/).
  static absl::StatusOr<TraceModel> Load(const std::string& data_dir);

  struct GavelSample {
    int32_t model = 0;  // index into models()
    int32_t scale_factor = 1;
    int32_t trace = 0;
    int64_t total_steps = 0;
  };
  struct AcmeCluster {
    std::string name;
    double median_run = 0;  // seconds
    double mean_run = 0;
    double max_run = 0;
    int32_t max_gpus = 0;
  };

  const std::vector<std::string>& models() const { return models_; }
  const std::vector<GavelSample>& rows() const { return rows_; }
  const std::vector<double>& gaps() const { return gaps_; }
  const std::vector<AcmeCluster>& llm_clusters() const { return llm_clusters_; }
  const GavelThroughputs& throughputs() const { return throughputs_; }
  int32_t traces() const { return traces_; }

 private:
  TraceModel() = default;

  std::vector<std::string> models_;
  std::vector<GavelSample> rows_;
  std::vector<double> gaps_;
  std::vector<AcmeCluster> llm_clusters_;
  GavelThroughputs throughputs_;
  int32_t traces_ = 0;
};

// What the generator built, for the benchmark's report.
struct GeneratorReport {
  int64_t accelerators = 0;  // fleet capacity
  int64_t pools = 0;
  int64_t gavel_jobs = 0;
  int64_t llm_jobs = 0;
  int32_t llm_max_gang = 0;
  double offered_accelerator_seconds = 0;  // all jobs' work (fastest eligible type)
  double offered_load_in_span = 0;         // the part inside the arrival span / its capacity
  Time arrival_span = 0;                   // last submit
  double time_scale = 0;                   // factor applied to the trace's gaps
  int64_t capacity_changes = 0;
  std::map<int32_t, int64_t> gang_histogram;  // accelerators -> jobs
  Duration median_runtime_h100 = 0;           // over all jobs, on H100
  double mean_runtime_h100 = 0;
};

absl::StatusOr<Scenario> GenerateScenario(const TraceModel& model, const GeneratorOptions& options,
                                          GeneratorReport* report = nullptr);

}  // namespace arbiter::bench

#endif  // ARBITER_BENCH_GENERATOR_H_
