#include "backends/slurm/slurm_backend.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>

#include "model/strings.h"

namespace arbiter::slurm {
namespace {

// The first line of a command's complaint, for messages.
std::string FirstLine(std::string_view text) {
  text = StripWhitespace(text);
  return std::string(text.substr(0, text.find('\n')));
}

// The exit status the batch script recorded, if it did.
// What the batch script of `spec` recorded about its end, if it could be read.
std::optional<ScriptExit> ReadScriptExit(const LaunchSpec& spec) {
  if (spec.log_dir.empty()) return std::nullopt;  // adopted after a restart: not known
  std::ifstream in(ExitStatusFile(spec.log_dir, spec.key.attempt));
  std::string text;
  if (!in || !std::getline(in, text)) return std::nullopt;
  return ParseExitStatus(text);
}

absl::Status MakeDirectory(const std::string& dir, std::string_view what, const RunKey& key) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(StrCat("job ", key.job.value(), ": cannot create ", what,
                                                " directory ", dir, ": ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SlurmBackend>> SlurmBackend::Create(
    SlurmOptions options, std::unique_ptr<CommandRunner> runner, Clock clock) {
  if (options.submit.job_prefix.empty() ||
      options.submit.job_prefix.find_first_of(" |\t\n") != std::string::npos) {
    return absl::InvalidArgumentError(StrCat("Slurm backend '", options.cluster, "': job_prefix '",
                                             options.submit.job_prefix,
                                             "' must be non-empty, without spaces or |"));
  }
  if (options.poll_interval <= absl::ZeroDuration() ||
      options.command_timeout <= absl::ZeroDuration() ||
      options.lost_after < absl::ZeroDuration() || options.start_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        StrCat("Slurm backend '", options.cluster,
               "': poll_interval and command_timeout must be positive, lost_after and "
               "start_timeout not negative"));
  }
  if (!options.conf.empty() && !std::filesystem::exists(options.conf)) {
    return absl::NotFoundError(
        StrCat("Slurm backend '", options.cluster, "': no slurm.conf at ", options.conf));
  }
  if (runner == nullptr) {
    std::vector<std::pair<std::string, std::string>> env;
    if (!options.conf.empty()) env.emplace_back("SLURM_CONF", options.conf);
    // sbatch hands its environment to the job (as the local backend gives a run the daemon's):
    // not the daemon's own ARBITER_* variables, nor accelerators the daemon was given.
    runner = std::make_unique<ProcessRunner>(
        env, options.command_timeout,
        std::vector<std::string>{"ARBITER_*", "CUDA_VISIBLE_DEVICES"});
  }
  return std::unique_ptr<SlurmBackend>(
      new SlurmBackend(std::move(options), std::move(runner), std::move(clock)));
}

SlurmBackend::SlurmBackend(SlurmOptions options, std::unique_ptr<CommandRunner> runner, Clock clock)
    : options_(std::move(options)),
      runner_(std::move(runner)),
      clock_(std::move(clock)),
      listing_status_(absl::UnavailableError("not read yet")),
      nodes_(absl::UnavailableError("not read yet")) {
  if (options_.background) thread_ = std::thread([this] { Loop(); });
}

SlurmBackend::~SlurmBackend() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::Status SlurmBackend::Launch(const LaunchSpec& spec) {
  absl::StatusOr<std::string> script = BatchScript(spec);
  if (!script.ok()) return script.status();
  if (absl::Status s = MakeDirectory(spec.log_dir, "log", spec.key); !s.ok()) return s;
  if (absl::Status s = MakeDirectory(spec.checkpoint_dir, "checkpoint", spec.key); !s.ok()) {
    return s;
  }
  absl::MutexLock lock(&mu_);
  // Launched already (the daemon asked twice, or found it after a restart): no second copy.
  if (runs_.contains(spec.key)) return absl::OkStatus();
  runs_[spec.key] = Run{.spec = spec, .script = *std::move(script)};
  to_submit_.push_back(spec.key);
  return absl::OkStatus();
}

absl::Status SlurmBackend::Cancel(const RunKey& key) {
  absl::MutexLock lock(&mu_);
  auto it = runs_.find(key);
  if (it == runs_.end()) {
    // Not known to this backend (e.g. an orphan after a restart): cancel it by name if it is
    // there; nothing to report.
    to_cancel_.push_back(CancelArgs(key, 0));
    return absl::OkStatus();
  }
  Run& run = it->second;
  if (run.state == RunState::kEnded || run.abandoned) return absl::OkStatus();
  auto queued = std::find(to_submit_.begin(), to_submit_.end(), key);
  if (queued != to_submit_.end()) {
    to_submit_.erase(queued);
    run.state = RunState::kEnded;
    Report(RunReport{.key = key, .status = RunStatus::kCancelled});
    return absl::OkStatus();
  }
  run.cancel_requested = true;
  to_cancel_.push_back(CancelArgs(key, run.slurm_id));
  return absl::OkStatus();
}

std::vector<RunReport> SlurmBackend::Poll() {
  absl::MutexLock lock(&mu_);
  return std::exchange(reports_, {});
}

absl::StatusOr<std::vector<RunKey>> SlurmBackend::Active() {
  AwaitFreshRead();
  absl::MutexLock lock(&mu_);
  if (!listing_status_.ok()) return listing_status_;
  std::vector<RunKey> keys;
  absl::Time now = clock_();
  for (const RunKey& key : listed_alive_) {
    // Found on the cluster, not launched by this backend: adopted, watched from now on.
    auto [it, inserted] = runs_.try_emplace(key);
    if (inserted) {
      it->second.spec.key = key;
      it->second.state = RunState::kSubmitted;
      it->second.submitted_at = now;
    }
  }
  for (const auto& [key, run] : runs_) {
    if (run.state != RunState::kEnded && !run.abandoned) keys.push_back(key);
  }
  return keys;
}

absl::StatusOr<std::optional<int32_t>> SlurmBackend::Nodes() {
  absl::StatusOr<std::vector<SlurmNode>> nodes = ClusterNodes();
  if (!nodes.ok()) return nodes.status();
  int32_t usable = 0;
  for (const SlurmNode& node : *nodes) usable += Usable(node) ? 1 : 0;
  return std::optional<int32_t>(usable);
}

absl::StatusOr<std::vector<SlurmNode>> SlurmBackend::ClusterNodes() {
  bool read_yet = false;
  {
    absl::MutexLock lock(&mu_);
    read_yet = reads_done_ > 0;
  }
  if (!read_yet) AwaitFreshRead();
  absl::MutexLock lock(&mu_);
  return nodes_;
}

void SlurmBackend::AwaitFreshRead() {
  if (!options_.background) {
    Step();
    return;
  }
  absl::MutexLock lock(&mu_);
  int64_t after = reads_started_;
  wake_ = true;
  auto done = [this, after]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return reads_done_ > after; };
  mu_.Await(absl::Condition(&done));
}

void SlurmBackend::Loop() {
  absl::Time next_read = absl::InfinitePast();
  while (true) {
    bool read = false;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stop_ || wake_ || !to_submit_.empty() || !to_cancel_.empty();
      };
      mu_.AwaitWithDeadline(absl::Condition(&ready), next_read);
      if (stop_) return;
      read = wake_ || absl::Now() >= next_read;
      wake_ = false;
    }
    StepOnce(read);
    if (read) next_read = absl::Now() + options_.poll_interval;
  }
}

void SlurmBackend::Step() { StepOnce(/*read=*/true); }

void SlurmBackend::StepOnce(bool read) {
  std::vector<std::vector<std::string>> cancels;
  std::vector<RunKey> submits;
  bool listed = false;
  {
    absl::MutexLock lock(&mu_);
    cancels = std::exchange(to_cancel_, {});
    submits.assign(to_submit_.begin(), to_submit_.end());
    to_submit_.clear();
    // Nothing read yet, or the controller did not answer last time: read before submitting.
    listed = listed_ && !silent_since_.has_value();
  }
  // Cancels first: they free nodes for what follows.
  for (const std::vector<std::string>& args : cancels) (void)runner_->Run(args, "");
  // Before the first submission, what is on the cluster already (a run found there is not
  // submitted again); after silence, whether the controller answers again.
  if (!submits.empty() && !listed) Read();
  struct Submission {
    RunKey key;
    std::vector<std::string> args;
    std::string script;
  };
  std::vector<Submission> todo;
  {
    absl::MutexLock lock(&mu_);
    for (const RunKey& key : submits) {
      auto it = runs_.find(key);
      if (it == runs_.end()) continue;
      Run& run = it->second;
      if (run.state != RunState::kQueued || run.abandoned) continue;
      if (run.slurm_id != 0) {  // found on the cluster by the listing
        run.state = RunState::kSubmitted;
        run.submitted_at = clock_();
        continue;
      }
      // The controller did not answer the last listing: sbatch would wait for it in vain.
      if (!listed_ || silent_since_.has_value()) {
        Lose(run, StrCat("not submitted: ", listing_status_.message()));
        continue;
      }
      todo.push_back({key, SbatchArgs(run.spec, options_.submit), run.script});
    }
  }
  // Several sbatch at once: the controller takes submissions from several clients faster than
  // from one (bench/README.md, "On Slurm").
  std::atomic<size_t> next{0};
  const auto submit = [&] {
    for (size_t i; (i = next.fetch_add(1)) < todo.size();) {
      Submit(todo[i].key, todo[i].args, todo[i].script);
    }
  };
  std::vector<std::thread> helpers;
  const size_t parallel =
      std::min<size_t>(static_cast<size_t>(std::max(1, options_.submit_parallel)), todo.size());
  for (size_t t = 1; t < parallel; ++t) helpers.emplace_back(submit);
  submit();
  for (std::thread& t : helpers) t.join();
  if (read) Read();
  std::function<void()> notify;
  {
    absl::MutexLock lock(&mu_);
    if (!reports_.empty()) notify = options_.on_report;
  }
  if (notify) notify();
}

void SlurmBackend::Submit(const RunKey& key, const std::vector<std::string>& args,
                          const std::string& script) {
  absl::StatusOr<CommandResult> result = runner_->Run(args, script);
  absl::MutexLock lock(&mu_);
  auto it = runs_.find(key);
  if (it == runs_.end()) return;
  Run& run = it->second;
  if (!result.ok()) {
    // It may have been submitted all the same (a timeout): Lose cancels it if it shows up.
    Lose(run, StrCat("not submitted to Slurm cluster ", options_.cluster, ": ",
                     result.status().message()));
    return;
  }
  if (result->exit_code != 0) {
    Lose(run,
         StrCat("Slurm cluster ", options_.cluster, " refused the job: ", FirstLine(result->err)));
    return;
  }
  absl::StatusOr<int64_t> id = ParseSbatchJobId(result->out);
  if (!id.ok()) {
    Lose(run, std::string(id.status().message()));
    return;
  }
  run.slurm_id = *id;
  run.state = RunState::kSubmitted;
  run.submitted_at = clock_();
  // Cancelled while sbatch ran.
  if (run.cancel_requested) to_cancel_.push_back(CancelArgs(key, run.slurm_id));
}

bool SlurmBackend::Read() {
  {
    absl::MutexLock lock(&mu_);
    ++reads_started_;
  }
  absl::StatusOr<CommandResult> squeue = runner_->Run(SqueueArgs(), "");
  absl::StatusOr<CommandResult> sinfo;
  absl::StatusOr<std::vector<SlurmJob>> jobs = absl::UnavailableError("");
  if (!squeue.ok()) {
    jobs = absl::UnavailableError(Unreachable(squeue.status()));
  } else if (squeue->exit_code != 0) {
    jobs = absl::UnavailableError(Unreachable(absl::UnknownError(FirstLine(squeue->err))));
  } else {
    jobs = ParseSqueue(squeue->out);
  }
  absl::StatusOr<std::vector<SlurmNode>> nodes = absl::UnavailableError("");
  if (jobs.ok()) {
    // The controller just answered; ask it about the nodes too.
    sinfo = runner_->Run(SinfoArgs(options_.submit.partition), "");
    if (!sinfo.ok()) {
      nodes = absl::UnavailableError(Unreachable(sinfo.status()));
    } else if (sinfo->exit_code != 0) {
      nodes = absl::UnavailableError(Unreachable(absl::UnknownError(FirstLine(sinfo->err))));
    } else {
      nodes = ParseSinfo(sinfo->out, options_.submit.gres);
    }
  } else {
    nodes = jobs.status();
  }
  std::vector<std::vector<std::string>> cancels;
  {
    absl::MutexLock lock(&mu_);
    absl::Time now = clock_();
    nodes_ = std::move(nodes);
    if (jobs.ok()) {
      listing_status_ = absl::OkStatus();
      const bool first = !listed_;
      listed_ = true;
      silent_since_.reset();
      ApplyListing(*jobs, now, first, cancels);
    } else {
      listing_status_ = jobs.status();
      ControllerSilent(now);
    }
    reads_done_ = reads_started_;
  }
  for (const std::vector<std::string>& args : cancels) (void)runner_->Run(args, "");
  return jobs.ok();
}

void SlurmBackend::ApplyListing(const std::vector<SlurmJob>& jobs, absl::Time now, bool first,
                                std::vector<std::vector<std::string>>& cancels) {
  listed_alive_.clear();
  absl::flat_hash_set<RunKey, KeyHash> seen;
  for (const SlurmJob& job : jobs) {
    std::optional<RunKey> key = ParseRunName(options_.submit.job_prefix, job.name);
    if (!key.has_value()) continue;
    Phase phase = PhaseOf(job);
    auto it = runs_.find(*key);
    if (it == runs_.end() && first) {
      // The first listing of a backend made anew (the daemon restarted): every run of ours on
      // the cluster is adopted and reported as it is now, also those that ended while no
      // daemon watched (as long as Slurm remembers them: its MinJobAge).
      it = runs_.try_emplace(*key).first;
      it->second.spec.key = *key;
      it->second.state = RunState::kSubmitted;
      it->second.submitted_at = now;
    }
    if (it == runs_.end()) {
      if (phase != Phase::kEnded) listed_alive_.push_back(*key);
      continue;
    }
    Run& run = it->second;
    if (run.slurm_id == 0) run.slurm_id = job.id;
    if (run.slurm_id != job.id) {
      // A second Slurm job under the same name (an earlier sbatch that timed out but went
      // through): only one copy may run.
      if (phase != Phase::kEnded) cancels.push_back({"scancel", StrCat(job.id)});
      continue;
    }
    seen.insert(*key);
    if (run.abandoned) {
      if (phase != Phase::kEnded) cancels.push_back(CancelArgs(*key, job.id));
      continue;
    }
    if (run.state == RunState::kEnded) continue;
    if (run.state == RunState::kQueued) {  // found on the cluster before it was submitted
      run.state = RunState::kSubmitted;
      run.submitted_at = now;
    }
    switch (phase) {
      case Phase::kWaiting:
        listed_alive_.push_back(*key);
        if (run.cancel_requested) {
          cancels.push_back(CancelArgs(*key, job.id));
        } else if (NeverStarts(job)) {
          Lose(run, StrCat("Slurm job ", job.id, " on cluster ", options_.cluster,
                           " cannot start as the cluster is configured (", job.reason, ")"));
          cancels.push_back(CancelArgs(*key, job.id));
        } else if (options_.start_timeout > absl::ZeroDuration() &&
                   now - run.submitted_at >= options_.start_timeout) {
          Lose(run, StrCat("Slurm job ", job.id, " on cluster ", options_.cluster,
                           " did not start within ", absl::FormatDuration(options_.start_timeout),
                           " (", job.reason, ")"));
          cancels.push_back(CancelArgs(*key, job.id));
        }
        break;
      case Phase::kRunning:
        listed_alive_.push_back(*key);
        if (run.cancel_requested) {
          cancels.push_back(CancelArgs(*key, job.id));
        } else if (!run.running_reported) {
          run.running_reported = true;
          run.state = RunState::kRunning;
          Report(RunReport{.key = *key, .status = RunStatus::kRunning});
        }
        break;
      case Phase::kRequeued:
        Lose(run, StrCat("Slurm job ", job.id, " on cluster ", options_.cluster,
                         " was requeued by Slurm (", job.reason, ")"));
        cancels.push_back(CancelArgs(*key, job.id));
        break;
      case Phase::kEnded: {
        std::optional<ScriptExit> script_exit;
        if (job.state == "FAILED") script_exit = ReadScriptExit(run.spec);
        RunReport report = Outcome(job, *key, run.cancel_requested, script_exit);
        if ((report.status == RunStatus::kSucceeded || report.status == RunStatus::kFailed) &&
            !run.running_reported) {
          run.running_reported = true;
          Report(RunReport{.key = *key, .status = RunStatus::kRunning});
        }
        run.state = RunState::kEnded;
        Report(std::move(report));
        break;
      }
    }
  }
  // Runs the cluster did not list.
  for (auto it = runs_.begin(); it != runs_.end();) {
    Run& run = it->second;
    auto current = it++;
    if (seen.contains(current->first)) continue;
    if (run.state == RunState::kQueued && !run.abandoned) continue;  // not submitted yet
    if (run.state == RunState::kEnded || run.abandoned) {
      runs_.erase(current);
      continue;
    }
    // Submitted, and Slurm no longer knows it (it ended longer than MinJobAge ago, or the
    // controller lost its state): the exit status the batch script left, if any.
    std::optional<ScriptExit> script_exit = ReadScriptExit(run.spec);
    if (script_exit.has_value() && !script_exit->launcher_failed) {
      if (!run.running_reported) {
        Report(RunReport{.key = run.spec.key, .status = RunStatus::kRunning});
      }
      RunReport report{.key = run.spec.key};
      if (script_exit->code == 0) {
        report.status = RunStatus::kSucceeded;
      } else {
        report.status = RunStatus::kFailed;
        report.exit_code = script_exit->code;
        report.reason = StrCat("Slurm job ", run.slurm_id, " exited with code ", script_exit->code);
      }
      Report(std::move(report));
    } else {
      Lose(run, StrCat("Slurm cluster ", options_.cluster, " no longer knows job ", run.slurm_id,
                       script_exit.has_value() ? StrCat("; srun failed (exit code ",
                                                        script_exit->code, ") and no node did")
                                               : std::string(" and it left no exit status")));
    }
    runs_.erase(current);
  }
}

void SlurmBackend::ControllerSilent(absl::Time now) {
  if (!silent_since_.has_value()) silent_since_ = now;
  if (options_.lost_after <= absl::ZeroDuration() || now - *silent_since_ < options_.lost_after) {
    return;
  }
  for (auto& [key, run] : runs_) {
    if (run.abandoned || (run.state != RunState::kSubmitted && run.state != RunState::kRunning)) {
      continue;
    }
    Lose(run,
         StrCat("the controller of Slurm cluster ", options_.cluster, " has not answered for ",
                absl::FormatDuration(now - *silent_since_), " (", listing_status_.message(), ")"));
  }
}

void SlurmBackend::Report(RunReport report) { reports_.push_back(std::move(report)); }

void SlurmBackend::Lose(Run& run, std::string reason) {
  run.abandoned = true;
  run.state = RunState::kEnded;
  Report(RunReport{.key = run.spec.key, .status = RunStatus::kLost, .reason = std::move(reason)});
}

std::vector<std::string> SlurmBackend::CancelArgs(const RunKey& key, int64_t slurm_id) const {
  if (slurm_id != 0) return {"scancel", StrCat(slurm_id)};
  return {"scancel", "--me", StrCat("--name=", RunName(options_.submit.job_prefix, key))};
}

std::string SlurmBackend::Unreachable(const absl::Status& status) const {
  return StrCat("Slurm cluster ", options_.cluster, " does not answer: ", status.message());
}

}  // namespace arbiter::slurm
