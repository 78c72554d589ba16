// Writers for a run's results: jobs.csv and summary.json (docs/outputs.md documents both).
//
// Output is all or nothing: every file is written to a temporary name in the output directory
// and renamed into place only when all of them were written, so a failed run leaves no
// half-written results behind.
#ifndef ARBITER_FORMATS_RESULTS_H_
#define ARBITER_FORMATS_RESULTS_H_

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "model/charge.h"
#include "model/job.h"
#include "model/market.h"
#include "model/outcome.h"
#include "model/scenario.h"
#include "model/summary.h"

namespace arbiter {

// One row per job, in job id order:
// id,name,tenant,submit,start,end,provider,pool,accelerator_type,accelerators,cost,
// accelerator_hours,state,interruptions,restarts,migrations,lost_accelerator_hours,lost_cost,
// egress_cost,goodput
std::string JobsCsv(const Scenario& scenario, const std::vector<Job>& jobs,
                    const std::vector<JobOutcome>& outcomes);

// summary.json, keys in a fixed order so that equal runs give byte-identical files.
std::string SummaryJson(const Scenario& scenario, const RunSummary& summary);

// market.jsonl: one JSON object a line, in time order: every market step (request, ask, offer,
// decline, timeout, award, unplaced, deliver, late, release, preempt) and every charge.
std::string MarketJsonl(const Scenario& scenario, const std::vector<AuditRecord>& audit,
                        const std::vector<Charge>& charges);

// The default output directory of a run named `name`: "out/" + the name with every character
// other than letters, digits, '.', '_', '-' and non-ASCII UTF-8 replaced by '_' (and a leading
// '.' too) + `suffix`. A name never becomes a path: "../../x" gives "out/_._.._x".
std::string DefaultOutputDir(std::string_view name, std::string_view suffix = {});

struct OutputFile {
  // A file name inside the output directory, or a path: absolute, or relative to that directory.
  std::string name;
  std::string contents;
};

// Creates `dir` (and the directory of each file) if needed and writes all `files`, all or nothing:
//   - before anything is written, no destination may be a directory and no two may be the same
//     file (an error names them);
//   - each file is written to ".tmp-<pid>-<name>" beside its destination; SIGINT, SIGTERM and
//     SIGHUP meanwhile remove them before the process dies, and a later call removes those that a
//     process killed otherwise (SIGKILL) left behind;
//   - then every temporary file is renamed into place with those signals held; if a rename fails,
//     the files already replaced get their previous contents back.
absl::Status WriteOutputs(const std::string& dir, const std::vector<OutputFile>& files);

namespace results_internal {
// Seams of WriteOutputs for tests: its renames, and a call once every temporary file is written
// (before the commit).
struct WriteHooks {
  std::function<void(const std::filesystem::path& from, const std::filesystem::path& to,
                     std::error_code& ec)>
      rename;
  std::function<void()> written;
};
absl::Status WriteOutputs(const std::string& dir, const std::vector<OutputFile>& files,
                          const WriteHooks& hooks);
}  // namespace results_internal

// A CSV field: as it is, or quoted (with doubled quotes) when it holds a comma, a quote or a line
// break. Every CSV Arbiter writes uses it.
std::string CsvField(std::string_view s);

}  // namespace arbiter

#endif  // ARBITER_FORMATS_RESULTS_H_
