#include "formats/job_csv.h"

#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "formats/csv.h"
#include "model/strings.h"

namespace arbiter {
namespace {

constexpr const char* kTypesExpected = "TYPE[:speed] separated by '|', e.g. H100:1.0|A100:0.55";

absl::Status ParseTypes(std::string_view text, const SourcePos& pos, const Fleet& fleet,
                        const WorkloadOptions& options, Job& job) {
  if (text.empty()) return ParseError(pos, "empty", kTypesExpected);
  for (std::string_view item : Split(text, '|')) {
    const size_t colon = item.find(':');
    const std::string_view name = item.substr(0, colon);
    const std::string_view speed_text =
        colon == std::string_view::npos ? std::string_view() : item.substr(colon + 1);
    double speed = 1.0;
    if (!speed_text.empty()) {
      std::optional<double> s = ParseDouble(speed_text);
      if (!s || *s <= 0 || *s > 1e6) {
        return ParseError(pos, StrCat("speed '", speed_text, "' of ", name), "a number > 0");
      }
      speed = *s;
    } else if (colon != std::string_view::npos) {
      return ParseError(pos, StrCat("'", item, "' has an empty speed"), kTypesExpected);
    }
    std::optional<AcceleratorTypeId> type;
    for (const TypeMapping& m : options.types) {
      if (m.trace_type == name) {
        type = m.type;
        speed *= m.speed;
      }
    }
    if (!type) type = fleet.FindAcceleratorType(name);
    if (!type) {
      return ParseError(pos, StrCat("unknown accelerator type '", name, "'"),
                        "a type of the scenario's accelerator_types");
    }
    for (const Throughput& t : job.throughputs) {
      if (t.type == *type) {
        return ParseError(pos, StrCat("type '", name, "' listed twice"), kTypesExpected);
      }
    }
    const std::optional<Rate> rate =
        RoundedInRange(speed * static_cast<double>(kWorkPerReferenceSecond), 1, kMaxWork);
    if (!rate) {
      if (speed * static_cast<double>(kWorkPerReferenceSecond) < 0.5) {
        return ParseError(pos, StrCat("speed of ", name, " rounds to 0"));
      }
      return ParseError(pos, StrCat("the speed of ", name, " (x the workload's) is out of range"),
                        "a speed in [0.000001, 10^12] after the workload's types scale it");
    }
    job.throughputs.push_back({*type, *rate});
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CsvJobs(std::string_view file, std::string_view text, const Fleet& fleet,
                     const WorkloadOptions& options, std::vector<Job>& out,
                     WorkloadReport& report) {
  report.source = options.source;
  if (absl::Status s = CheckUtf8(file, text); !s.ok()) return s;
  // Drop comment lines but keep line numbers: blank them out.
  std::string cleaned(text);
  for (size_t start = 0; start < cleaned.size();) {
    size_t end = cleaned.find('\n', start);
    if (end == std::string::npos) end = cleaned.size();
    size_t first = start;
    while (first < end && (cleaned[first] == ' ' || cleaned[first] == '\t')) ++first;
    if (first < end && cleaned[first] == '#') {
      for (size_t i = start; i < end; ++i) cleaned[i] = '\r';  // the reader skips it as empty
    }
    start = end + 1;
  }
  CsvReader reader(file, cleaned);
  std::vector<std::string> f;
  absl::StatusOr<bool> got = reader.Next(f);
  if (!got.ok()) return got.status();
  if (!*got) return ParseError({file, 0, {}}, "the file is empty", "a header line");
  for (std::string& name : f) name = std::string(StripWhitespace(name));
  std::vector<std::string_view> required = {"name", "submit", "accelerators", "duration", "types"};
  std::vector<std::string_view> optional = {"nodes", "priority", "deadline", "checkpoint_interval",
                                            "checkpoint_bytes"};
  (options.tenant.valid() ? optional : required).push_back("tenant");
  absl::StatusOr<CsvHeader> header = CsvHeader::Make(f, required, file, reader.line(), &optional);
  if (!header.ok()) return header.status();
  const int c_name = header->Find("name");
  const int c_tenant = header->Find("tenant");
  const int c_submit = header->Find("submit");
  const int c_acc = header->Find("accelerators");
  const int c_nodes = header->Find("nodes");
  const int c_duration = header->Find("duration");
  const int c_types = header->Find("types");
  const int c_priority = header->Find("priority");
  const int c_deadline = header->Find("deadline");
  const int c_ckpt = header->Find("checkpoint_interval");
  const int c_ckpt_bytes = header->Find("checkpoint_bytes");
  absl::flat_hash_set<std::string> names;
  Time previous_submit = -1;
  int64_t late = 0;
  while (true) {
    if (options.limit >= 0 && report.jobs >= options.limit) break;
    got = reader.Next(f);
    if (!got.ok()) return got.status();
    if (!*got) break;
    const int64_t line = reader.line();
    if (absl::Status s = header->CheckRow(f, file, line); !s.ok()) return s;
    ++report.rows;
    const auto cell = [&](int column) -> std::string_view {
      return column < 0 ? std::string_view() : StripWhitespace(f[column]);
    };
    Job job;
    job.name = std::string(cell(c_name));
    if (job.name.empty()) return ParseError({file, line, "name"}, "empty", "a job name");
    if (!names.insert(job.name).second) {
      return ParseError({file, line, "name"}, StrCat("'", job.name, "' used twice"),
                        "a unique job name");
    }
    if (!cell(c_tenant).empty()) {
      std::optional<TenantId> tenant = fleet.FindTenant(cell(c_tenant));
      if (!tenant) {
        return ParseError({file, line, "tenant"}, StrCat("unknown tenant '", cell(c_tenant), "'"),
                          "a tenant of the scenario");
      }
      job.tenant = *tenant;
    } else if (options.tenant.valid()) {
      job.tenant = options.tenant;
    } else {
      return ParseError({file, line, "tenant"}, "empty", "a tenant of the scenario");
    }
    absl::StatusOr<int64_t> submit =
        ParseIntField(cell(c_submit), {file, line, "submit"}, 0, kMaxTime);
    if (!submit.ok()) return submit.status();
    if (*submit < previous_submit) {
      return ParseError({file, line, "submit"},
                        StrCat(*submit, " is earlier than the line before (", previous_submit, ")"),
                        "rows ordered by submit time");
    }
    previous_submit = *submit;
    const std::optional<Time> submit_time = SubmitTime(*submit, options);
    if (!submit_time && options.until == kNever) {
      return SubmitTimeError(*submit, options, {file, line, "submit"});
    }
    // Out of range with an `until` (which is within range): skipped below as submitted after it.
    job.submit = submit_time.value_or(kMaxTime);
    absl::StatusOr<int64_t> acc =
        ParseIntField(cell(c_acc), {file, line, "accelerators"}, 1, kMaxGang);
    if (!acc.ok()) return acc.status();
    job.accelerators = static_cast<int32_t>(*acc);
    if (!cell(c_nodes).empty()) {
      absl::StatusOr<int64_t> nodes =
          ParseIntField(cell(c_nodes), {file, line, "nodes"}, 1, job.accelerators);
      if (!nodes.ok()) return nodes.status();
      job.nodes = static_cast<int32_t>(*nodes);
    } else {
      job.nodes = NodesFor(job.accelerators, options);
    }
    absl::StatusOr<int64_t> duration =
        ParseIntField(cell(c_duration), {file, line, "duration"}, 1, kMaxTime);
    if (!duration.ok()) return duration.status();
    job.work = *duration * kWorkPerReferenceSecond;
    if (absl::Status s = ParseTypes(cell(c_types), {file, line, "types"}, fleet, options, job);
        !s.ok()) {
      return s;
    }
    job.priority = options.priority;
    if (!cell(c_priority).empty()) {
      absl::StatusOr<int64_t> p =
          ParseIntField(cell(c_priority), {file, line, "priority"}, -1'000'000, 1'000'000);
      if (!p.ok()) return p.status();
      job.priority = static_cast<int32_t>(*p);
    }
    if (!cell(c_deadline).empty()) {
      absl::StatusOr<int64_t> d =
          ParseIntField(cell(c_deadline), {file, line, "deadline"}, *submit + 1, kMaxTime);
      if (!d.ok()) return d.status();
      const std::optional<Time> deadline = SubmitTime(*d, options);
      if (!deadline && submit_time) return SubmitTimeError(*d, options, {file, line, "deadline"});
      job.deadline = deadline.value_or(kNever);
    }
    job.checkpoint_interval = options.checkpoint_interval;
    if (!cell(c_ckpt).empty()) {
      absl::StatusOr<int64_t> c =
          ParseIntField(cell(c_ckpt), {file, line, "checkpoint_interval"}, 0, kMaxTime);
      if (!c.ok()) return c.status();
      job.checkpoint_interval = *c;
    }
    job.checkpoint_bytes = options.checkpoint_bytes;
    job.checkpoint_at_preemption = options.checkpoint_at_preemption;
    job.restore = options.restore;
    if (!cell(c_ckpt_bytes).empty()) {
      absl::StatusOr<int64_t> b =
          ParseIntField(cell(c_ckpt_bytes), {file, line, "checkpoint_bytes"}, 0, kMaxBytes);
      if (!b.ok()) return b.status();
      job.checkpoint_bytes = *b;
    }
    if (job.submit >= options.until) {
      ++late;
      continue;
    }
    if (absl::Status s = CheckJob(job, {file, line, {}}); !s.ok()) return s;
    out.push_back(std::move(job));
    ++report.jobs;
  }
  report.skipped = late;
  if (late > 0) {
    report.notes.push_back(
        StrCat(options.source, ": ", late, " jobs skipped: submitted after 'until'"));
  }
  return absl::OkStatus();
}

}  // namespace arbiter
