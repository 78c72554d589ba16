// What the Slurm backend says to Slurm's commands and how it reads their answers: the batch script
// and sbatch arguments for a launch, the names that carry Arbiter's job and attempt, and parsers
// for sbatch, squeue and sinfo output. Pure functions, tested on captured output.
#ifndef ARBITER_BACKENDS_SLURM_PROTOCOL_H_
#define ARBITER_BACKENDS_SLURM_PROTOCOL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/backend.h"

namespace arbiter::slurm {

// Where and how to submit; the parts of SlurmOptions that shape a submission.
struct SubmitOptions {
  std::string job_prefix = "arbiter";  // Slurm job names are PREFIX-jJOB-aATTEMPT
  std::string partition;               // empty: the cluster's default partition
  std::string account;                 // empty: the user's default
  std::string qos;                     // empty: the default
  std::string gres = "gpu";            // the generic resource that stands for accelerators
  // Whole nodes for every job (sbatch --exclusive). Off: a job takes its gres and one CPU per
  // node, and jobs may share a node, as Arbiter counts a pool's accelerators, not its nodes.
  bool exclusive = false;
};

// The Slurm job name of a run ("arbiter-j12-a3"), and back; nullopt when `name` is not one of
// this prefix's names.
std::string RunName(std::string_view prefix, const RunKey& key);
std::optional<RunKey> ParseRunName(std::string_view prefix, std::string_view name);

// The batch script of a launch (given to sbatch on stdin) and sbatch's arguments. The script runs
// one task per node with srun (a task that fails ends the others), each with the ARBITER_*
// environment, and records how the gang ended in ExitStatusFile() before it exits: "0", the exit
// status of the first node that failed, or "launcher N" when srun itself failed (exit code N)
// and no node did. InvalidArgument for a spec that cannot be run (no nodes, a bad environment
// variable name).
absl::StatusOr<std::string> BatchScript(const LaunchSpec& spec);
std::vector<std::string> SbatchArgs(const LaunchSpec& spec, const SubmitOptions& options);

// Files of one attempt in spec.log_dir: node N's output, the batch script's own output, the exit
// status the script records (read when a job failed, and when Slurm has forgotten the job), and
// the directory the first failing node creates.
std::string NodeLogFile(const LaunchSpec& spec, int rank);
std::string BatchLogFile(const std::string& log_dir, int64_t attempt);
std::string ExitStatusFile(const std::string& log_dir, int64_t attempt);
std::string FailedMarkDir(const std::string& log_dir, int64_t attempt);

// What ExitStatusFile() says, if it holds what the script writes.
struct ScriptExit {
  int code = 0;
  bool launcher_failed = false;  // srun failed, no node did: not the job's fault
};
std::optional<ScriptExit> ParseExitStatus(std::string_view text);

// sbatch --parsable prints "JOBID" or "JOBID;CLUSTER".
absl::StatusOr<int64_t> ParseSbatchJobId(std::string_view out);

// One job as squeue lists it with SqueueArgs().
struct SlurmJob {
  int64_t id = 0;
  std::string name;
  std::string state;    // JOB_STATE_BASE name: PENDING, RUNNING, COMPLETED, NODE_FAIL, ...
  std::string reason;   // why it is pending or how it ended
  int wait_status = 0;  // the batch script's raw wait status (exit code << 8 | signal)
  int restarts = 0;     // times Slurm requeued it
  std::string nodes;
};
// squeue's arguments: every job of the calling user in every state, one line each.
std::vector<std::string> SqueueArgs();
// InvalidArgument naming the line for a line that does not have the expected fields.
absl::StatusOr<std::vector<SlurmJob>> ParseSqueue(std::string_view out);

// What a Slurm job's state means for Arbiter's run.
enum class Phase : uint8_t {
  kWaiting,   // not running yet (pending, configuring)
  kRunning,   // running (or suspended, or completing)
  kRequeued,  // Slurm took the run away to start it again on its own
  kEnded,     // ended; see Outcome
};
Phase PhaseOf(const SlurmJob& job);
// A pending job whose reason says it can never start as the cluster is configured (more nodes
// than the partition has, an account or QOS it may not use).
bool NeverStarts(const SlurmJob& job);
// How an ended job ended. `cancelled_by_us`: Arbiter asked for the cancel; `script_exit`: what
// the batch script recorded, when it could be read (for a FAILED job, whose fault it was).
RunReport Outcome(const SlurmJob& job, const RunKey& key, bool cancelled_by_us,
                  std::optional<ScriptExit> script_exit = std::nullopt);
// The exit code a raw wait status stands for (128 + N when killed by signal N).
int ExitCodeOf(int wait_status);

// One node as sinfo lists it with SinfoArgs().
struct SlurmNode {
  std::string name;
  std::string state;  // sinfo's compact state, with its flags: idle, mix, alloc, drain, down*, ...
  int32_t gres_count = 0;  // how many of the gres (e.g. gpu) the node has
};
std::vector<std::string> SinfoArgs(const std::string& partition);
absl::StatusOr<std::vector<SlurmNode>> ParseSinfo(std::string_view out, std::string_view gres);
// A node that can take work now: up, answering, neither drained nor down, not powered off.
bool Usable(const SlurmNode& node);

}  // namespace arbiter::slurm

#endif  // ARBITER_BACKENDS_SLURM_PROTOCOL_H_
