// A job as a user submits it to the live daemon: YAML compatible with SkyPilot's task YAML where
// they overlap (name, resources with accelerators / cloud / region / infra / use_spot / any_of /
// ordered, num_nodes, envs, workdir, setup, run), plus Arbiter's own fields (tenant, priority,
// deadline, duration or accelerator_hours, checkpoint, max_restarts). The same text may be JSON
// (the API takes either). docs/jobs.md documents every key and what the broker honours.
//
// Parsing is strict: unknown keys (and SkyPilot keys Arbiter does not support, e.g. disk_size)
// are errors naming the key and its line, every value is range-checked, and every error reads
// "<source>:<line>: <key path>: <what was wrong>; expected <what was expected>".
//
// A JobSpec keeps everything the backend needs to launch the job (envs, workdir, setup, run,
// num_nodes); ToJob turns it into the core's Job against a fleet (names resolved to ids).
#ifndef ARBITER_FORMATS_JOB_SPEC_H_
#define ARBITER_FORMATS_JOB_SPEC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "model/fleet.h"
#include "model/job.h"
#include "model/units.h"

namespace arbiter {

// The expected runtime of a job that gives neither `duration` nor `accelerator_hours` (the
// default runtime estimate of SkyPilot's optimizer).
inline constexpr Duration kDefaultJobDuration = 3600;

// One candidate of a job's resources (SkyPilot's Resources, as far as Arbiter reads them), with
// the defaults of the enclosing `resources` already applied to the candidates of any_of/ordered.
struct JobResources {
  // Acceptable accelerator types (the fleet's names), each with `accelerators_per_node` per node.
  std::vector<std::string> accelerators;
  int32_t accelerators_per_node = 1;
  std::string provider;          // `cloud`, or the first part of `infra`; empty: any provider
  std::string region;            // `region`, or the second part of `infra`; empty: any region
  std::optional<bool> use_spot;  // unset: as the tenant's contracts give it
  // Where it was read, for errors found later (ToJob): key path and line.
  std::string path;  // e.g. "resources" or "resources.any_of[1]"
  int64_t line = 0;

  friend bool operator==(const JobResources&, const JobResources&) = default;
};

struct JobSpec {
  // --- SkyPilot's task YAML ---
  std::string name;  // may be empty; [A-Za-z0-9._-], at most 128 characters
  // The candidates: one for plain `resources`, one per entry of `any_of` or `ordered`. Every
  // candidate has the same accelerators_per_node (a gang has one shape).
  std::vector<JobResources> resources;
  bool ordered = false;  // `ordered`: candidates in preference order
  int32_t num_nodes = 1;
  std::vector<std::pair<std::string, std::string>> envs;  // in file order, names unique
  std::string workdir;  // absolute (a relative one is resolved when parsing, or refused)
  std::string setup;    // shell, run on every node before `run`; may be empty
  std::string run;      // shell; may be empty (the job then does nothing and succeeds)

  // --- Arbiter's own ---
  std::string tenant;  // empty: the submitter's (the daemon fills it in from the token)
  int32_t priority = 0;
  // `deadline`: a duration after submission (6h), or an absolute time (RFC 3339, e.g.
  // 2025-06-01T12:00:00Z); at most one is set.
  std::optional<Duration> deadline_after;
  std::optional<int64_t> deadline_unix;  // seconds since the Unix epoch
  // Expected runtime on every acceptable type (`duration: 2h`), except the types listed in
  // `duration_by_type` (`duration: {H100: 1h, A100: 2h}`). `accelerator_hours` is converted to
  // these when parsing: ceil(hours x 3600 / gang size) seconds.
  Duration duration = kDefaultJobDuration;
  std::vector<std::pair<std::string, Duration>> duration_by_type;
  Duration checkpoint_interval = 0;  // `checkpoint: {interval: 10m, bytes: N}`; 0: none
  int64_t checkpoint_bytes = 0;
  int32_t max_restarts = 0;

  // Accelerators per node and in the whole gang.
  int32_t AcceleratorsPerNode() const {
    return resources.empty() ? 0 : resources.front().accelerators_per_node;
  }
  int32_t GangSize() const { return num_nodes * AcceleratorsPerNode(); }

  friend bool operator==(const JobSpec&, const JobSpec&) = default;
};

struct JobSpecOptions {
  // A relative `workdir` is resolved against this directory (LoadJobSpec: the job file's own
  // directory). Empty: a relative workdir is an error (the API: the daemon cannot know the
  // client's directory).
  std::string base_dir;
};

// Parses a job spec from YAML or JSON text; `source` names it in errors ("hello.job.yaml",
// "request body").
absl::StatusOr<JobSpec> ParseJobSpec(std::string_view source, std::string_view text,
                                     const JobSpecOptions& options = {});

// Reads and parses a job file; a relative workdir is relative to the file's directory.
absl::StatusOr<JobSpec> LoadJobSpec(const std::string& path);

// The spec as one JSON object that ParseJobSpec reads back to an equal spec (except the
// candidates' `path` and `line`); what a client sends and what the daemon stores and shows.
std::string JobSpecToJson(const JobSpec& spec);

// What the conversion needs beyond the fleet.
struct JobClock {
  Time submit = 0;         // the job's submit time on the core's clock
  int64_t epoch_unix = 0;  // the Unix time of the core's time 0 (for absolute deadlines)
};

// The core's name of a job whose spec has none.
inline constexpr std::string_view kUnnamedJob = "unnamed";

// The core's Job for `spec` on `fleet`:
// - the spec's name, or kUnnamedJob;
// - tenant, accelerator types, providers (`cloud`) and regions resolved by name (errors name the
//   spec's key path); gang = num_nodes x accelerators per node, on num_nodes nodes;
// - work and rates from the expected runtimes: with D_t the runtime on type t and S =
//   max(kWorkPerReferenceSecond, max_t D_t), work = S x max_t D_t and the rate on t is
//   ceil(work / D_t), so the runtime on each type is exactly D_t;
// - a Placement (model/job.h) when the candidates constrain more than the types (a provider, a
//   region, use_spot, or `ordered` over more than one candidate); null otherwise;
// - priority, deadline (absolute; it must be after `submit`), checkpoint interval and size,
//   max_restarts as given.
// Whether any pool can run the job is not checked here (the core rejects a job no pool can ever
// run, with a reason: sched/eligibility.h WhyNoPool).
absl::StatusOr<Job> ToJob(const JobSpec& spec, const Fleet& fleet, const JobClock& clock);

}  // namespace arbiter

#endif  // ARBITER_FORMATS_JOB_SPEC_H_
