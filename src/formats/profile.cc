#include "formats/profile.h"

#include <cmath>
#include <random>

#include "model/strings.h"

namespace arbiter {

absl::Status ProfileJobs(const GrowthProfile& profile, uint64_t seed,
                         const WorkloadOptions& options, std::vector<Job>& out,
                         WorkloadReport& report) {
  report.source = options.source;
  if (profile.jobs_per_hour <= 0 || profile.until <= profile.start || profile.gangs.empty() ||
      profile.period <= 0 || profile.growth <= -1 || profile.median_runtime <= 0 ||
      profile.sigma < 0) {
    return absl::InvalidArgumentError(
        StrCat(options.source,
               ": a profile needs jobs_per_hour > 0, until > start, gangs, "
               "period > 0, growth > -1, a runtime median > 0 and sigma >= 0"));
  }
  // The workload's own stream: the seed mixed with its name, so workloads do not share draws.
  uint64_t mixed = seed ^ 0x9E3779B97F4A7C15ULL;
  for (char c : options.source) mixed = (mixed ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  std::mt19937_64 rng(mixed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::lognormal_distribution<double> runtime(std::log(static_cast<double>(profile.median_runtime)),
                                              profile.sigma);
  double total_weight = 0;
  for (const auto& [size, weight] : profile.gangs) total_weight += weight;
  const double per_period = std::log1p(profile.growth);
  double t = static_cast<double>(profile.start);
  int64_t n = 0;
  while (true) {
    if (options.limit >= 0 && report.jobs >= options.limit) break;
    // Rate at t, in jobs per second; the next arrival by inversion of the exponential.
    const double rate = profile.jobs_per_hour / 3600.0 *
                        std::exp(per_period * (t - static_cast<double>(profile.start)) /
                                 static_cast<double>(profile.period));
    t += -std::log(1.0 - unit(rng)) / rate;
    if (t >= static_cast<double>(profile.until)) break;
    double pick = unit(rng) * total_weight;
    int32_t gang = profile.gangs.back().first;
    for (const auto& [size, weight] : profile.gangs) {
      if (pick < weight) {
        gang = size;
        break;
      }
      pick -= weight;
    }
    const Duration seconds = std::max<Duration>(1, std::llround(runtime(rng)));
    ++report.rows;
    Job job;
    job.name = StrCat(options.source, ":", n++);
    job.tenant = options.tenant;
    job.submit = SubmitTime(static_cast<Time>(t), options);
    job.accelerators = gang;
    job.nodes = NodesFor(gang, options);
    job.work = seconds * kWorkPerReferenceSecond;
    job.priority = options.priority;
    job.checkpoint_interval = options.checkpoint_interval;
    job.checkpoint_bytes = options.checkpoint_bytes;
    job.checkpoint_at_preemption = options.checkpoint_at_preemption;
    job.restore = options.restore;
    for (const TypeMapping& m : options.types) {
      bool seen = false;
      for (const Throughput& th : job.throughputs) seen = seen || th.type == m.type;
      if (seen) continue;
      job.throughputs.push_back(
          {m.type, std::llround(m.speed * static_cast<double>(kWorkPerReferenceSecond))});
    }
    out.push_back(std::move(job));
    ++report.jobs;
  }
  report.notes.push_back(
      StrCat(options.source, ": ", report.jobs, " jobs generated from a growth profile (seeded)"));
  return absl::OkStatus();
}

}  // namespace arbiter
