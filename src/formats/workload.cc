#include "formats/workload.h"

#include <cmath>

#include "model/strings.h"

namespace arbiter {

std::optional<Time> SubmitTime(Time trace_time, const WorkloadOptions& options) {
  std::optional<Time> scaled =
      options.time_scale == 1.0
          ? std::optional<Time>(trace_time)
          : RoundedInRange(static_cast<double>(trace_time) * options.time_scale, 0, kMaxTime);
  if (!scaled) return std::nullopt;
  std::optional<Time> submit = CheckedAdd(*scaled, options.offset);
  if (!submit || *submit < 0 || *submit > kMaxTime) return std::nullopt;
  return submit;
}

absl::Status SubmitTimeError(Time trace_time, const WorkloadOptions& options,
                             const SourcePos& pos) {
  return ParseError(
      pos,
      StrCat(trace_time, options.time_scale == 1.0 ? "" : " x time_scale",
             options.offset == 0 ? "" : " + offset", " is outside the times Arbiter simulates"),
      StrCat("a time in [0, ", kMaxTime, "] s (2^40) after time_scale and offset"));
}

int32_t NodesFor(int32_t accelerators, const WorkloadOptions& options) {
  const int32_t per_node = options.accelerators_per_node > 0 ? options.accelerators_per_node : 1;
  return (accelerators + per_node - 1) / per_node;
}

absl::Status CheckJob(const Job& job, const SourcePos& pos) {
  const auto at = [&pos](std::string_view field) { return SourcePos{pos.file, pos.line, field}; };
  if (absl::Status s = CheckName(job.name, at("name")); !s.ok()) return s;
  if (job.accelerators < 1 || job.accelerators > kMaxGang) {
    return ParseError(at("accelerators"), StrCat(job.accelerators, " is out of range"),
                      StrCat("a gang of 1 to ", kMaxGang, " accelerators"));
  }
  if (job.nodes < 1 || job.nodes > job.accelerators) {
    return ParseError(at("nodes"), StrCat(job.nodes, " is out of range"),
                      StrCat("1 to ", job.accelerators, " nodes (the gang's accelerators)"));
  }
  if (job.submit < 0 || job.submit > kMaxTime) {
    return ParseError(at("submit"), StrCat(job.submit, " is out of range"),
                      StrCat("a time in [0, ", kMaxTime, "] s"));
  }
  if (job.work < 1 || job.work > kMaxWork) {
    return ParseError(at("work"), StrCat(job.work, " work units is out of range"),
                      StrCat("work in [1, ", kMaxWork, "] units"));
  }
  for (const Throughput& t : job.throughputs) {
    if (t.rate < 1 || t.rate > kMaxWork) {
      return ParseError(at("types"), StrCat("a rate of ", t.rate, " work units/s is out of range"),
                        StrCat("a rate in [1, ", kMaxWork, "] units per second"));
    }
    const Duration runtime = RuntimeFor(job.work, t.rate);
    if (runtime > kMaxTime) {
      return ParseError(at("types"),
                        StrCat("a runtime of ", runtime, " s on one of its types is too long"),
                        StrCat("at most ", kMaxTime, " s (2^40, ~34,800 years)"));
    }
  }
  if (job.deadline != kNever && (job.deadline <= job.submit || job.deadline > kMaxTime)) {
    return ParseError(at("deadline"),
                      StrCat(job.deadline, " (after time_scale and offset) is not in (submit ",
                             job.submit, ", ", kMaxTime, "]"),
                      "a deadline after the submit time, within 2^40 s");
  }
  if (job.checkpoint_interval < 0 || job.checkpoint_interval > kMaxTime) {
    return ParseError(at("checkpoint_interval"),
                      StrCat(job.checkpoint_interval, " is out of range"),
                      StrCat("seconds in [0, ", kMaxTime, "]"));
  }
  if (job.checkpoint_bytes < 0 || job.checkpoint_bytes > kMaxBytes) {
    return ParseError(at("checkpoint_bytes"), StrCat(job.checkpoint_bytes, " is out of range"),
                      StrCat("bytes in [0, ", kMaxBytes, "] (2^60)"));
  }
  return absl::OkStatus();
}

}  // namespace arbiter
