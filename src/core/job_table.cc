#include "core/job_table.h"

#include <algorithm>
#include <utility>

namespace arbiter {

JobTable::JobTable(const Fleet& fleet)
    : fleet_(fleet), first_party_waiting_(fleet.providers.size()) {}

void JobTable::Reserve(size_t jobs) {
  specs_.reserve(jobs);
  outcomes_.reserve(jobs);
  runs_.reserve(jobs);
}

JobId JobTable::Add(Job spec) {
  specs_.push_back(std::move(spec));
  outcomes_.emplace_back();
  runs_.emplace_back();
  return JobId::FromIndex(specs_.size() - 1);
}

void JobTable::Admit(JobId job) { CountPending(job, +1); }  // a new outcome starts pending

void JobTable::Reject(JobId job, std::string reason) {
  JobOutcome& outcome = outcomes_[job.index()];
  outcome.state = JobState::kRejected;  // never counted as pending (see SetState)
  outcome.reason = std::move(reason);
}

void JobTable::CountPending(JobId job, int sign) {
  const Job& spec = specs_[job.index()];
  pending_jobs_ += sign;
  pending_accelerators_ += sign * static_cast<int64_t>(spec.accelerators);
  if (const std::optional<ProviderId> own = fleet_.tenant(spec.tenant).first_party_of) {
    FirstPartyWaiting& w = first_party_waiting_[own->index()];
    w.jobs += sign;
    w.accelerators += sign * static_cast<int64_t>(spec.accelerators);
  }
}

Work JobTable::Progressed(JobId job, Time now) const {
  const JobRun& run = runs_[job.index()];
  const Duration working = now - run.start - run.setup;
  return WorkDone(working, run.rate, specs_[job.index()].work - run.done);
}

Work JobTable::Checkpointed(JobId job, Time now) const {
  const JobRun& run = runs_[job.index()];
  const Duration interval = specs_[job.index()].checkpoint_interval;
  if (interval <= 0) return 0;
  const Duration working = now - run.start - run.setup;
  if (working <= 0) return 0;
  return WorkDone(working / interval * interval, run.rate, specs_[job.index()].work - run.done);
}

Work JobTable::RemainingWork(JobId job, Time now) const {
  Work remaining = specs_[job.index()].work - runs_[job.index()].done;
  if (outcomes_[job.index()].state == JobState::kRunning) remaining -= Progressed(job, now);
  return remaining;
}

Work JobTable::WorkAtRisk(JobId job, Time now) const {
  if (outcomes_[job.index()].state != JobState::kRunning) return 0;
  return Progressed(job, now) - Checkpointed(job, now);
}

Interruption JobTable::Interrupted(JobId job, Time now) const {
  const Job& spec = specs_[job.index()];
  const JobRun& run = runs_[job.index()];
  Interruption result;
  result.saved = Checkpointed(job, now);
  if (spec.checkpoint_interval > 0 && now - run.start - run.setup > 0) {
    result.kept =
        (now - run.start - run.setup) / spec.checkpoint_interval * spec.checkpoint_interval;
  }
  result.lost = (now - run.start) - result.kept;
  return result;
}

int64_t JobTable::UsefulAcceleratorSeconds(JobId job, Time now) const {
  const JobOutcome& outcome = outcomes_[job.index()];
  int64_t useful = outcome.useful_accelerator_seconds;
  if (outcome.state == JobState::kRunning) {
    const JobRun& run = runs_[job.index()];
    useful += static_cast<int64_t>(specs_[job.index()].accelerators) *
                  std::max<Duration>(0, now - run.start - run.setup) -
              run.useful_counted;
  }
  return useful;
}

int64_t JobTable::CountUseful(JobId job, int64_t run_useful) {
  JobRun& run = runs_[job.index()];
  const int64_t delta = run_useful - run.useful_counted;
  run.useful_counted = run_useful;
  outcomes_[job.index()].useful_accelerator_seconds += delta;
  return delta;
}

}  // namespace arbiter
