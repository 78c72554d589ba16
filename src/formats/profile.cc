#include "formats/profile.h"

#include <cmath>
#include <random>

#include "model/strings.h"

namespace arbiter {

double ExpectedJobs(const GrowthProfile& profile) {
  const double per_second = profile.jobs_per_hour / 3600.0;
  const double span = static_cast<double>(profile.until - profile.start);
  const double k = std::log1p(profile.growth) / static_cast<double>(profile.period);
  if (std::abs(k * span) < 1e-12) return per_second * span;
  // The integral of per_second x e^(k t) over [0, span).
  return per_second * std::expm1(k * span) / k;
}

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
  const double expected = ExpectedJobs(profile);
  const bool capped = options.limit >= 0 && options.limit <= profile.max_jobs;
  if (!capped && !(expected <= static_cast<double>(profile.max_jobs))) {
    return absl::InvalidArgumentError(
        StrCat(options.source, ": the profile would generate ",
               std::isfinite(expected) ? Format("about %.3g", expected) : std::string("unbounded"),
               " jobs (jobs_per_hour, growth and period over [start, until)); expected at most ",
               profile.max_jobs,
               " jobs from one profile: lower jobs_per_hour, growth or until, or "
               "set the workload's limit"));
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
    const double drawn = runtime(rng);
    const Duration seconds = drawn >= static_cast<double>(kMaxTime)
                                 ? kMaxTime
                                 : std::max<Duration>(1, std::llround(drawn));
    if (report.jobs >= profile.max_jobs) {
      return absl::InvalidArgumentError(StrCat(
          options.source, ": the profile drew more than ", profile.max_jobs,
          " jobs; expected at most that many from one profile: lower jobs_per_hour, growth or "
          "until, or set the workload's limit"));
    }
    ++report.rows;
    Job job;
    job.name = StrCat(options.source, ":", n++);
    job.tenant = options.tenant;
    const std::optional<Time> submit = SubmitTime(static_cast<Time>(t), options);
    if (!submit) {
      return SubmitTimeError(static_cast<Time>(t), options, {options.file, 0, "offset"});
    }
    job.submit = *submit;
    if (job.submit >= options.until) break;  // the workload's own `until` (submits only grow)
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
      const std::optional<Rate> rate =
          RoundedInRange(m.speed * static_cast<double>(kWorkPerReferenceSecond), 1, kMaxWork);
      if (!rate) {
        return absl::InvalidArgumentError(
            StrCat(options.source, ": the speed of type '", m.trace_type, "' is out of range"));
      }
      job.throughputs.push_back({m.type, *rate});
    }
    if (absl::Status s = CheckJob(job, {options.file, 0, {}}); !s.ok()) return s;
    out.push_back(std::move(job));
    ++report.jobs;
  }
  report.notes.push_back(
      StrCat(options.source, ": ", report.jobs, " jobs generated from a growth profile (seeded)"));
  return absl::OkStatus();
}

}  // namespace arbiter
