#include "formats/alibaba.h"

#include <algorithm>
#include <cmath>

#include "formats/csv.h"
#include "model/strings.h"

namespace arbiter {

absl::Status AlibabaPodJobs(std::string_view file, std::string_view text,
                            const WorkloadOptions& options, std::vector<Job>& out,
                            WorkloadReport& report) {
  report.source = options.source;
  if (absl::Status s = CheckUtf8(file, text); !s.ok()) return s;
  CsvReader reader(file, text);
  std::vector<std::string> f;
  absl::StatusOr<bool> got = reader.Next(f);
  if (!got.ok()) return got.status();
  if (!*got) return ParseError({file, 0, {}}, "the file is empty", "a header line");
  absl::StatusOr<CsvHeader> header =
      CsvHeader::Make(f,
                      {"name", "num_gpu", "gpu_milli", "gpu_spec", "creation_time", "deletion_time",
                       "scheduled_time"},
                      file, reader.line());
  if (!header.ok()) return header.status();
  const int c_name = header->Find("name");
  const int c_gpu = header->Find("num_gpu");
  const int c_milli = header->Find("gpu_milli");
  const int c_spec = header->Find("gpu_spec");
  const int c_create = header->Find("creation_time");
  const int c_delete = header->Find("deletion_time");
  const int c_sched = header->Find("scheduled_time");
  int64_t no_gpu = 0;
  int64_t never_scheduled = 0;
  int64_t no_runtime = 0;
  int64_t fractional = 0;
  int64_t late = 0;
  int64_t unmapped = 0;
  int64_t restricted = 0;   // jobs whose gpu_spec left out some of the mapped types
  size_t mapped_types = 0;  // distinct Arbiter types among the mappings
  for (size_t i = 0; i < options.types.size(); ++i) {
    bool first = true;
    for (size_t k = 0; k < i; ++k) first &= options.types[k].type != options.types[i].type;
    mapped_types += first ? 1 : 0;
  }
  while (true) {
    if (options.limit >= 0 && report.jobs >= options.limit) break;
    got = reader.Next(f);
    if (!got.ok()) return got.status();
    if (!*got) break;
    const int64_t line = reader.line();
    if (absl::Status s = header->CheckRow(f, file, line); !s.ok()) return s;
    ++report.rows;
    absl::StatusOr<int64_t> gpus = ParseIntField(f[c_gpu], {file, line, "num_gpu"}, 0, kMaxGang);
    if (!gpus.ok()) return gpus.status();
    absl::StatusOr<int64_t> milli = ParseIntField(f[c_milli], {file, line, "gpu_milli"}, 0, 1000);
    if (!milli.ok()) return milli.status();
    absl::StatusOr<int64_t> created =
        ParseIntField(f[c_create], {file, line, "creation_time"}, 0, kMaxTime);
    if (!created.ok()) return created.status();
    absl::StatusOr<int64_t> deleted =
        ParseIntField(f[c_delete], {file, line, "deletion_time"}, 0, kMaxTime);
    if (!deleted.ok()) return deleted.status();
    if (*gpus == 0) {
      ++no_gpu;
      continue;
    }
    if (f[c_sched].empty()) {
      ++never_scheduled;
      continue;
    }
    absl::StatusOr<int64_t> scheduled =
        ParseIntField(f[c_sched], {file, line, "scheduled_time"}, 0, kMaxTime);
    if (!scheduled.ok()) return scheduled.status();
    if (*scheduled < *created) {
      return ParseError({file, line, "scheduled_time"},
                        StrCat(*scheduled, " is before creation_time ", *created),
                        "scheduled_time >= creation_time");
    }
    const int64_t runtime = *deleted - *scheduled;
    if (runtime <= 0) {
      ++no_runtime;
      continue;
    }
    Job job;
    job.name = f[c_name].empty() ? StrCat(options.source, ":", line) : f[c_name];
    job.tenant = options.tenant;
    const std::optional<Time> submit = SubmitTime(*created, options);
    if (!submit && options.until == kNever) {
      return SubmitTimeError(*created, options, {file, line, "creation_time"});
    }
    job.submit = submit.value_or(kMaxTime);  // out of range with an `until`: after it
    if (job.submit >= options.until) {
      ++late;
      continue;
    }
    job.accelerators = static_cast<int32_t>(*gpus);
    job.nodes = NodesFor(job.accelerators, options);
    job.work = runtime * kWorkPerReferenceSecond;
    job.priority = options.priority;
    job.checkpoint_interval = options.checkpoint_interval;
    job.checkpoint_bytes = options.checkpoint_bytes;
    job.checkpoint_at_preemption = options.checkpoint_at_preemption;
    job.restore = options.restore;
    std::vector<std::string_view> allowed;
    if (!f[c_spec].empty()) allowed = Split(f[c_spec], '|');
    for (const TypeMapping& m : options.types) {
      if (!allowed.empty() &&
          std::find(allowed.begin(), allowed.end(), m.trace_type) == allowed.end()) {
        continue;
      }
      bool seen = false;
      for (const Throughput& t : job.throughputs) seen |= t.type == m.type;
      if (seen) continue;
      const std::optional<Rate> rate =
          RoundedInRange(m.speed * static_cast<double>(kWorkPerReferenceSecond), 1, kMaxWork);
      if (!rate) {
        return ParseError({file, line, "gpu_spec"},
                          StrCat("the speed of mapped type '", m.trace_type, "' is out of range"),
                          "a speed in [0.000001, 1000000]");
      }
      job.throughputs.push_back({m.type, *rate});
    }
    if (job.throughputs.empty()) {
      ++unmapped;
      continue;
    }
    if (absl::Status s = CheckJob(job, {file, line, {}}); !s.ok()) return s;
    if (job.throughputs.size() < mapped_types) ++restricted;
    if (*gpus == 1 && *milli < 1000) ++fractional;  // only pods that became jobs
    out.push_back(std::move(job));
    ++report.jobs;
  }
  report.skipped = no_gpu + never_scheduled + no_runtime + late + unmapped;
  const auto note = [&](int64_t n, std::string_view what) {
    if (n > 0) report.notes.push_back(StrCat(options.source, ": ", n, " ", what));
  };
  note(no_gpu, "pods skipped: no GPU");
  note(never_scheduled, "pods skipped: never scheduled in the original cluster");
  note(no_runtime, "pods skipped: no runtime (deleted when scheduled)");
  note(late, "pods skipped: submitted after 'until'");
  note(unmapped, "pods skipped: their gpu_spec names no mapped type");
  note(restricted, "jobs restricted by their gpu_spec to some of the mapped types");
  note(fractional, "pods hold a fraction of a GPU; each takes a whole accelerator");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<AlibabaNodeGroup>> AlibabaNodeGroups(std::string_view file,
                                                                std::string_view text) {
  if (absl::Status s = CheckUtf8(file, text); !s.ok()) return s;
  CsvReader reader(file, text);
  std::vector<std::string> f;
  absl::StatusOr<bool> got = reader.Next(f);
  if (!got.ok()) return got.status();
  if (!*got) return ParseError({file, 0, {}}, "the file is empty", "a header line");
  absl::StatusOr<CsvHeader> header =
      CsvHeader::Make(f, {"sn", "gpu", "model"}, file, reader.line());
  if (!header.ok()) return header.status();
  const int c_gpu = header->Find("gpu");
  const int c_model = header->Find("model");
  std::vector<AlibabaNodeGroup> groups;
  while (true) {
    got = reader.Next(f);
    if (!got.ok()) return got.status();
    if (!*got) break;
    const int64_t line = reader.line();
    if (absl::Status s = header->CheckRow(f, file, line); !s.ok()) return s;
    absl::StatusOr<int64_t> gpus = ParseIntField(f[c_gpu], {file, line, "gpu"}, 0, 1024);
    if (!gpus.ok()) return gpus.status();
    if (*gpus == 0) continue;
    if (f[c_model].empty()) {
      return ParseError({file, line, "model"}, "empty for a node with GPUs", "a GPU model name");
    }
    auto it = std::find_if(groups.begin(), groups.end(), [&](const AlibabaNodeGroup& g) {
      return g.model == f[c_model] && g.gpus_per_node == *gpus;
    });
    if (it == groups.end()) {
      groups.push_back({f[c_model], static_cast<int32_t>(*gpus), 0});
      it = groups.end() - 1;
    }
    ++it->nodes;
  }
  return groups;
}

}  // namespace arbiter
