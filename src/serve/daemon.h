// `arbiter serve`: the daemon assembled from its parts. It loads the fleet file, opens (or creates)
// the state directory, makes each pool's backend, replays the event log and reconciles with the
// backends (serve/driver.h), then serves the API (serve/http_api.h) until stopped.
//
// The state directory holds:
//   events.db      the event log (SQLite, WAL) and its metadata (the epoch, the fleet's hash)
//   address        "host:port" the API listens on, written once it does (for scripts and tests)
//   lock           held while a daemon runs on this directory: a second one refuses to start
//   backends/      one directory per local pool (backends/local/local_backend.h)
//   logs/JOB/ATTEMPT/node-N.log, checkpoints/JOB/
//
// The fleet file may not change while its state lives: the log is replayed against it, so a
// different fleet (pools, tenants, contracts, policy) would rebuild a different state. A daemon
// started with another fleet file than the state's refuses to start and says so.
#ifndef ARBITER_SERVE_DAEMON_H_
#define ARBITER_SERVE_DAEMON_H_

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/backend.h"
#include "model/live.h"
#include "model/scenario.h"

namespace arbiter::serve {

class Driver;
class ApiServer;
class EventLog;

struct ServeOptions {
  std::string config;                     // the fleet file
  std::string state_dir;                  // created if missing
  std::string listen = "127.0.0.1:8470";  // port 0: one the OS chooses
  std::string policy;                     // empty: the fleet file's policy
  bool sync = true;                       // fsync every commit (see EventLogOptions::sync)
  size_t max_body_bytes = 1 << 20;
  int64_t grace_ms = 10'000;  // local backends: SIGTERM to SIGKILL
  std::chrono::milliseconds poll_interval{20};
  Duration nodes_interval = 30;  // seconds between reads of the backends' nodes (capacity)
  std::chrono::microseconds commit_gather{0};  // DriverOptions::commit_gather
  Duration billing_interval = 60;
  // For tests: the log's page limit (EventLogOptions::max_pages), the clock, and a maker of each
  // pool's backend instead of the fleet file's (nullptr from it: the pool has no backend).
  int64_t log_max_pages = 0;
  std::function<double()> clock;
  std::function<absl::StatusOr<std::unique_ptr<Backend>>(PoolId, const PoolBackend&)> make_backend;
};

class Daemon {
 public:
  // Starts everything; errors name what was wrong (bad fleet file: InvalidArgument; state made
  // with another fleet or in use: FailedPrecondition; port taken: Unavailable).
  static absl::StatusOr<std::unique_ptr<Daemon>> Start(const ServeOptions& options);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // "host:port" the API listens on.
  std::string address() const;
  Driver& driver() { return *driver_; }
  // Stops the API, then the driver. Runs keep running on their backends (a restart adopts them).
  void Stop();

 private:
  Daemon() = default;

  ServeOptions options_;
  Scenario scenario_;
  int lock_fd_ = -1;
  std::vector<std::unique_ptr<Backend>> owned_backends_;
  std::unique_ptr<Driver> driver_;
  std::unique_ptr<ApiServer> api_;
};

// The `arbiter serve` command: starts the daemon, prints where it listens, and serves until
// SIGINT or SIGTERM. Exit codes: 0 stopped by a signal, 2 bad configuration, 1 other failures.
int RunServe(const ServeOptions& options, std::FILE* out, std::FILE* err);

}  // namespace arbiter::serve

#endif  // ARBITER_SERVE_DAEMON_H_
