// The local backend: runs each launch of a job as processes on this machine (docs/jobs.md,
// "On the local backend"). One LocalBackend serves one pool of the fleet file (with `backend:
// {kind: local}`) and the holding pools carved out of it, which share its nodes and devices.
//
// A launch (core/backend.h, LaunchSpec) of N nodes starts N node processes, each through a small
// wrapper program (`arbiter-node`, built beside `arbiter`) that leads its own process group and
// session, so that the daemon's death does not touch it. The wrapper runs, with /bin/sh in the
// job's workdir, `setup` and then (if setup exits 0) `run`; their output, stdout and stderr, goes
// to `<log_dir>/node-<rank>.log` (`<dir>/logs/<job>-<attempt>/` when the spec gives none). Each
// node sees the daemon's environment without its ARBITER_* variables and CUDA_VISIBLE_DEVICES, then
// the job's `env`, then:
//   ARBITER_JOB_ID         the job's id (RunKey.job, decimal)
//   ARBITER_JOB_NAME       LaunchSpec.job_name
//   ARBITER_ATTEMPT        RunKey.attempt
//   ARBITER_NODE_RANK      0 .. N-1
//   ARBITER_NUM_NODES      N
//   ARBITER_MASTER_ADDR    127.0.0.1 (every node runs here)
//   ARBITER_MASTER_PORT    a TCP port that was free on 127.0.0.1 when the run was launched and
//                          that no other live run of the process holds (ports.h), the same for
//                          every node of the run (rank 0 is expected to listen on it)
//   ARBITER_CHECKPOINT_DIR LaunchSpec.checkpoint_dir (created if missing, never emptied: every
//                          attempt of the job finds it as the last one left it)
//   CUDA_VISIBLE_DEVICES   the node's share of the pool's devices, e.g. "2,3"
// An empty workdir means the run's own directory under the backend's directory.
//
// Devices: each node of a run takes accelerators_per_node devices of one node of the pool (the
// first pool node with enough free devices, lowest ids first); several nodes of a run may share
// a pool node. The core counts a pool's free accelerators, not per node, so a launch can find no
// pool node with room although the pool has it in total (fragmentation): Launch then fails and
// the core hears a failed start.
//
// How a run ends (reported once, when none of its node processes is left):
//   every node exited 0                                  kSucceeded
//   a node exited non-zero, or crashed by its own fault  kFailed, with that node's exit code
//     (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGSYS,  (128 + signal for a crash)
//     SIGTRAP)
//   a node was killed by any other signal, or its        kLost
//     wrapper vanished without recording an exit, or
//     its shell exited 129, 130, 137 or 143 (a command
//     it ran was killed by SIGHUP, SIGINT, SIGKILL,
//     SIGTERM)
//   Cancel was called first                              kCancelled
// The first node to end abnormally decides (recorded on disk before anything else happens); the
// other nodes then get SIGTERM, and SIGKILL after the grace period. A node whose process has
// exited leaves nothing behind: its wrapper kills the rest of its process group.
//
// Restarts: everything about a run lives in its directory `<dir>/<job>-<attempt>/`: the launch,
// each node's wrapper (pid, start time, boot id: a pid reused by another process is never taken
// for the wrapper), each node's exit status (written by the wrapper), a cancel and its deadline,
// the verdict. A new LocalBackend over the same directory (after the daemon was killed) finds
// every run again, sees how it ends and reads the exit codes. Reports are delivered at least
// once: a report returned by Poll counts as received when Poll is called again; the reports of a
// Poll whose caller died before calling again are returned again by the next LocalBackend's
// first Poll (kRunning included). A run's directory is removed once its end has been received.
//
// Thread-safety: none; one driver thread calls it (core/backend.h). No call blocks: Launch forks
// (posix_spawn) N wrappers, Cancel sends signals, Poll reads a few small files per node.
#ifndef ARBITER_BACKENDS_LOCAL_LOCAL_BACKEND_H_
#define ARBITER_BACKENDS_LOCAL_LOCAL_BACKEND_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/backend.h"

namespace arbiter {

struct LocalBackendOptions {
  // The backend's own directory (created if missing); no other backend may use it. The daemon
  // gives each local pool a directory under its state directory.
  std::string dir;
  std::string pool;  // the pool's name, for messages
  // Per node of the pool, its device ids (model/live.h LocalBackendSettings::devices); every
  // node has the same number of devices (the pool's accelerators per node).
  std::vector<std::vector<int32_t>> devices;
  // Between SIGTERM and SIGKILL when a run is cancelled or its other nodes are stopped.
  int64_t grace_ms = 10'000;
  // The node wrapper program; empty: DefaultNodeWrapperPath().
  std::string wrapper;
};

// `arbiter-node` beside the running executable if it is there, else where the build put it.
std::string DefaultNodeWrapperPath();

class LocalBackend : public Backend {
 public:
  // Opens (or creates) the backend's directory and finds the runs it holds. Fails if the
  // directory cannot be used, the devices are malformed or the wrapper is not executable.
  static absl::StatusOr<std::unique_ptr<LocalBackend>> Create(LocalBackendOptions options);

  // Destroying a LocalBackend leaves its runs running (as the daemon's death would).
  ~LocalBackend() override;

  // Fails (and starts nothing) when the key was launched before, the spec is malformed
  // (nodes < 1, accelerators per node not the pool's shape, or no pool node has room for a node
  // of the run), or a directory or process cannot be created; nodes started before a failure
  // are killed at once.
  absl::Status Launch(const LaunchSpec& spec) override;
  absl::Status Cancel(const RunKey& key) override;
  std::vector<RunReport> Poll() override;
  // Every run whose end Poll has not yet returned (so a run that ended while no daemon watched
  // is listed until its end is reported: whichever of Active and Poll the daemon calls first, it
  // never takes such a run for lost).
  absl::StatusOr<std::vector<RunKey>> Active() override;
  // nullopt: the pool's declared nodes hold.
  absl::StatusOr<std::optional<int32_t>> Nodes() override;

  // Devices free now on each node of the pool (for tests and the daemon's pool view).
  std::vector<int32_t> FreeDevices() const;

  struct Run;  // one launch (local_backend.cc)

 private:
  explicit LocalBackend(LocalBackendOptions options);
  absl::Status Recover();

  LocalBackendOptions options_;
  std::string boot_id_;
  std::map<std::string, std::unique_ptr<Run>> runs_;  // by directory name "<job>-<attempt>"
  std::vector<std::vector<bool>> used_;               // per pool node, per device
  std::vector<std::string> delivered_;                // runs whose end the last Poll returned
};

}  // namespace arbiter

#endif  // ARBITER_BACKENDS_LOCAL_LOCAL_BACKEND_H_
