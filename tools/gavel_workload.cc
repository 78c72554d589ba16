#include "tools/gavel_workload.h"

#include <cmath>
#include <random>

#include "model/strings.h"

namespace arbiter::tools {
namespace {

// Uniform and exponential draws over std::mt19937_64.
class Draws {
 public:
  explicit Draws(uint64_t seed) : engine_(seed) {}
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }  // [0, 1)
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  double Exponential(double mean) { return -mean * std::log(1.0 - Uniform()); }
  size_t Index(size_t n) { return static_cast<size_t>(Uniform() * static_cast<double>(n)); }

 private:
  std::mt19937_64 engine_;
};

// 1, 2, 4 or 8 GPUs with probabilities 0.70, 0.10, 0.15, 0.05.
int32_t DrawGpus(Draws& draws) {
  const double r = draws.Uniform();
  if (r < 0.70) return 1;
  if (r < 0.80) return 2;
  if (r < 0.95) return 4;
  return 8;
}

// Seconds on the reference GPU: 10^x minutes, x in [1.5, 3] w.p. 0.8, else in [3, 4].
double DrawSeconds(Draws& draws) {
  const bool long_job = draws.Uniform() >= 0.8;
  const double x = long_job ? draws.Uniform(3, 4) : draws.Uniform(1.5, 3);
  return 60 * std::pow(10.0, x);
}

}  // namespace

absl::StatusOr<std::vector<GavelRow>> GenerateGavelStream(const GavelThroughputs& throughputs,
                                                          const GavelStreamOptions& options) {
  if (options.jobs < 0) return absl::InvalidArgumentError("jobs: must be >= 0");
  if (!options.all_at_once && !(options.jobs_per_hour > 0)) {
    return absl::InvalidArgumentError(
        StrCat("jobs_per_hour: ", options.jobs_per_hour, " is not a positive rate"));
  }
  // The models measured at each GPU count, and their steps per second there.
  struct Model {
    std::string name;
    double steps_per_second = 0;
  };
  std::vector<std::vector<Model>> models(9);
  for (const int32_t gpus : {1, 2, 4, 8}) {
    if (gpus > 1 && !options.multi_gpu) break;
    for (std::string& name : throughputs.JobTypes(options.reference_gpu, gpus)) {
      const double rate = *throughputs.Measured(options.reference_gpu, name, gpus);
      models[gpus].push_back({std::move(name), rate});
    }
    if (models[gpus].empty()) {
      return absl::InvalidArgumentError(StrCat("the throughput file measures no model alone on ",
                                               gpus, " ", options.reference_gpu, " GPU(s)"));
    }
  }
  Draws draws(options.seed);
  const double mean_gap = options.all_at_once ? 0 : 3600.0 / options.jobs_per_hour;
  std::vector<GavelRow> rows;
  rows.reserve(static_cast<size_t>(options.jobs));
  double arrival = 0;
  for (int64_t i = 0; i < options.jobs; ++i) {
    if (i > 0 && !options.all_at_once) arrival += draws.Exponential(mean_gap);
    const int32_t gpus = options.multi_gpu ? DrawGpus(draws) : 1;
    const double seconds = DrawSeconds(draws);
    const Model& model = models[gpus][draws.Index(models[gpus].size())];
    GavelRow row;
    row.line = i + 1;
    row.job_type = model.name;
    row.total_steps = std::max<int64_t>(1, std::llround(seconds * model.steps_per_second));
    row.scale_factor = gpus;
    row.arrival = std::llround(arrival);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string FormatGavelTrace(const std::vector<GavelRow>& rows) {
  std::string out;
  for (const GavelRow& row : rows) {
    out += StrCat(row.job_type, "\t-\t-\t0\t", row.total_steps, "\t", row.arrival, "\t",
                  row.scale_factor, "\n");
  }
  return out;
}

}  // namespace arbiter::tools
