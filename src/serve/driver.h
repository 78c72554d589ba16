// The daemon's driver: one thread that owns one broker core and feeds it every input as an event,
// with the real clock, and carries out its commands.
//
// Inputs are API requests (submissions, cancels), backends' reports about runs, providers'
// answers, timers the core set, capacity a backend reports, and the periodic close of billing.
// The driver thread takes whatever inputs are waiting, turns them into log records, appends them
// to the event log in ONE transaction (the group commit) and only then applies them to the core,
// in log order, and acknowledges the requests among them. Commands are carried out after the
// batch: StartJob, CancelStart and StopJob on the backend of the command's pool (launch failures
// come back as reports, so as events), SetTimer on a timer heap, AskProvider to the provider's
// agent hosted here as the simulator hosts it (its answer, due after the agent's response time,
// is itself a logged input).
//
// Restart: Recover() replays the log through a fresh core, rebuilding the same state (the core is
// deterministic) and the driver's own (attempt numbers, timers, open asks) without carrying out
// any command again; then it reconciles with the backends: a run the core believes starting or
// running that the backend does not have is reported lost; a run the backend has that is not
// current (its start was never logged as carried out, or the core stopped it) is stopped. A run
// is named by (job, attempt), the attempt numbered by the driver from 1 per job, the same at
// every replay, so that no run is ever launched twice.
//
// A backend's report is logged as it came (job, attempt, status) and translated into core events
// when applied, from the driver's state at that point (identical in replay): a report about an
// attempt that is no longer current (cancelled, stopped, already ended) is dropped.
//
// Thread-safety: Submit, Cancel and the readers may be called from any thread. Readers take the
// state lock (ReadLock) and then may call the const accessors; the driver thread takes it
// exclusively only while applying a batch.
#ifndef ARBITER_SERVE_DRIVER_H_
#define ARBITER_SERVE_DRIVER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/backend.h"
#include "core/broker.h"
#include "market/agent.h"
#include "model/scenario.h"
#include "serve/codec.h"
#include "serve/event_log.h"

namespace arbiter::serve {

struct DriverOptions {
  // Checkpoint directories (checkpoints/JOB) and node logs (logs/JOB/ATTEMPT) go here.
  std::string state_dir;
  // The state's epoch: the core's time 0, in Unix seconds.
  int64_t epoch = 0;
  // The wall clock in Unix seconds (tests may slow or speed it); empty: the system clock.
  std::function<double()> clock;
  std::string policy;  // empty: the fleet's default policy
  // Every this many seconds, while any job runs or any holding accrues, billing is closed (a
  // logged CloseBilling), so that costs in the API are at most this old.
  Duration billing_interval = 60;
  // How often the backends are polled for runs that changed.
  std::chrono::milliseconds poll_interval{20};
  // How often the backends are asked for their nodes (Backend::Nodes).
  Duration nodes_interval = 30;
  // At most this many requests per batch (one transaction).
  size_t max_batch = 4096;
  // When the last batch answered n > 1 requests, wait up to this long for n requests before
  // committing the next (their senders are about to send again), so that one fsync carries them
  // together. 0: commit whatever is waiting at once.
  std::chrono::microseconds commit_gather{0};
  uint64_t seed = 0;  // the agents' random draws
};

// What happened to a job, in the daemon's words: one line of its history.
enum class NoteKind : uint8_t {
  kSubmitted,
  kRejected,       // text: why
  kLaunched,       // attempt on pool, as `charge` at `price` (per accelerator-hour)
  kLaunchFailed,   // text: why
  kLaunchDropped,  // the core cancelled the attempt (another came up first, or it timed out)
  kStarted,        // every node is up
  kStopped,        // the core preempted it; text: why
  kFinished,       // every node exited 0
  kFailed,         // its own fault: a node exited non-zero (exit_code)
  kLost,           // not its fault: text says what happened
  kCancelled,      // text: by whom
  kMoved,          // its commitment ended: the run goes on, counted in `pool` at `price`
};

std::string_view NoteKindName(NoteKind kind);

struct Note {
  Time time = 0;
  NoteKind kind = NoteKind::kSubmitted;
  int64_t attempt = 0;
  PoolId pool;
  ChargeKind charge = ChargeKind::kOnDemand;
  Micros price = 0;
  int exit_code = 0;
  std::string text;
  // How many market records and charges existed when the note was made: the job's history
  // interleaves them in the order they happened.
  int64_t audit_mark = 0;
  int64_t charge_mark = 0;
};

// The daemon's own record of a job, beside the core's spec and outcome.
struct JobRecord {
  std::string idempotency_key;
  JobLaunch launch;
  std::string spec_json;  // as submitted
  int64_t attempts = 0;   // launch attempts so far (the last attempt's number)
  // Attempts being launched (pool, attempt), and the attempt of the current run (0: none).
  absl::InlinedVector<std::pair<PoolId, int64_t>, 2> starting;
  int64_t running_attempt = 0;
  int64_t last_run_attempt = 0;  // the attempt of the latest run that came up (0: none)
  std::vector<Note> notes;
  std::vector<int32_t> audit;    // indices into the core's audit records about this job
  std::vector<int32_t> charges;  // indices into the ledger's charges of this job
};

// Counters of the driver for /metrics (all derived from the log, so replay restores them).
struct DriverCounters {
  int64_t records = 0;                    // log records applied
  int64_t batches = 0;                    // transactions committed by this process
  int64_t commit_failures = 0;            // transactions that failed (nothing acknowledged)
  int64_t core_errors = 0;                // events the core refused (protocol errors: driver bugs)
  int64_t decisions[8] = {};              // commands by index in the Command variant
  std::vector<int64_t> asks;              // per provider
  std::vector<int64_t> answers_offered;   // per provider: items offered
  std::vector<int64_t> answers_declined;  // per provider: items declined
};

struct SubmitResult {
  JobId job;
  bool created = false;  // false: an earlier submission with the same idempotency key
};

struct CancelResult {
  JobState before = JobState::kPending;  // the job's state when the cancel was applied
};

class Driver {
 public:
  // `scenario` is the fleet (holdings already expanded) with its market and fault options;
  // `backends` has one entry per pool of scenario.fleet (nullptr: the pool has no backend, and
  // launches there fail). Neither is owned; both must outlive the driver.
  static absl::StatusOr<std::unique_ptr<Driver>> Create(const Scenario& scenario,
                                                        std::unique_ptr<EventLog> log,
                                                        std::vector<Backend*> backends,
                                                        DriverOptions options);
  ~Driver();
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  // Replays the log, then reconciles with the backends. Call once, before Start.
  absl::Status Recover();
  // Starts the driver thread; Stop (or the destructor) ends it. Requests waiting then fail with
  // Unavailable.
  void Start();
  void Stop();

  // Queues a submission; the future holds the job once its event is committed and applied, or
  // the error (FailedPrecondition for a job no pool can ever run: nothing stored; Unavailable or
  // ResourceExhausted when the commit failed: nothing acknowledged).
  std::future<absl::StatusOr<SubmitResult>> Submit(Submission submission, TenantId tenant);
  // Queues a cancel of `job` (which must exist); `by` names who asked.
  std::future<absl::StatusOr<CancelResult>> Cancel(JobId job, std::string by);

  // The state lock for readers; hold it while calling the accessors below.
  std::shared_lock<std::shared_mutex> ReadLock() const { return std::shared_lock(state_mu_); }
  const Broker& broker() const { return *broker_; }
  const Fleet& fleet() const { return scenario_.fleet; }
  const Scenario& scenario() const { return scenario_; }
  int64_t epoch() const { return options_.epoch; }
  const std::string& policy_name() const { return policy_name_; }
  // The tenant's jobs, in submission order.
  const std::vector<JobId>& jobs_of(TenantId tenant) const {
    return jobs_by_tenant_[tenant.index()];
  }
  // Micro-dollars charged per (tenant, provider, kind of charge), summed from the ledger.
  Micros cost(TenantId tenant, ProviderId provider, ChargeKind kind) const {
    return costs_[(tenant.index() * scenario_.fleet.providers.size() + provider.index()) *
                      kChargeKinds +
                  static_cast<size_t>(kind)];
  }
  const JobRecord& job(JobId id) const { return jobs_[id.index()]; }
  int64_t jobs() const { return static_cast<int64_t>(jobs_.size()); }
  Time now() const { return now_; }
  const DriverCounters& counters() const { return counters_; }
  const EventLog& log() const { return *log_; }
  // Asks made to `provider` (the provider's view of its requests), oldest first, with its answer
  // (empty offers: not answered yet).
  struct AskRecord {
    Time asked = 0;
    Time answered = kNever;
    Ask ask;
    OfferList offers;
  };
  const std::vector<AskRecord>& asks_to(ProviderId provider) const {
    return asks_by_provider_[provider.index()];
  }
  // The node log of `job`'s attempt (0: the latest that came up, else the latest launched).
  std::string LogPath(JobId job, int64_t attempt, int32_t node) const;
  bool recovered() const { return recovered_; }
  // The core's time now by the wall clock (any thread; the driver stamps events with its own).
  Time WallTime() const;
  // Seconds the replay took, and records replayed.
  double replay_seconds() const { return replay_seconds_; }
  int64_t replayed_records() const { return replayed_records_; }

 private:
  Driver(const Scenario& scenario, std::unique_ptr<EventLog> log, std::vector<Backend*> backends,
         DriverOptions options);

  struct Request {
    enum class Kind : uint8_t { kSubmit, kCancel } kind;
    Submission submission;
    TenantId tenant;
    JobId job;  // cancel
    std::string by;
    std::promise<absl::StatusOr<SubmitResult>> submitted;
    std::promise<absl::StatusOr<CancelResult>> cancelled;
  };
  // A record of the current batch, with the requests it answers.
  struct Pending {
    LogRecord record;
    std::vector<Request*> requests;  // a submission, its retries with the same key, or a cancel
  };
  // Something to do on a backend once the batch is applied.
  struct Effect {
    bool launch = false;  // else cancel
    PoolId pool;
    LaunchSpec spec;  // launch: everything; cancel: spec.key
  };
  struct Timer {
    Time at = 0;
    int64_t seq = 0;
    uint64_t tag = 0;
    bool operator>(const Timer& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  struct DueAsk {
    Time due = 0;
    int64_t seq = 0;
    bool operator>(const DueAsk& o) const { return due != o.due ? due > o.due : seq > o.seq; }
  };

  void Loop();
  Time Clock();
  // Builds this batch's records from the waiting requests and what is due now.
  void Gather(std::vector<std::unique_ptr<Request>>& requests, std::vector<Pending>& batch);
  void GatherDue(std::vector<Pending>& batch, bool poll);
  // Commits `batch` and applies it; answers its requests. false: the commit failed.
  bool CommitAndApply(std::vector<Pending>& batch);
  // Applies one committed (or replayed) record to the core and the driver's state.
  void Apply(const LogRecordView& record);
  void ApplySubmit(const Submission& s);
  void ApplyReport(const RunReport& report);
  // Hands one event to the core and carries out (live) or just records (replay) its commands.
  bool Deliver(Event event);
  // The core decides once for everything applied since the last call (a committed batch), and
  // its commands are carried out.
  void Decide();
  void OnCommand(const Command& command);
  void IndexNew();
  // The answer of the provider's agent to the ask, from the provider's state now.
  Answer AnswerAsk(const Ask& ask);
  void AddPromised(const Answer& answer, const Ask& ask);
  void RunEffects();
  absl::Status Reconcile();
  void AddNote(JobId job, Note note);
  JobRecord& Record(JobId job) { return jobs_[job.index()]; }
  LogRecord ReportRecord(const RunReport& report) const;

  const Scenario& scenario_;
  std::unique_ptr<EventLog> log_;
  std::vector<Backend*> backends_;  // per pool
  DriverOptions options_;
  std::unique_ptr<Broker> broker_;
  std::vector<std::unique_ptr<AgentPolicy>> agents_;  // per provider

  // Guards the core and everything readers see.
  mutable std::shared_mutex state_mu_;
  std::vector<JobRecord> jobs_;
  std::vector<std::vector<JobId>> jobs_by_tenant_;
  std::vector<Micros> costs_;  // tenant x provider x kind
  std::string policy_name_;
  DriverCounters counters_;
  Time now_ = 0;
  bool replaying_ = false;
  bool recovered_ = false;
  double replay_seconds_ = 0;
  int64_t replayed_records_ = 0;
  size_t audit_indexed_ = 0;
  size_t charges_indexed_ = 0;
  std::vector<std::vector<AskRecord>> asks_by_provider_;
  // Ask seq -> (provider, index in asks_by_provider_), for recording answers.
  absl::flat_hash_map<int64_t, std::pair<int32_t, int32_t>> ask_index_;

  // The driver thread's own state (also rebuilt by replay).
  absl::flat_hash_map<std::pair<int32_t, std::string>, JobId> by_key_;  // (tenant, key)
  std::vector<Timer> timers_;                                           // min-heap
  int64_t timer_seq_ = 0;
  absl::flat_hash_set<int64_t> fired_;      // replay: timers whose firing was logged
  std::vector<DueAsk> due_asks_;            // min-heap
  absl::flat_hash_map<int64_t, Ask> asks_;  // by seq, until answered
  int64_t ask_seq_ = 0;
  absl::flat_hash_set<int64_t> answered_;  // replay: asks whose answer was logged
  std::vector<int64_t> promised_;          // per pool: offered to requests still open
  absl::flat_hash_map<RequestId, std::vector<std::pair<PoolId, int32_t>>> offered_;
  absl::flat_hash_set<RequestId> open_requests_;
  QuotePrices prices_;                               // tenant x pool
  std::vector<std::vector<PoolId>> provider_pools_;  // per provider: its pools for sale
  std::vector<Effect> effects_;
  std::vector<LogRecord> internal_;  // reports waiting for the next batch (launch errors, retries)
  bool reports_unsaved_ = false;     // the last commit failed with backends' reports in it
  size_t last_batch_requests_ = 0;
  std::vector<Command> commands_;
  size_t next_change_ = 0;  // scenario_.capacity_changes applied so far
  Time next_billing_ = 0;
  Time next_nodes_ = 0;
  Time last_time_ = 0;

  // Requests from other threads.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::unique_ptr<Request>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace arbiter::serve

#endif  // ARBITER_SERVE_DRIVER_H_
