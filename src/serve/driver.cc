#include "serve/driver.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <utility>

#include "core/recovery.h"
#include "model/strings.h"
#include "sched/registry.h"

namespace arbiter::serve {

std::string_view NoteKindName(NoteKind kind) {
  switch (kind) {
    case NoteKind::kSubmitted:
      return "submitted";
    case NoteKind::kRejected:
      return "rejected";
    case NoteKind::kLaunched:
      return "launched";
    case NoteKind::kLaunchFailed:
      return "launch_failed";
    case NoteKind::kLaunchDropped:
      return "launch_dropped";
    case NoteKind::kStarted:
      return "started";
    case NoteKind::kStopped:
      return "stopped";
    case NoteKind::kFinished:
      return "finished";
    case NoteKind::kFailed:
      return "failed";
    case NoteKind::kLost:
      return "lost";
    case NoteKind::kCancelled:
      return "cancelled";
    case NoteKind::kMoved:
      return "moved";
  }
  return "unknown";
}

namespace {

double SystemClock() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Driver>> Driver::Create(const Scenario& scenario,
                                                       std::unique_ptr<EventLog> log,
                                                       std::vector<Backend*> backends,
                                                       DriverOptions options) {
  const Fleet& fleet = scenario.fleet;
  if (backends.size() != fleet.pools.size()) {
    return absl::InvalidArgumentError(
        StrCat("driver: ", backends.size(), " backends for ", fleet.pools.size(), " pools"));
  }
  const std::string policy_name = options.policy.empty() ? scenario.default_policy : options.policy;
  absl::StatusOr<std::unique_ptr<Policy>> policy =
      MakePolicy(policy_name, PolicyOptions{options.seed});
  if (!policy.ok()) return policy.status();
  absl::StatusOr<std::unique_ptr<RecoveryPolicy>> recovery =
      MakeRecoveryPolicy(scenario.faults.recovery);
  if (!recovery.ok()) {
    return absl::InvalidArgumentError(StrCat("faults.recovery: ", recovery.status().message()));
  }
  std::vector<std::unique_ptr<AgentPolicy>> agents;
  for (size_t p = 0; p < fleet.providers.size(); ++p) {
    absl::StatusOr<std::unique_ptr<AgentPolicy>> agent =
        MakeAgent(fleet.providers[p].agent, AgentSeed(options.seed, p));
    if (!agent.ok()) {
      return absl::InvalidArgumentError(
          StrCat("provider ", fleet.providers[p].name, ": ", agent.status().message()));
    }
    agents.push_back(*std::move(agent));
  }
  const Faults& faults = scenario.faults;
  BrokerOptions broker_options;
  broker_options.market = scenario.market;
  broker_options.restart_setup = faults.restart_setup;
  broker_options.recovery.transfer_bytes_per_second = faults.transfer_bytes_per_second;
  broker_options.recovery.egress_per_gb = faults.egress_per_gb;
  broker_options.recovery.backoff = faults.backoff;
  broker_options.recovery.max_backoff = faults.max_backoff;
  broker_options.recovery.learn = faults.configured;
  // Live, every launch takes time: the backend confirms it when every node is up.
  broker_options.launch.confirm = true;
  broker_options.launch.timeout = faults.launch.timeout;
  broker_options.launch.parallel = faults.launch.parallel;
  auto driver = std::unique_ptr<Driver>(
      new Driver(scenario, std::move(log), std::move(backends), std::move(options)));
  driver->broker_ = std::make_unique<Broker>(fleet, *std::move(policy), std::move(broker_options),
                                             *std::move(recovery));
  driver->agents_ = std::move(agents);
  driver->policy_name_ = policy_name;
  return driver;
}

Driver::Driver(const Scenario& scenario, std::unique_ptr<EventLog> log,
               std::vector<Backend*> backends, DriverOptions options)
    : scenario_(scenario),
      log_(std::move(log)),
      backends_(std::move(backends)),
      options_(std::move(options)) {
  const Fleet& fleet = scenario_.fleet;
  promised_.assign(fleet.pools.size(), 0);
  jobs_by_tenant_.resize(fleet.tenants.size());
  costs_.assign(fleet.tenants.size() * fleet.providers.size() * kChargeKinds, 0);
  asks_by_provider_.resize(fleet.providers.size());
  counters_.asks.assign(fleet.providers.size(), 0);
  counters_.answers_offered.assign(fleet.providers.size(), 0);
  counters_.answers_declined.assign(fleet.providers.size(), 0);
  prices_ = QuotePricesFromContracts(fleet);
  provider_pools_.resize(fleet.providers.size());
  for (size_t p = 0; p < fleet.pools.size(); ++p) {
    if (!fleet.pools[p].holding) {
      provider_pools_[fleet.pools[p].provider.index()].push_back(PoolId::FromIndex(p));
    }
  }
}

Driver::~Driver() { Stop(); }

Time Driver::Clock() {
  const double unix_seconds = options_.clock ? options_.clock() : SystemClock();
  const Time t = static_cast<Time>(std::floor(unix_seconds)) - options_.epoch;
  last_time_ = std::max(last_time_, t);  // the core's time never goes back
  return last_time_;
}

Time Driver::WallTime() const {
  const double unix_seconds = options_.clock ? options_.clock() : SystemClock();
  return static_cast<Time>(std::floor(unix_seconds)) - options_.epoch;
}

std::string Driver::LogPath(JobId job, int64_t attempt, int32_t node) const {
  const JobRecord& r = jobs_[job.index()];
  if (attempt <= 0) attempt = r.last_run_attempt > 0 ? r.last_run_attempt : r.attempts;
  return StrCat(options_.state_dir, "/logs/", job.value(), "/", attempt, "/node-", node, ".log");
}

// --- Requests ---

std::future<absl::StatusOr<SubmitResult>> Driver::Submit(Submission submission, TenantId tenant) {
  auto request = std::make_unique<Request>();
  request->kind = Request::Kind::kSubmit;
  request->submission = std::move(submission);
  request->tenant = tenant;
  std::future<absl::StatusOr<SubmitResult>> result = request->submitted.get_future();
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) {
      request->submitted.set_value(absl::UnavailableError("the daemon is shutting down"));
      return result;
    }
    queue_.push_back(std::move(request));
  }
  queue_cv_.notify_one();
  return result;
}

std::future<absl::StatusOr<CancelResult>> Driver::Cancel(JobId job, std::string by) {
  auto request = std::make_unique<Request>();
  request->kind = Request::Kind::kCancel;
  request->job = job;
  request->by = std::move(by);
  std::future<absl::StatusOr<CancelResult>> result = request->cancelled.get_future();
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) {
      request->cancelled.set_value(absl::UnavailableError("the daemon is shutting down"));
      return result;
    }
    queue_.push_back(std::move(request));
  }
  queue_cv_.notify_one();
  return result;
}

// --- The driver thread ---

void Driver::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Driver::Stop() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(queue_mu_);
  for (std::unique_ptr<Request>& r : queue_) {
    const absl::Status down = absl::UnavailableError("the daemon is shutting down");
    if (r->kind == Request::Kind::kSubmit) {
      r->submitted.set_value(down);
    } else {
      r->cancelled.set_value(down);
    }
  }
  queue_.clear();
}

void Driver::Loop() {
  std::vector<std::unique_ptr<Request>> requests;
  std::vector<Pending> batch;
  auto next_poll = std::chrono::steady_clock::now();
  while (true) {
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait_until(lock, next_poll, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) break;
      // Group commit: when the last batch answered several requests, their senders are about
      // to send again; waiting a moment for them (at most commit_gather, and only until as
      // many are here) lets one fsync carry them all.
      if (options_.commit_gather.count() > 0 && last_batch_requests_ > 1 && !queue_.empty() &&
          queue_.size() < last_batch_requests_) {
        const size_t want = last_batch_requests_;
        queue_cv_.wait_for(lock, options_.commit_gather,
                           [&] { return stopping_ || queue_.size() >= want; });
        if (stopping_) break;
      }
      while (!queue_.empty() && requests.size() < options_.max_batch) {
        requests.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    const auto now = std::chrono::steady_clock::now();
    // A backend takes the reports of one Poll as received when it is polled again; while
    // reports of an earlier Poll wait for a commit that failed, it is not polled again.
    const bool poll = now >= next_poll && !reports_unsaved_;
    if (now >= next_poll) next_poll = now + options_.poll_interval;
    Clock();
    Gather(requests, batch);
    GatherDue(batch, poll);
    reports_unsaved_ = false;
    if (!batch.empty() && !CommitAndApply(batch)) {
      // Nothing was stored; the internal records wait for the next batch. Do not spin on a disk
      // that stays full.
      reports_unsaved_ = true;
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait_for(lock, options_.poll_interval, [&] { return stopping_; });
    }
    RunEffects();
    last_batch_requests_ = requests.size();
    requests.clear();
    batch.clear();
  }
}

void Driver::Gather(std::vector<std::unique_ptr<Request>>& requests, std::vector<Pending>& batch) {
  const Time now = last_time_;
  // Reports kept from a failed commit or a launch that failed come first: they happened first.
  for (LogRecord& r : internal_) {
    r.time = now;
    batch.push_back({std::move(r), {}});
  }
  internal_.clear();
  absl::flat_hash_map<std::pair<int32_t, std::string>, size_t> keys;  // in this batch
  for (std::unique_ptr<Request>& req : requests) {
    Request* r = req.get();
    if (r->kind == Request::Kind::kCancel) {
      if (!r->job.valid() || r->job.value() >= jobs()) {
        r->cancelled.set_value(absl::NotFoundError(StrCat("no job ", r->job.value())));
        continue;
      }
      batch.push_back({LogRecord{now, static_cast<uint8_t>(RecordKind::kCancel),
                                 EncodeCancellation({r->job, r->by})},
                       {r}});
      continue;
    }
    Submission& s = r->submission;
    s.job.tenant = r->tenant;
    s.job.submit = now;
    if (s.deadline_after) s.job.deadline = now + *s.deadline_after;
    if (!s.idempotency_key.empty()) {
      const std::pair<int32_t, std::string> key(r->tenant.value(), s.idempotency_key);
      if (auto it = by_key_.find(key); it != by_key_.end()) {
        r->submitted.set_value(SubmitResult{it->second, false});
        continue;
      }
      if (auto it = keys.find(key); it != keys.end()) {
        batch[it->second].requests.push_back(r);  // answered with the first one's job
        continue;
      }
      keys.emplace(key, batch.size());
    }
    batch.push_back(
        {LogRecord{now, static_cast<uint8_t>(RecordKind::kSubmit), EncodeSubmission(s)}, {r}});
  }
}

void Driver::GatherDue(std::vector<Pending>& batch, bool poll) {
  const Time now = last_time_;
  const auto add = [&](RecordKind kind, std::string body) {
    batch.push_back({LogRecord{now, static_cast<uint8_t>(kind), std::move(body)}, {}});
  };
  // Scheduled capacity (holdings' windows, capacity schedules).
  const std::vector<CapacityChange>& changes = scenario_.capacity_changes;
  while (next_change_ < changes.size() && changes[next_change_].at <= now) {
    const CapacityChange& c = changes[next_change_++];
    add(RecordKind::kCapacity, EncodeCapacity({c.pool, c.nodes}));
  }
  while (!timers_.empty() && timers_.front().at <= now) {
    std::pop_heap(timers_.begin(), timers_.end(), std::greater<>());
    const Timer t = timers_.back();
    timers_.pop_back();
    add(RecordKind::kTimer, EncodeTimer({t.seq, t.tag}));
  }
  while (!due_asks_.empty() && due_asks_.front().due <= now) {
    std::pop_heap(due_asks_.begin(), due_asks_.end(), std::greater<>());
    const int64_t seq = due_asks_.back().seq;
    due_asks_.pop_back();
    auto it = asks_.find(seq);
    if (it == asks_.end()) continue;
    AnswerRecord answer{seq, ProviderAnswered{AnswerAsk(it->second)}};
    AddPromised(answer.answered.answer, it->second);
    asks_.erase(it);
    add(RecordKind::kAnswer, EncodeAnswer(answer));
  }
  if (poll) {
    std::vector<Backend*> seen;
    for (Backend* b : backends_) {
      if (b == nullptr || std::find(seen.begin(), seen.end(), b) != seen.end()) continue;
      seen.push_back(b);
      for (const RunReport& report : b->Poll()) add(RecordKind::kReport, EncodeReport(report));
    }
  }
  if (now >= next_nodes_) {
    next_nodes_ = now + options_.nodes_interval;
    const Fleet& fleet = scenario_.fleet;
    for (size_t p = 0; p < fleet.pools.size(); ++p) {
      Backend* b = backends_[p];
      // Only a pool that has its backend to itself and no holdings carved out of it: otherwise
      // the backend's nodes are not the pool's.
      if (b == nullptr || fleet.pools[p].holding ||
          std::count(backends_.begin(), backends_.end(), b) != 1) {
        continue;
      }
      absl::StatusOr<std::optional<int32_t>> nodes = b->Nodes();
      if (nodes.ok() && !nodes->has_value()) continue;  // the declared nodes hold
      // A backend that cannot be reached (a Slurm controller down) has no room for new work;
      // what runs there is the backend's to report (lost only after its grace period).
      const int32_t n = nodes.ok() ? **nodes : 0;
      const auto pool = PoolId::FromIndex(p);
      if (static_cast<int64_t>(n) * fleet.pools[p].accelerators_per_node !=
          broker_->capacity(pool)) {
        add(RecordKind::kCapacity, EncodeCapacity({pool, n}));
      }
    }
  }
  if (now >= next_billing_) {
    next_billing_ = now + options_.billing_interval;
    bool accruing = false;
    for (size_t p = 0; p < scenario_.fleet.pools.size() && !accruing; ++p) {
      accruing = scenario_.fleet.pools[p].holding.has_value() ||
                 !broker_->running_on(PoolId::FromIndex(p)).empty();
    }
    if (accruing) add(RecordKind::kBilling, "");
  }
}

bool Driver::CommitAndApply(std::vector<Pending>& batch) {
  std::vector<LogRecord> records;
  records.reserve(batch.size());
  for (Pending& p : batch) records.push_back(std::move(p.record));
  if (absl::Status s = log_->Append(records); !s.ok()) {
    ++counters_.commit_failures;
    std::fprintf(stderr, "arbiter serve: %s\n", std::string(s.message()).c_str());
    const absl::Status refused = s.code() == absl::StatusCode::kResourceExhausted
                                     ? absl::ResourceExhaustedError(StrCat(
                                           "not stored: the event log is full (", s.message(), ")"))
                                     : absl::UnavailableError(StrCat("not stored: ", s.message()));
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].requests.empty()) {
        internal_.push_back(std::move(records[i]));  // retried with the next batch
        continue;
      }
      for (Request* r : batch[i].requests) {
        if (r->kind == Request::Kind::kSubmit) {
          r->submitted.set_value(refused);
        } else {
          r->cancelled.set_value(refused);
        }
      }
    }
    return false;
  }
  ++counters_.batches;
  int64_t seq = log_->last_seq() - static_cast<int64_t>(records.size());
  std::vector<absl::StatusOr<SubmitResult>> submitted(batch.size());
  std::vector<absl::StatusOr<CancelResult>> cancelled(batch.size());
  {
    std::unique_lock lock(state_mu_);
    for (size_t i = 0; i < batch.size(); ++i) {
      const LogRecord& r = records[i];
      if (!batch[i].requests.empty()) {
        if (r.kind == static_cast<uint8_t>(RecordKind::kSubmit)) {
          submitted[i] = SubmitResult{JobId::FromIndex(jobs_.size()), true};
        } else if (absl::StatusOr<Cancellation> c = DecodeCancellation(r.body); c.ok()) {
          cancelled[i] = CancelResult{broker_->outcome(c->job).state};
        }
      }
      Apply(LogRecordView{++seq, log_->last_batch(), r.time, r.kind, r.body});
    }
    Decide();  // once for the batch: every event of it is in
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    for (size_t k = 0; k < batch[i].requests.size(); ++k) {
      Request* r = batch[i].requests[k];
      if (r->kind == Request::Kind::kSubmit) {
        absl::StatusOr<SubmitResult> result = submitted[i];
        if (result.ok() && k > 0) result->created = false;  // a retry within the batch
        r->submitted.set_value(std::move(result));
      } else {
        r->cancelled.set_value(cancelled[i]);
      }
    }
  }
  return true;
}

// --- Applying records (live and in replay) ---

void Driver::Apply(const LogRecordView& record) {
  now_ = record.time;
  ++counters_.records;
  switch (static_cast<RecordKind>(record.kind)) {
    case RecordKind::kSubmit: {
      absl::StatusOr<Submission> s = DecodeSubmission(record.body);
      if (s.ok()) ApplySubmit(*s);
      break;
    }
    case RecordKind::kCancel: {
      absl::StatusOr<Cancellation> c = DecodeCancellation(record.body);
      if (!c.ok() || !c->job.valid() || c->job.value() >= jobs()) break;
      const JobState before = broker_->outcome(c->job).state;
      if (before == JobState::kFinished || before == JobState::kRejected ||
          before == JobState::kCancelled || before == JobState::kFailed) {
        break;  // ended before the cancel came
      }
      AddNote(c->job, {now_, NoteKind::kCancelled, Record(c->job).running_attempt, PoolId(),
                       ChargeKind::kOnDemand, 0, 0, c->by});
      // The run's processes are stopped through the core's StopJob (and CancelStart for
      // launches), carried out as commands.
      Deliver(JobCancelled{c->job, c->by});
      break;
    }
    case RecordKind::kReport: {
      absl::StatusOr<RunReport> r = DecodeReport(record.body);
      if (r.ok()) ApplyReport(*r);
      break;
    }
    case RecordKind::kAnswer: {
      absl::StatusOr<AnswerRecord> a = DecodeAnswer(record.body);
      if (!a.ok()) break;
      if (replaying_) {
        answered_.insert(a->ask);
        if (auto it = asks_.find(a->ask); it != asks_.end()) {
          AddPromised(a->answered.answer, it->second);
          asks_.erase(it);
        }
      }
      if (auto it = ask_index_.find(a->ask); it != ask_index_.end()) {
        AskRecord& rec = asks_by_provider_[it->second.first][it->second.second];
        rec.answered = now_;
        rec.offers = a->answered.answer.offers;
        ask_index_.erase(it);
      }
      const ProviderId provider = a->answered.answer.provider;
      if (provider.valid() && provider.index() < counters_.asks.size()) {
        for (const std::optional<Offer>& o : a->answered.answer.offers) {
          ++(o ? counters_.answers_offered : counters_.answers_declined)[provider.index()];
        }
      }
      Deliver(std::move(a->answered));
      break;
    }
    case RecordKind::kTimer: {
      absl::StatusOr<TimerRecord> t = DecodeTimer(record.body);
      if (!t.ok()) break;
      if (replaying_) fired_.insert(t->seq);
      Deliver(TimerFired{t->tag});
      break;
    }
    case RecordKind::kCapacity: {
      absl::StatusOr<CapacityChanged> c = DecodeCapacity(record.body);
      if (c.ok()) Deliver(*c);
      break;
    }
    case RecordKind::kBilling:
      Deliver(CloseBilling{});
      break;
  }
}

void Driver::ApplySubmit(const Submission& s) {
  const JobId id = JobId::FromIndex(jobs_.size());
  jobs_.emplace_back();
  if (s.job.tenant.valid() && s.job.tenant.index() < jobs_by_tenant_.size()) {
    jobs_by_tenant_[s.job.tenant.index()].push_back(id);
  }
  JobRecord& r = jobs_.back();
  r.idempotency_key = s.idempotency_key;
  r.launch = s.launch;
  r.spec_json = s.spec_json;
  if (!s.idempotency_key.empty())
    by_key_.emplace(std::make_pair(s.job.tenant.value(), s.idempotency_key), id);
  AddNote(id, {now_, NoteKind::kSubmitted});
  Deliver(JobSubmitted{id, s.job});
}

void Driver::ApplyReport(const RunReport& report) {
  const JobId job = report.key.job;
  if (!job.valid() || job.value() >= jobs()) return;
  JobRecord& r = Record(job);
  const int64_t attempt = report.key.attempt;
  PoolId starting_pool;
  for (const auto& [pool, a] : r.starting) {
    if (a == attempt) starting_pool = pool;
  }
  const bool running = r.running_attempt == attempt && attempt > 0;
  if (!starting_pool.valid() && !running) return;  // not current: cancelled, stopped or ended
  // A run that ended before its start was seen (a short job, or over a restart) comes up first.
  if (starting_pool.valid() && report.status != RunStatus::kLost &&
      report.status != RunStatus::kCancelled) {
    if (!Deliver(JobStarted{job, starting_pool})) return;
    const JobOutcome& o = broker_->outcome(job);
    if (o.state != JobState::kRunning || o.pool != starting_pool) return;  // the core ignored it
    r.starting.erase(
        std::find(r.starting.begin(), r.starting.end(), std::make_pair(starting_pool, attempt)));
    r.running_attempt = attempt;
    r.last_run_attempt = attempt;
    AddNote(job, {now_, NoteKind::kStarted, attempt, starting_pool});
  }
  switch (report.status) {
    case RunStatus::kRunning:
      return;
    case RunStatus::kSucceeded:
      r.running_attempt = 0;
      AddNote(job, {now_, NoteKind::kFinished, attempt, broker_->outcome(job).pool});
      Deliver(JobFinished{job});
      return;
    case RunStatus::kFailed:
      r.running_attempt = 0;
      AddNote(job, {now_, NoteKind::kFailed, attempt, broker_->outcome(job).pool,
                    ChargeKind::kOnDemand, 0, report.exit_code, report.reason});
      Deliver(JobFailed{job, report.exit_code, report.reason});
      return;
    case RunStatus::kLost:
    case RunStatus::kCancelled: {
      const std::string reason =
          report.reason.empty() ? std::string("the backend stopped the run") : report.reason;
      if (starting_pool.valid()) {
        r.starting.erase(std::find(r.starting.begin(), r.starting.end(),
                                   std::make_pair(starting_pool, attempt)));
        AddNote(job, {now_, NoteKind::kLaunchFailed, attempt, starting_pool, ChargeKind::kOnDemand,
                      0, 0, reason});
        Deliver(JobStartFailed{job, reason, starting_pool});
      } else {
        r.running_attempt = 0;
        AddNote(job, {now_, NoteKind::kLost, attempt, broker_->outcome(job).pool,
                      ChargeKind::kOnDemand, 0, 0, reason});
        Deliver(JobKilled{job, reason});
      }
      return;
    }
  }
}

void Driver::Decide() {
  commands_.clear();
  broker_->Decide(commands_);
  for (const Command& c : commands_) OnCommand(c);
  IndexNew();
}

bool Driver::Deliver(Event event) {
  commands_.clear();
  if (absl::Status s = broker_->Apply(now_, std::move(event), commands_); !s.ok()) {
    // The core refused the event and is unchanged; replay refuses it the same way.
    ++counters_.core_errors;
    if (!replaying_) {
      std::fprintf(stderr, "arbiter serve: the core refused an event: %s\n",
                   std::string(s.message()).c_str());
    }
    return false;
  }
  for (const Command& c : commands_) OnCommand(c);
  IndexNew();
  return true;
}

void Driver::OnCommand(const Command& command) {
  ++counters_.decisions[command.index()];
  const Fleet& fleet = scenario_.fleet;
  if (const auto* start = std::get_if<StartJob>(&command)) {
    JobRecord& r = Record(start->job);
    const int64_t attempt = ++r.attempts;
    r.starting.emplace_back(start->pool, attempt);
    const Job& spec = broker_->spec(start->job);
    // What the run will be charged: the tenant's access to the pool, or the price the market
    // delivered it at (the core records the delivery just before it starts the job).
    Note note{now_, NoteKind::kLaunched, attempt, start->pool};
    if (const std::optional<Access>& access = broker_->access(spec.tenant, start->pool);
        access && !access->market) {
      note.charge = access->kind;
      note.price = access->price_per_accel_hour;
    } else {
      note.charge = start->spot ? ChargeKind::kSpot : ChargeKind::kOnDemand;
      const std::vector<AuditRecord>& audit = broker_->audit();
      for (size_t i = audit.size(); i-- > audit_indexed_;) {
        if (audit[i].job == start->job &&
            (audit[i].kind == AuditKind::kDeliver || audit[i].kind == AuditKind::kLate)) {
          note.price = audit[i].price_per_accel_hour;
          break;
        }
      }
    }
    AddNote(start->job, std::move(note));
    if (replaying_) return;
    Effect e;
    e.launch = true;
    e.pool = start->pool;
    LaunchSpec& l = e.spec;
    l.key = {start->job, attempt};
    l.job_name = spec.name;
    l.tenant = fleet.tenant(spec.tenant).name;
    l.pool = fleet.pool(start->pool).name;
    l.nodes = spec.nodes;
    l.accelerators_per_node = spec.AcceleratorsPerNode();
    l.env = r.launch.env;
    l.workdir = r.launch.workdir;
    l.setup = r.launch.setup;
    l.run = r.launch.run;
    l.checkpoint_dir = StrCat(options_.state_dir, "/checkpoints/", start->job.value());
    l.log_dir = StrCat(options_.state_dir, "/logs/", start->job.value(), "/", attempt);
    effects_.push_back(std::move(e));
  } else if (const auto* cancel = std::get_if<CancelStart>(&command)) {
    JobRecord& r = Record(cancel->job);
    for (auto it = r.starting.begin(); it != r.starting.end(); ++it) {
      if (it->first != cancel->pool) continue;
      const int64_t attempt = it->second;
      r.starting.erase(it);
      AddNote(cancel->job, {now_, NoteKind::kLaunchDropped, attempt, cancel->pool});
      if (!replaying_)
        effects_.push_back({false, cancel->pool, LaunchSpec{{cancel->job, attempt}}});
      break;
    }
  } else if (const auto* stop = std::get_if<StopJob>(&command)) {
    JobRecord& r = Record(stop->job);
    if (r.running_attempt > 0) {
      const int64_t attempt = r.running_attempt;
      r.running_attempt = 0;
      const PoolId pool = broker_->outcome(stop->job).pool;
      AddNote(stop->job,
              {now_, NoteKind::kStopped, attempt, pool, ChargeKind::kOnDemand, 0, 0, stop->reason});
      if (!replaying_) effects_.push_back({false, pool, LaunchSpec{{stop->job, attempt}}});
    }
  } else if (const auto* moved = std::get_if<RunMoved>(&command)) {
    // Bookkeeping only: the processes go on where they are (a holding runs on its parent's
    // backend).
    const Job& spec = broker_->spec(moved->job);
    const std::optional<Access>& access = broker_->access(spec.tenant, moved->pool);
    AddNote(moved->job, {now_, NoteKind::kMoved, Record(moved->job).running_attempt, moved->pool,
                         access ? access->kind : ChargeKind::kOnDemand,
                         access ? access->price_per_accel_hour : 0});
  } else if (const auto* reject = std::get_if<RejectJob>(&command)) {
    AddNote(reject->job,
            {now_, NoteKind::kRejected, 0, PoolId(), ChargeKind::kOnDemand, 0, 0, reject->reason});
  } else if (const auto* timer = std::get_if<SetTimer>(&command)) {
    timers_.push_back({timer->at, ++timer_seq_, timer->tag});
    std::push_heap(timers_.begin(), timers_.end(), std::greater<>());
  } else if (const auto* ask = std::get_if<AskProvider>(&command)) {
    const int64_t seq = ++ask_seq_;
    const ProviderId provider = ask->ask.provider;
    const Duration delay = fleet.provider(provider).agent.response_time;
    due_asks_.push_back({now_ + delay, seq});
    std::push_heap(due_asks_.begin(), due_asks_.end(), std::greater<>());
    asks_.emplace(seq, ask->ask);
    open_requests_.insert(ask->ask.request);
    ++counters_.asks[provider.index()];
    std::vector<AskRecord>& list = asks_by_provider_[provider.index()];
    ask_index_[seq] = {provider.value(), static_cast<int32_t>(list.size())};
    list.push_back({now_, kNever, ask->ask, {}});
  } else if (const auto* closed = std::get_if<RequestClosed>(&command)) {
    open_requests_.erase(closed->request);
    if (auto it = offered_.find(closed->request); it != offered_.end()) {
      for (const auto& [pool, accelerators] : it->second) promised_[pool.index()] -= accelerators;
      offered_.erase(it);
    }
  }
}

void Driver::IndexNew() {
  const std::vector<AuditRecord>& audit = broker_->audit();
  for (; audit_indexed_ < audit.size(); ++audit_indexed_) {
    const JobId job = audit[audit_indexed_].job;
    if (job.valid() && job.value() < jobs()) {
      Record(job).audit.push_back(static_cast<int32_t>(audit_indexed_));
    }
  }
  const std::vector<Charge>& charges = broker_->ledger().charges();
  for (; charges_indexed_ < charges.size(); ++charges_indexed_) {
    const Charge& c = charges[charges_indexed_];
    if (c.tenant.valid() && c.provider.valid()) {
      costs_[(c.tenant.index() * scenario_.fleet.providers.size() + c.provider.index()) *
                 kChargeKinds +
             static_cast<size_t>(c.kind)] += c.amount;
    }
    const JobId job = c.job;
    if (job.valid() && job.value() < jobs()) {
      Record(job).charges.push_back(static_cast<int32_t>(charges_indexed_));
    }
  }
}

void Driver::AddNote(JobId job, Note note) {
  if (!job.valid() || job.value() >= jobs()) return;
  note.audit_mark = static_cast<int64_t>(broker_->audit().size());
  note.charge_mark = static_cast<int64_t>(broker_->ledger().charges().size());
  Record(job).notes.push_back(std::move(note));
}

// --- Providers' agents ---

Answer Driver::AnswerAsk(const Ask& ask) {
  const Fleet& fleet = scenario_.fleet;
  ProviderState state;
  state.provider = ask.provider;
  state.now = now_;
  state.first_party_waiting = broker_->first_party_waiting(ask.provider);
  for (PoolId id : provider_pools_[ask.provider.index()]) {
    const Pool& pool = fleet.pool(id);
    const auto& [on_demand, spot] = prices_[ask.tenant.index() * fleet.pools.size() + id.index()];
    state.pools.push_back({id, pool.type, pool.accelerators_per_node, pool.max_gang,
                           broker_->capacity(id), broker_->used(id), broker_->used_first_party(id),
                           promised_[id.index()], on_demand, spot,
                           pool.committed_price.value_or(0)});
  }
  Answer answer;
  answer.request = ask.request;
  answer.provider = ask.provider;
  answer.offers = agents_[ask.provider.index()]->Answer(ask, state);
  return answer;
}

void Driver::AddPromised(const Answer& answer, const Ask& ask) {
  if (!open_requests_.contains(answer.request)) return;
  for (size_t k = 0; k < answer.offers.size() && k < ask.items.size(); ++k) {
    const std::optional<Offer>& offer = answer.offers[k];
    if (!offer || !offer->pool.valid() || offer->pool.index() >= promised_.size()) continue;
    promised_[offer->pool.index()] += ask.items[k].accelerators;
    offered_[answer.request].push_back({offer->pool, ask.items[k].accelerators});
  }
}

// --- Backends ---

LogRecord Driver::ReportRecord(const RunReport& report) const {
  return LogRecord{last_time_, static_cast<uint8_t>(RecordKind::kReport), EncodeReport(report)};
}

void Driver::RunEffects() {
  std::vector<Effect> effects;
  effects.swap(effects_);
  for (Effect& e : effects) {
    Backend* backend = backends_[e.pool.index()];
    if (!e.launch) {
      if (backend != nullptr) {
        if (absl::Status s = backend->Cancel(e.spec.key); !s.ok()) {
          std::fprintf(stderr, "arbiter serve: cancelling job %d attempt %lld: %s\n",
                       e.spec.key.job.value(), static_cast<long long>(e.spec.key.attempt),
                       std::string(s.message()).c_str());
        }
      }
      continue;
    }
    absl::Status s = backend == nullptr
                         ? absl::FailedPreconditionError(StrCat(
                               "pool ", scenario_.fleet.pool(e.pool).name, " has no backend"))
                         : backend->Launch(e.spec);
    if (!s.ok()) {
      RunReport lost;
      lost.key = e.spec.key;
      lost.status = RunStatus::kLost;
      lost.reason = StrCat("the launch failed: ", s.message());
      internal_.push_back(ReportRecord(lost));
    }
  }
}

// --- Replay and reconciliation ---

absl::Status Driver::Recover() {
  const auto started = std::chrono::steady_clock::now();
  replaying_ = true;
  absl::Status status;
  {
    std::unique_lock lock(state_mu_);
    int64_t batch = 0;
    status = log_->Scan(0, [&](const LogRecordView& record) {
      if (record.time < now_) {
        return absl::DataLossError(StrCat("event log record ", record.seq, " goes back in time"));
      }
      // As live: the core decides once per committed batch, after its last record.
      if (record.batch != batch) {
        Decide();
        batch = record.batch;
      }
      Apply(record);
      ++replayed_records_;
      return absl::OkStatus();
    });
    if (status.ok()) Decide();
  }
  replaying_ = false;
  if (!status.ok()) return status;
  // The timers and asks still open are those whose firing or answer was not logged.
  std::erase_if(timers_, [&](const Timer& t) { return fired_.contains(t.seq); });
  std::make_heap(timers_.begin(), timers_.end(), std::greater<>());
  fired_.clear();
  std::erase_if(due_asks_, [&](const DueAsk& a) { return answered_.contains(a.seq); });
  std::make_heap(due_asks_.begin(), due_asks_.end(), std::greater<>());
  answered_.clear();
  last_time_ = now_;
  const std::vector<CapacityChange>& changes = scenario_.capacity_changes;
  while (next_change_ < changes.size() && changes[next_change_].at <= now_ &&
         log_->last_seq() > 0) {
    ++next_change_;  // applied before the restart
  }
  next_billing_ = now_ + options_.billing_interval;
  replay_seconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (absl::Status s = Reconcile(); !s.ok()) return s;
  recovered_ = true;
  return absl::OkStatus();
}

absl::Status Driver::Reconcile() {
  // 1. What the backends saw while the daemon was down (a backend made anew reports every run it
  //    finds), committed and applied like any report.
  Clock();
  std::vector<Pending> batch;
  GatherDue(batch, /*poll=*/true);
  if (!batch.empty() && !CommitAndApply(batch)) {
    return absl::UnavailableError("cannot commit the backends' reports after the restart");
  }
  RunEffects();
  batch.clear();
  // 2. Runs the backends have against the runs the core believes current.
  absl::flat_hash_set<std::pair<int32_t, int64_t>> current;
  for (size_t j = 0; j < jobs_.size(); ++j) {
    for (const auto& [pool, attempt] : jobs_[j].starting) current.insert({j, attempt});
    if (jobs_[j].running_attempt > 0) current.insert({j, jobs_[j].running_attempt});
  }
  absl::flat_hash_set<std::pair<int32_t, int64_t>> active;
  std::vector<Backend*> seen;
  std::vector<Backend*> unreachable;
  for (Backend* b : backends_) {
    if (b == nullptr || std::find(seen.begin(), seen.end(), b) != seen.end()) continue;
    seen.push_back(b);
    absl::StatusOr<std::vector<RunKey>> keys = b->Active();
    if (!keys.ok()) {
      // Nothing is concluded about a backend that cannot be reached.
      std::fprintf(stderr, "arbiter serve: reconcile: %s\n",
                   std::string(keys.status().message()).c_str());
      unreachable.push_back(b);
      continue;
    }
    for (const RunKey& k : *keys) {
      active.insert({k.job.value(), k.attempt});
      if (!current.contains({k.job.value(), k.attempt})) {
        // Never recorded as started, or stopped by the core before the crash: stop it, so that
        // no job runs twice.
        if (absl::Status s = b->Cancel(k); !s.ok()) {
          std::fprintf(stderr, "arbiter serve: reconcile: stopping job %d attempt %lld: %s\n",
                       k.job.value(), static_cast<long long>(k.attempt),
                       std::string(s.message()).c_str());
        }
      }
    }
  }
  for (size_t j = 0; j < jobs_.size(); ++j) {
    std::vector<std::pair<PoolId, int64_t>> runs(jobs_[j].starting.begin(),
                                                 jobs_[j].starting.end());
    if (jobs_[j].running_attempt > 0) {
      runs.push_back({broker_->outcome(JobId::FromIndex(j)).pool, jobs_[j].running_attempt});
    }
    for (const auto& [pool, attempt] : runs) {
      Backend* b = backends_[pool.index()];
      if (std::find(unreachable.begin(), unreachable.end(), b) != unreachable.end()) continue;
      if (active.contains({static_cast<int32_t>(j), attempt})) continue;
      RunReport lost;
      lost.key = {JobId::FromIndex(j), attempt};
      lost.status = RunStatus::kLost;
      lost.reason = "the run was not found on its backend when the daemon restarted";
      batch.push_back({ReportRecord(lost), {}});
    }
  }
  if (!batch.empty() && !CommitAndApply(batch)) {
    return absl::UnavailableError("cannot commit the runs lost over the restart");
  }
  RunEffects();
  return absl::OkStatus();
}

}  // namespace arbiter::serve
