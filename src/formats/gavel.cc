#include "formats/gavel.h"

#include <cmath>

#include "formats/parse.h"
#include "model/strings.h"
#include "nlohmann/json.hpp"

namespace arbiter {
namespace {

// Parses "('ResNet-18 (batch size 16)', 1)" into its job type and scale factor.
bool ParseKey(std::string_view key, std::string* job_type, int32_t* scale_factor) {
  if (key.size() < 7 || key.substr(0, 2) != "('" || key.back() != ')') return false;
  const size_t sep = key.rfind("', ");
  if (sep == std::string_view::npos || sep < 2) return false;
  *job_type = std::string(key.substr(2, sep - 2));
  std::optional<int64_t> sf = ParseInt(key.substr(sep + 3, key.size() - sep - 4));
  if (!sf || *sf <= 0 || *sf > 1'000'000) return false;
  *scale_factor = static_cast<int32_t>(*sf);
  return true;
}

}  // namespace

absl::StatusOr<GavelThroughputs> GavelThroughputs::Load(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path, kMaxJsonBytes);
  if (!text.ok()) return text.status();
  return Parse(path, *text);
}

absl::StatusOr<GavelThroughputs> GavelThroughputs::Parse(std::string_view file,
                                                         std::string_view text) {
  if (absl::Status s = CheckUtf8(file, text); !s.ok()) return s;
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // a syntax error, or a number out of range
    return ParseError({file, 0, {}}, StrCat("not valid JSON (", e.what(), ")"),
                      "a JSON object of GPU types");
  }
  if (!doc.is_object()) return ParseError({file, 0, {}}, "not a JSON object", "{gpu: {...}}");
  GavelThroughputs result;
  for (const auto& [gpu, models] : doc.items()) {
    if (!models.is_object()) {
      return ParseError({file, 0, gpu}, "not an object", "{\"('<job_type>', <sf>)\": {...}}");
    }
    auto& table = result.table_[gpu];
    for (const auto& [key, entry] : models.items()) {
      std::string job_type;
      int32_t sf = 0;
      const std::string field = StrCat(gpu, ".", key);
      if (!ParseKey(key, &job_type, &sf)) {
        return ParseError({file, 0, field}, "malformed key", "('<job_type>', <scale_factor>)");
      }
      if (!entry.is_object() || !entry.contains("null")) {
        return ParseError({file, 0, field}, "no measurement of the job alone",
                          "an object with a \"null\" entry");
      }
      const auto& alone = entry["null"];
      if (!alone.is_number() || !(alone.get<double>() >= 0) ||
          alone.get<double>() > kMaxStepsPerSecond) {
        return ParseError({file, 0, StrCat(field, ".null")}, "not a throughput",
                          "a number in [0, 10^9] (steps per second)");
      }
      // 0 is a measurement too: the job does not run there (GavelJobs drops such types), so it
      // must not be extrapolated over from a smaller scale factor.
      table[job_type][sf] = alone.get<double>();
    }
  }
  return result;
}

std::optional<double> GavelThroughputs::Measured(std::string_view gpu, std::string_view job_type,
                                                 int32_t scale_factor) const {
  auto g = table_.find(gpu);
  if (g == table_.end()) return std::nullopt;
  auto m = g->second.find(job_type);
  if (m == g->second.end()) return std::nullopt;
  auto s = m->second.find(scale_factor);
  if (s == m->second.end()) return std::nullopt;
  return s->second;
}

std::optional<double> GavelThroughputs::Estimate(std::string_view gpu, std::string_view job_type,
                                                 int32_t scale_factor, bool* extrapolated) const {
  *extrapolated = false;
  auto g = table_.find(gpu);
  if (g == table_.end()) return std::nullopt;
  auto m = g->second.find(job_type);
  if (m == g->second.end() || m->second.empty()) return std::nullopt;
  const std::map<int32_t, double>& by_sf = m->second;
  if (auto exact = by_sf.find(scale_factor); exact != by_sf.end()) return exact->second;
  // The largest measured scale factor below the one asked for (or the smallest measured, if
  // every measurement is larger: then scale down linearly).
  auto it = by_sf.lower_bound(scale_factor);
  if (it == by_sf.begin()) {
    *extrapolated = true;
    return it->second * scale_factor / it->first;
  }
  --it;
  const int32_t base_sf = it->first;
  const double base = it->second;
  double efficiency = 1.0;
  if (base_sf % 2 == 0) {
    if (auto half = by_sf.find(base_sf / 2); half != by_sf.end() && half->second > 0) {
      efficiency = std::min(1.0, base / (2.0 * half->second));
    }
  }
  const double ratio = static_cast<double>(scale_factor) / base_sf;
  *extrapolated = true;
  return base * ratio * std::pow(efficiency, std::log2(ratio));
}

std::vector<std::string> GavelThroughputs::JobTypes(std::string_view gpu,
                                                    int32_t scale_factor) const {
  std::vector<std::string> types;
  auto g = table_.find(gpu);
  if (g == table_.end()) return types;
  for (const auto& [job_type, by_sf] : g->second) {
    auto s = by_sf.find(scale_factor);
    if (s != by_sf.end() && s->second > 0) types.push_back(job_type);
  }
  return types;
}

absl::StatusOr<std::vector<GavelRow>> ReadGavelTrace(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseGavelTrace(path, *text);
}

absl::StatusOr<std::vector<GavelRow>> ParseGavelTrace(std::string_view file,
                                                      std::string_view text) {
  if (absl::Status s = CheckUtf8(file, text); !s.ok()) return s;
  std::vector<GavelRow> rows;
  size_t form = 0;  // 7 or 10, fixed by the first line
  int64_t line_no = 0;
  for (std::string_view line : Split(text, '\n')) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    std::vector<std::string_view> f = Split(line, '\t');
    if (form == 0) {
      if (f.size() != 7 && f.size() != 10) {
        return ParseError({file, line_no, {}}, StrCat(f.size(), " tab-separated fields"),
                          "7 (job_type, command, num_steps_arg, needs_data_dir, total_steps, "
                          "arrival_time, scale_factor) or 10 (job_type, command, working_dir, "
                          "num_steps_arg, needs_data_dir, total_steps, scale_factor, "
                          "priority_weight, SLO, arrival_time)");
      }
      form = f.size();
    } else if (f.size() != form) {
      return ParseError({file, line_no, {}}, StrCat(f.size(), " tab-separated fields"),
                        StrCat(form, " like the first line"));
    }
    GavelRow row;
    row.line = line_no;
    row.job_type = std::string(f[0]);
    if (row.job_type.empty())
      return ParseError({file, line_no, "job_type"}, "empty", "a model name");
    const bool ten = form == 10;
    const std::string_view steps = ten ? f[5] : f[4];
    const std::string_view sf = f[6];  // the same column in both forms
    const std::string_view arrival = ten ? f[9] : f[5];
    absl::StatusOr<int64_t> total =
        ParseIntField(steps, {file, line_no, "total_steps"}, 1, kMaxWork / kGavelWorkPerStep);
    if (!total.ok()) return total.status();
    row.total_steps = *total;
    absl::StatusOr<int64_t> scale = ParseIntField(sf, {file, line_no, "scale_factor"}, 1, kMaxGang);
    if (!scale.ok()) return scale.status();
    row.scale_factor = static_cast<int32_t>(*scale);
    absl::StatusOr<double> at = ParseDoubleField(arrival, {file, line_no, "arrival_time"}, 0,
                                                 static_cast<double>(kMaxTime));
    if (!at.ok()) return at.status();
    row.arrival = std::llround(*at);
    if (ten) {
      absl::StatusOr<double> w = ParseDoubleField(f[7], {file, line_no, "priority_weight"}, 0, 1e6);
      if (!w.ok()) return w.status();
      row.priority_weight = *w;
      absl::StatusOr<double> slo = ParseDoubleField(f[8], {file, line_no, "SLO"}, -1, 1e6);
      if (!slo.ok()) return slo.status();
      if (*slo != -1 && *slo <= 0) {
        return ParseError({file, line_no, "SLO"}, StrCat(*slo, " is not a factor"),
                          "-1 (none) or a factor > 0");
      }
      row.slo = *slo;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

absl::Status GavelJobs(const std::vector<GavelRow>& rows, const GavelThroughputs& throughputs,
                       const WorkloadOptions& options, std::vector<Job>& out,
                       WorkloadReport& report) {
  for (const TypeMapping& m : options.types) {
    if (!throughputs.HasGpu(m.trace_type)) {
      return absl::InvalidArgumentError(
          StrCat(options.source, ": the throughput file has no GPU type '", m.trace_type,
                 "'; it has k80, p100, v100 (and *_unconsolidated variants)"));
    }
  }
  report.source = options.source;
  int64_t extrapolated_jobs = 0;
  int64_t unmeasured = 0;
  int64_t late = 0;
  for (const GavelRow& row : rows) {
    if (options.limit >= 0 && report.jobs >= options.limit) break;
    ++report.rows;
    Job job;
    job.name = StrCat(options.source, ":", row.line);
    job.tenant = options.tenant;
    const SourcePos pos{options.file, row.line, {}};
    const std::optional<Time> submit = SubmitTime(row.arrival, options);
    if (!submit && options.until == kNever) {
      return SubmitTimeError(row.arrival, options, {options.file, row.line, "arrival_time"});
    }
    job.submit = submit.value_or(kMaxTime);  // out of range with an `until`: after it
    if (job.submit >= options.until) {
      ++late;
      continue;
    }
    job.accelerators = row.scale_factor;
    job.nodes = NodesFor(row.scale_factor, options);
    job.work = row.total_steps * kGavelWorkPerStep;
    job.priority = options.priority + static_cast<int32_t>(std::llround(row.priority_weight)) - 1;
    job.checkpoint_interval = options.checkpoint_interval;
    job.checkpoint_bytes = options.checkpoint_bytes;
    job.checkpoint_at_preemption = options.checkpoint_at_preemption;
    job.restore = options.restore;
    bool any_extrapolated = false;
    for (const TypeMapping& m : options.types) {
      bool extrapolated = false;
      std::optional<double> steps_per_s =
          throughputs.Estimate(m.trace_type, row.job_type, row.scale_factor, &extrapolated);
      if (!steps_per_s) continue;
      // Extrapolated rates are bounded too (at most x kMaxGang of a measured one).
      const std::optional<Rate> rate =
          RoundedInRange(*steps_per_s * static_cast<double>(kGavelWorkPerStep), 0, kMaxWork);
      if (!rate || *rate <= 0) continue;
      any_extrapolated |= extrapolated;
      job.throughputs.push_back({m.type, *rate});
    }
    if (job.throughputs.empty()) {
      ++unmeasured;
      continue;
    }
    if (any_extrapolated) ++extrapolated_jobs;
    if (row.slo > 0) {
      Duration fastest = kNever;
      for (const Throughput& t : job.throughputs) {
        fastest = std::min(fastest, RuntimeFor(job.work, t.rate));
      }
      const std::optional<Duration> allowed =
          RoundedInRange(std::ceil(row.slo * static_cast<double>(fastest)), 1, kMaxTime);
      if (!allowed || job.submit + *allowed > kMaxTime) {
        return ParseError({options.file, row.line, "SLO"},
                          StrCat("the deadline ", row.slo, " x ", fastest,
                                 " s after the arrival is beyond the times Arbiter simulates"),
                          "a deadline within 2^40 s");
      }
      job.deadline = job.submit + *allowed;
    }
    if (absl::Status s = CheckJob(job, pos); !s.ok()) return s;
    out.push_back(std::move(job));
    ++report.jobs;
  }
  report.skipped = unmeasured + late;
  if (extrapolated_jobs > 0) {
    report.notes.push_back(
        StrCat(options.source, ": ", extrapolated_jobs,
               " jobs ask for a (model, GPU count) the throughput file does not measure; their "
               "throughputs were extrapolated from the largest measured GPU count"));
  }
  if (unmeasured > 0) {
    report.notes.push_back(StrCat(options.source, ": ", unmeasured,
                                  " jobs skipped: their model is measured on none of the "
                                  "mapped GPU types"));
  }
  if (late > 0) {
    report.notes.push_back(
        StrCat(options.source, ": ", late, " jobs skipped: submitted after 'until'"));
  }
  return absl::OkStatus();
}

}  // namespace arbiter
