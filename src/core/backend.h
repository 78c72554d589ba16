// The live driver's seam to where work really runs: processes on this machine, a Slurm cluster.
//
// The daemon (src/serve) carries out the core's StartJob, CancelStart and StopJob commands on the
// backend of each command's pool and turns what the backend reports into the core's events
// (JobStarted, JobStartFailed, JobFinished, JobKilled, a run that failed by its own fault). A
// backend makes no decisions: it runs exactly what it is told, where it is told, and says what
// happened.
//
// Work on a backend is named by a RunKey (job, attempt). The attempt number comes from the daemon
// and is unique per job over the daemon's whole life (replaying the event log gives the same
// numbers), so that after a restart the daemon finds its work on the backend again, by key, and
// never launches a second copy of it.
//
// After a restart of the daemon, a backend made anew over the same state (the same directory, the
// same cluster) finds the runs of the earlier instance: Active() lists those still running, and
// its first Poll() reports the status of every run it finds, once, in key order: kRunning for
// those still running, and the final status (with the exit code) of those that ended while the
// daemon was down. The daemon ignores reports about runs it no longer considers current, so a
// report repeated after a restart is harmless; a run that ended but is not reported is taken as
// lost.
//
// Logs: node N of a run writes its standard output and error to `log_dir`/node-N.log (N from 0).
//
// Thread-safety: a backend is called from the daemon's driver thread only. Calls do not block for
// long (a Slurm command, a fork); waiting for work to change state is Poll's job.
#ifndef ARBITER_CORE_BACKEND_H_
#define ARBITER_CORE_BACKEND_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/ids.h"
#include "model/units.h"

namespace arbiter {

struct RunKey {
  JobId job;
  int64_t attempt = 0;

  friend bool operator==(const RunKey&, const RunKey&) = default;
};

// One launch attempt of a job's gang: `nodes` processes (one per node), each seeing its rank.
struct LaunchSpec {
  RunKey key;
  std::string job_name;  // the user's name for the job
  std::string tenant;
  std::string pool;  // the fleet's pool name
  int32_t nodes = 1;
  int32_t accelerators_per_node = 0;
  std::vector<std::pair<std::string, std::string>> env;  // the job's own environment
  std::string workdir;                                   // empty: the backend's default
  std::string setup;                                     // shell, run once per node before `run`
  std::string run;                                       // shell
  std::string checkpoint_dir;  // the same directory for every attempt of the job
  std::string log_dir;         // one log file per node goes here
};

enum class RunStatus : uint8_t {
  kRunning,    // every node is up and running the job
  kSucceeded,  // every node exited 0
  kFailed,     // the job's own fault: a node exited non-zero (`exit_code`)
  kLost,       // not the job's fault: a node died or was taken, the launch failed, the backend
               // lost the work; the job keeps its checkpoint and may run again
  kCancelled,  // stopped because the daemon asked (Cancel)
};

// The status in one lowercase word ("running", "succeeded", "failed", "lost", "cancelled"), as
// logs show it and as the local backend records a run's end.
inline std::string_view RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kRunning:
      return "running";
    case RunStatus::kSucceeded:
      return "succeeded";
    case RunStatus::kFailed:
      return "failed";
    case RunStatus::kLost:
      return "lost";
    case RunStatus::kCancelled:
      return "cancelled";
  }
  return "lost";
}

// A change of a run's status, reported once.
struct RunReport {
  RunKey key;
  RunStatus status = RunStatus::kRunning;
  int exit_code = 0;
  std::string reason;  // in words a user can act on, for kFailed and kLost
};

class Backend {
 public:
  virtual ~Backend() = default;

  // Starts the attempt. An error means it was not even submitted (the core hears a failed start);
  // otherwise its progress comes through Poll (kRunning once every node is up).
  virtual absl::Status Launch(const LaunchSpec& spec) = 0;

  // Stops the attempt (SIGTERM, then SIGKILL after a grace period, or the cluster's cancel).
  // Idempotent; unknown keys are not an error. A kCancelled report follows through Poll.
  virtual absl::Status Cancel(const RunKey& key) = 0;

  // What changed since the last call, in the order it was seen. Never blocks for long.
  virtual std::vector<RunReport> Poll() = 0;

  // Every run the backend has that has not ended, for reconciliation after a restart. An error
  // means the backend cannot be reached now (a Slurm controller down): nothing is concluded.
  virtual absl::StatusOr<std::vector<RunKey>> Active() = 0;

  // Nodes the backend can run work on now (Slurm: nodes neither down nor drained), or nullopt
  // when it does not know and the pool's declared nodes hold. An error: unreachable now.
  virtual absl::StatusOr<std::optional<int32_t>> Nodes() = 0;
};

}  // namespace arbiter

#endif  // ARBITER_CORE_BACKEND_H_
