// Helpers of the tests that run against the real local Slurm clusters of scripts/local-slurm.sh
// (started by CTest's `slurm_up` fixture before these tests and stopped after them). A cluster
// that is not there is a failure, never a skip.
#ifndef ARBITER_TESTS_SLURM_LOCAL_SLURM_H_
#define ARBITER_TESTS_SLURM_LOCAL_SLURM_H_

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "backends/slurm/command.h"
#include "backends/slurm/slurm_backend.h"
#include "gtest/gtest.h"
#include "model/strings.h"

namespace arbiter::testing {

// The repository (ARBITER_SOURCE_DIR, set by CTest) and the clusters' directory, as
// scripts/local-slurm.sh chooses it.
inline std::filesystem::path SourceDir() {
  const char* dir = std::getenv("ARBITER_SOURCE_DIR");
  return dir != nullptr ? dir : std::filesystem::current_path();
}
inline std::filesystem::path SlurmDir() {
  const char* dir = std::getenv("ARBITER_SLURM_DIR");
  return dir != nullptr && *dir != '\0' ? std::filesystem::path(dir) : SourceDir() / "build/slurm";
}
inline std::string SlurmConf(const std::string& cluster) {
  return (SlurmDir() / cluster / "slurm.conf").string();
}

// Runs `bash scripts/local-slurm.sh ARGS`; true when it succeeded.
inline bool LocalSlurm(const std::string& args) {
  std::string command =
      "bash '" + (SourceDir() / "scripts/local-slurm.sh").string() + "' " + args + " >/dev/null";
  return std::system(command.c_str()) == 0;
}

// A Slurm command on one cluster, e.g. Slurm("primary", {"scontrol", "update", ...}).
inline slurm::CommandResult Slurm(const std::string& cluster,
                                  const std::vector<std::string>& argv) {
  slurm::ProcessRunner runner({{"SLURM_CONF", SlurmConf(cluster)}}, absl::Seconds(60));
  absl::StatusOr<slurm::CommandResult> result = runner.Run(argv, "");
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : slurm::CommandResult{.exit_code = -1};
}

// Waits until `done()` holds, checking every 100 ms; false after `timeout`. For states of the
// cluster that nothing notifies (a job's state in squeue, a node's state).
inline bool Eventually(const std::function<bool()>& done,
                       absl::Duration timeout = absl::Seconds(90)) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return done();
}

// A SlurmBackend on one local cluster that collects every report, and waits for reports as the
// backend announces them (its on_report).
class WatchedBackend {
 public:
  WatchedBackend(const WatchedBackend&) = delete;
  WatchedBackend& operator=(const WatchedBackend&) = delete;
  explicit WatchedBackend(const std::string& cluster, slurm::SlurmOptions options = {}) {
    options.cluster = cluster;
    options.conf = SlurmConf(cluster);
    options.poll_interval = absl::Milliseconds(200);
    options.on_report = [this] {
      std::lock_guard<std::mutex> lock(mu_);
      cv_.notify_all();
    };
    absl::StatusOr<std::unique_ptr<slurm::SlurmBackend>> backend =
        slurm::SlurmBackend::Create(options);
    EXPECT_TRUE(backend.ok()) << backend.status();
    if (backend.ok()) backend_ = *std::move(backend);
  }

  slurm::SlurmBackend& operator*() { return *backend_; }
  slurm::SlurmBackend* operator->() { return backend_.get(); }

  // Every report so far, in order.
  const std::vector<RunReport>& reports() {
    Drain();
    return reports_;
  }

  // Waits until a report of `key` with `status` has come (true), or `timeout` passed (false).
  bool WaitFor(const RunKey& key, RunStatus status, absl::Duration timeout = absl::Seconds(90)) {
    absl::Time deadline = absl::Now() + timeout;
    while (true) {
      Drain();
      for (const RunReport& r : reports_) {
        if (r.key == key && r.status == status) return true;
      }
      absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) return false;
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, absl::ToChronoMilliseconds(std::min(left, absl::Seconds(1))));
    }
  }

  // The reports of one run.
  std::vector<RunReport> Of(const RunKey& key) {
    Drain();
    std::vector<RunReport> out;
    for (const RunReport& r : reports_) {
      if (r.key == key) out.push_back(r);
    }
    return out;
  }

 private:
  void Drain() {
    for (RunReport& r : backend_->Poll()) reports_.push_back(std::move(r));
  }

  // Declared before backend_, which is destroyed first: its thread calls on_report until then.
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<RunReport> reports_;
  std::unique_ptr<slurm::SlurmBackend> backend_;
};

}  // namespace arbiter::testing

#endif  // ARBITER_TESTS_SLURM_LOCAL_SLURM_H_
