// SlurmBackend: runs the daemon's work on a Slurm cluster through Slurm's own commands (sbatch,
// squeue, sinfo, scancel), as any user of the cluster would. Commands rather than slurmrestd:
// they need no extra daemon, no JWT set-up and no REST API version to match, and they work on
// every cluster a user can submit to (also from a login node); their output formats are fixed
// by the arguments the backend passes (see protocol.h).
//
// Each launch is one Slurm batch job: `nodes` nodes with `accelerators_per_node` of the gres
// (gpu) on each (whole nodes if SubmitOptions::exclusive), one task per node started by srun,
// never requeued by Slurm. Its name,
// PREFIX-jJOB-aATTEMPT, carries the run's key, so that a backend started after the daemon
// restarts finds the runs on the cluster again (Active) and never submits one twice. Each node
// runs, with bash in the job's workdir (empty: its log directory), `setup` and then (if setup
// exited 0) `run`, with the daemon's environment as sbatch passes it on (less the daemon's own
// ARBITER_* and CUDA_VISIBLE_DEVICES), the job's `env`, and the environment the local backend
// gives (backends/local/local_backend.h):
//   ARBITER_JOB_ID, ARBITER_JOB_NAME, ARBITER_ATTEMPT, ARBITER_NUM_NODES
//   ARBITER_NODE_RANK      0 .. N-1 (srun's task id)
//   ARBITER_MASTER_ADDR    the address of rank 0's node (srun's launch node)
//   ARBITER_MASTER_PORT    20000 + the Slurm job id mod 10000, the same on every node
//   ARBITER_CHECKPOINT_DIR LaunchSpec.checkpoint_dir, created if missing
//   CUDA_VISIBLE_DEVICES   the node's GPUs as Slurm assigns them from the gres
// Node N's output goes to <log_dir>/node-N.log, the batch script's own to
// <log_dir>/slurm-attempt-A.log.
//
// Launch and Cancel only queue the work; the backend's thread submits, cancels and watches (one
// squeue and one sinfo per poll interval) and turns what it sees into RunReports for Poll:
//   RUNNING -> kRunning; COMPLETED -> kSucceeded; FAILED with the script's exit code ->
//   kFailed; CANCELLED after Cancel -> kCancelled; NODE_FAIL, PREEMPTED, TIMEOUT, BOOT_FAIL,
//   a cancel by someone else, a requeue, a failed submission, a job Slurm forgot without
//   leaving an exit status -> kLost (the job keeps its checkpoint and may run again).
// Every run reported lost is cancelled on the cluster if it is still there, so that a run never
// goes on while Arbiter starts it again elsewhere. A backend made anew (after the daemon
// restarted) adopts every run of its prefix it finds on the cluster and reports each as it is
// then: running, or how it ended while no daemon watched (while Slurm remembers it, MinJobAge).
//
// When the controller does not answer, Nodes and Active return Unavailable (the daemon shows no
// room in the pool), queued launches are reported lost at once, and runs already on the cluster
// are reported lost only after `lost_after` of silence (they are probably still running; when
// the controller answers again, any that are still there are cancelled).
//
// The log and checkpoint directories of a launch must be visible at the same path on the
// cluster's nodes (a shared file system; on local clusters, this machine's).
//
// Thread-safety: the Backend methods are called from one thread (the daemon's driver), as the
// interface says; the backend's own thread runs the commands.
#ifndef ARBITER_BACKENDS_SLURM_SLURM_BACKEND_H_
#define ARBITER_BACKENDS_SLURM_SLURM_BACKEND_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backends/slurm/command.h"
#include "backends/slurm/protocol.h"
#include "core/backend.h"

namespace arbiter::slurm {

struct SlurmOptions {
  std::string cluster;  // a name for messages, e.g. "primary"
  std::string conf;     // the cluster's slurm.conf (SLURM_CONF); empty: the environment's
  SubmitOptions submit;
  absl::Duration poll_interval = absl::Seconds(1);
  absl::Duration command_timeout = absl::Seconds(30);  // a command still running is killed
  // The controller silent this long: runs on the cluster are reported lost. Zero: never.
  absl::Duration lost_after = absl::Minutes(5);
  // A run still pending on the cluster this long after its submission is cancelled and reported
  // lost (e.g. its nodes were drained meanwhile). Zero: it waits as long as Slurm keeps it.
  absl::Duration start_timeout = absl::ZeroDuration();
  // At most this many sbatch at once when several launches are waiting.
  int submit_parallel = 4;
  // Run the commands on the backend's own thread (the daemon). False: nothing happens until
  // Step() is called (tests that step the backend by hand).
  bool background = true;
  // Called from the backend's thread, with no lock held, when Poll has something new.
  std::function<void()> on_report;
};

class SlurmBackend : public Backend {
 public:
  using Clock = std::function<absl::Time()>;

  // `runner` nullptr: Slurm's commands as child processes with SLURM_CONF=options.conf.
  static absl::StatusOr<std::unique_ptr<SlurmBackend>> Create(
      SlurmOptions options, std::unique_ptr<CommandRunner> runner = nullptr,
      Clock clock = &absl::Now);
  // Stops the backend's thread; the cluster's jobs go on (a new backend finds them).
  ~SlurmBackend() override;

  absl::Status Launch(const LaunchSpec& spec) override;
  absl::Status Cancel(const RunKey& key) override;
  std::vector<RunReport> Poll() override;
  absl::StatusOr<std::vector<RunKey>> Active() override;
  absl::StatusOr<std::optional<int32_t>> Nodes() override;

  // The cluster's nodes (in the configured partition) as last read, with their gres counts, or
  // Unavailable when the controller did not answer.
  absl::StatusOr<std::vector<SlurmNode>> ClusterNodes();

  // One round of the backend's work: submit and cancel what was asked, then read the cluster
  // (squeue, sinfo) and report what changed. The backend's thread calls it every poll interval;
  // call it directly only when `background` is false.
  void Step();

 private:
  enum class RunState : uint8_t { kQueued, kSubmitted, kRunning, kEnded };
  struct Run {
    LaunchSpec spec;     // for an adopted run only the key and nothing else
    std::string script;  // the batch script, until it is submitted
    RunState state = RunState::kQueued;
    int64_t slurm_id = 0;  // 0: not known (not submitted, or submission failed)
    bool running_reported = false;
    bool cancel_requested = false;
    // Reported lost while it may still be on the cluster: cancel it whenever it is seen.
    bool abandoned = false;
    absl::Time submitted_at;
  };
  struct KeyHash {
    size_t operator()(const RunKey& k) const { return absl::HashOf(k.job.value(), k.attempt); }
  };

  SlurmBackend(SlurmOptions options, std::unique_ptr<CommandRunner> runner, Clock clock);
  void Loop();
  void StepOnce(bool read);
  // Submits one queued run (called without the lock).
  void Submit(const RunKey& key, const std::vector<std::string>& args, const std::string& script);
  // Reads the cluster and reports; false when the controller did not answer.
  bool Read();
  // `first`: the first listing since the backend was made.
  void ApplyListing(const std::vector<SlurmJob>& jobs, absl::Time now, bool first,
                    std::vector<std::vector<std::string>>& cancels)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ControllerSilent(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Report(RunReport report) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Lose(Run& run, std::string reason) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<std::string> CancelArgs(const RunKey& key, int64_t slurm_id) const;
  std::string Unreachable(const absl::Status& status) const;
  // Waits until a Read started after this call has finished (the thread's, or this call's own
  // when `background` is false).
  void AwaitFreshRead();

  const SlurmOptions options_;
  const std::unique_ptr<CommandRunner> runner_;
  const Clock clock_;

  absl::Mutex mu_;
  absl::flat_hash_map<RunKey, Run, KeyHash> runs_ ABSL_GUARDED_BY(mu_);
  std::deque<RunKey> to_submit_ ABSL_GUARDED_BY(mu_);
  std::vector<std::vector<std::string>> to_cancel_ ABSL_GUARDED_BY(mu_);  // scancel commands
  std::vector<RunReport> reports_ ABSL_GUARDED_BY(mu_);
  bool listed_ ABSL_GUARDED_BY(mu_) = false;  // a listing succeeded since the backend started
  int64_t reads_started_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t reads_done_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status listing_status_ ABSL_GUARDED_BY(mu_);
  std::vector<RunKey> listed_alive_ ABSL_GUARDED_BY(mu_);  // ours, on the cluster, not ended
  absl::StatusOr<std::vector<SlurmNode>> nodes_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Time> silent_since_ ABSL_GUARDED_BY(mu_);
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace arbiter::slurm

#endif  // ARBITER_BACKENDS_SLURM_SLURM_BACKEND_H_
