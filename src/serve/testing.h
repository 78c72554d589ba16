// Helpers for the daemon's tests only: a scripted backend (the backend seam's test double) and
// polling with a deadline.
#ifndef ARBITER_SERVE_TESTING_H_
#define ARBITER_SERVE_TESTING_H_

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/backend.h"

namespace arbiter::serve::testing {

// A backend that records what it is told and reports what the test scripts. Thread-safe: the
// driver thread calls it while the test thread scripts it.
class ScriptedBackend final : public Backend {
 public:
  absl::Status Launch(const LaunchSpec& spec) override {
    std::lock_guard lock(mu_);
    if (fail_launches_) return absl::UnavailableError("no capacity right now");
    launched_.push_back(spec);
    active_[{spec.key.job.value(), spec.key.attempt}] = true;
    return absl::OkStatus();
  }
  absl::Status Cancel(const RunKey& key) override {
    std::lock_guard lock(mu_);
    cancelled_.push_back(key);
    if (active_.erase({key.job.value(), key.attempt}) > 0) {
      reports_.push_back({key, RunStatus::kCancelled, 0, ""});
    }
    return absl::OkStatus();
  }
  std::vector<RunReport> Poll() override {
    std::lock_guard lock(mu_);
    std::vector<RunReport> out;
    out.swap(reports_);
    return out;
  }
  absl::StatusOr<std::vector<RunKey>> Active() override {
    std::lock_guard lock(mu_);
    std::vector<RunKey> keys;
    for (const auto& [key, on] : active_) keys.push_back({JobId(key.first), key.second});
    return keys;
  }
  absl::StatusOr<std::optional<int32_t>> Nodes() override { return std::optional<int32_t>(); }

  // Reports a run's status; a lost run's reason is "node died" unless `reason` is given.
  void Report(RunKey key, RunStatus status, int exit_code = 0, std::string reason = {}) {
    std::lock_guard lock(mu_);
    if (status != RunStatus::kRunning) active_.erase({key.job.value(), key.attempt});
    if (reason.empty() && status == RunStatus::kLost) reason = "node died";
    reports_.push_back({key, status, exit_code, std::move(reason)});
  }
  void SetActive(const std::vector<RunKey>& keys) {
    std::lock_guard lock(mu_);
    active_.clear();
    for (const RunKey& k : keys) active_[{k.job.value(), k.attempt}] = true;
  }
  void FailLaunches(bool fail) {
    std::lock_guard lock(mu_);
    fail_launches_ = fail;
  }
  std::vector<LaunchSpec> launched() {
    std::lock_guard lock(mu_);
    return launched_;
  }
  std::vector<RunKey> cancelled() {
    std::lock_guard lock(mu_);
    return cancelled_;
  }

 private:
  std::mutex mu_;
  std::vector<LaunchSpec> launched_;
  std::vector<RunKey> cancelled_;
  std::vector<RunReport> reports_;
  std::map<std::pair<int32_t, int64_t>, bool> active_;
  bool fail_launches_ = false;
};

// Polls `done` until it holds or 10 s pass (the driver applies batches on its own thread).
template <typename F>
inline bool Eventually(F done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::yield();
  }
  return done();
}

}  // namespace arbiter::serve::testing

#endif  // ARBITER_SERVE_TESTING_H_
