// The job table: every job the core has been given, what became of it, and its current run's
// progress.
//
// It owns each job's spec (as submitted), its outcome (the record the reports read: state, pool,
// starts, costs, lost work, launches) and the progress of its current run (when it started, its
// restore time, its rate, the work saved before it). It keeps the pending counts in step with the
// states (SetState is the only way to change a state), including, per provider, the first-party
// jobs waiting for capacity. The other parts of the core write their figures into a job's outcome
// through outcome(job); the table itself never charges, places or schedules anything.
#ifndef ARBITER_CORE_JOB_TABLE_H_
#define ARBITER_CORE_JOB_TABLE_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "model/fleet.h"
#include "model/job.h"
#include "model/outcome.h"

namespace arbiter {

// The progress of a job's current (or last) run.
struct JobRun {
  Time start = 0;              // of the current run (billed from here)
  Duration setup = 0;          // from the start, no progress: coming up, restoring, transferring
  Work done = 0;               // work saved before the current run
  Rate rate = 0;               // on the current pool
  int64_t useful_counted = 0;  // of this run's useful accelerator-seconds, already counted
};

// A provider's own first-party jobs waiting for capacity.
struct FirstPartyWaiting {
  int64_t jobs = 0;
  int64_t accelerators = 0;
};

// What an interrupted run keeps and loses: the work of its last checkpoint, and the seconds after
// it (including the run's setup), paid for but lost.
struct Interruption {
  Work saved = 0;
  Duration kept = 0;  // seconds of progress up to the last checkpoint
  Duration lost = 0;  // the run's other seconds
};

class JobTable {
 public:
  // `fleet` must outlive the table.
  explicit JobTable(const Fleet& fleet);

  void Reserve(size_t jobs);
  // Adds a submitted job; it is neither pending nor rejected until Admit or Reject.
  JobId Add(Job spec);
  // The job waits for capacity from now on.
  void Admit(JobId job);
  // The job can never run.
  void Reject(JobId job, std::string reason);

  size_t size() const { return specs_.size(); }
  bool Known(JobId job) const { return job.valid() && job.index() < specs_.size(); }
  const Job& spec(JobId job) const { return specs_[job.index()]; }
  const JobOutcome& outcome(JobId job) const { return outcomes_[job.index()]; }
  JobOutcome& outcome(JobId job) { return outcomes_[job.index()]; }
  const std::vector<JobOutcome>& outcomes() const { return outcomes_; }
  JobState state(JobId job) const { return outcomes_[job.index()].state; }
  const JobRun& run(JobId job) const { return runs_[job.index()]; }
  JobRun& run(JobId job) { return runs_[job.index()]; }

  // Moves a job to `state`, keeping the pending counts.
  void SetState(JobId job, JobState state) {
    JobOutcome& outcome = outcomes_[job.index()];
    if (outcome.state == JobState::kPending) CountPending(job, -1);
    if (state == JobState::kPending) CountPending(job, +1);
    outcome.state = state;
  }
  int64_t pending_jobs() const { return pending_jobs_; }
  int64_t pending_accelerators() const { return pending_accelerators_; }
  // Per provider (by index).
  std::span<const FirstPartyWaiting> first_party_waiting() const { return first_party_waiting_; }

  // Work done in the current run by `now`, and the part of it saved by checkpoints.
  Work Progressed(JobId job, Time now) const;
  Work Checkpointed(JobId job, Time now) const;
  // Work the job still has to do (for a running job: as of `now`).
  Work RemainingWork(JobId job, Time now) const;
  // Work a running job would lose if stopped at `now`.
  Work WorkAtRisk(JobId job, Time now) const;
  // What stopping the current run at `now` keeps and loses.
  Interruption Interrupted(JobId job, Time now) const;
  // Useful accelerator-seconds of the job by `now`: its ended runs' and its current run's.
  int64_t UsefulAcceleratorSeconds(JobId job, Time now) const;
  // Counts the current run's useful accelerator-seconds as `run_useful` in the job's outcome;
  // returns what was added.
  int64_t CountUseful(JobId job, int64_t run_useful);

 private:
  void CountPending(JobId job, int sign);

  const Fleet& fleet_;
  std::vector<Job> specs_;
  std::vector<JobOutcome> outcomes_;
  std::vector<JobRun> runs_;
  int64_t pending_jobs_ = 0;
  int64_t pending_accelerators_ = 0;
  std::vector<FirstPartyWaiting> first_party_waiting_;  // per provider
};

}  // namespace arbiter

#endif  // ARBITER_CORE_JOB_TABLE_H_
