// The driver with a scripted backend (the backend seam's test double) and a clock the test sets:
// group commit, replay, reconciliation, idempotency, a failing commit, the market.
#include "serve/driver.h"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "formats/testing.h"
#include "gtest/gtest.h"
#include "model/testing.h"
#include "serve/testing.h"

namespace arbiter::serve {
namespace {

using arbiter::testing::AddTestPool;
using arbiter::testing::ScratchDir;
using arbiter::testing::TestJob;
using testing::Eventually;
using testing::ScriptedBackend;

// One provider "p" with one pool p/r/H100 of 2 nodes x 4 accelerators at $3.60 per
// accelerator-hour (1,000 micro-dollars per accelerator-second). Tenant "lab" is p's first-party
// tenant (its jobs start without the market, charged at the pool's price as internal); tenant
// "startup" buys on demand from p through the market at a 50% discount. The clock starts at
// Unix time 1,000,000 (the state's epoch) + 10.
class DriverTest : public ::testing::Test {
 protected:
  DriverTest() {
    Fleet& fleet = scenario_.fleet;
    h100_ = fleet.AddAcceleratorType("H100");
    p_ = fleet.AddProvider("p");
    pool_ = AddTestPool(fleet, fleet.AddRegion(p_, "r"), h100_, 2, 4, 3'600'000);
    lab_ = fleet.AddTenant({"lab", 1, p_});
    startup_ = fleet.AddTenant({"startup", 1});
    fleet.AddContract({startup_, p_, OnDemandTerms{500'000}});
    clock_ = kEpoch + 10;
  }
  ~DriverTest() override {
    if (driver_) driver_->Stop();
  }

  void Open(EventLogOptions log_options = {}) {
    if (driver_) driver_->Stop();
    driver_.reset();
    absl::StatusOr<std::unique_ptr<EventLog>> log =
        EventLog::Open(dir_.File("events.db"), log_options);
    ASSERT_TRUE(log.ok()) << log.status();
    DriverOptions options;
    options.state_dir = dir_.path().string();
    options.epoch = kEpoch;
    options.clock = [this] { return clock_.load(); };
    options.poll_interval = std::chrono::milliseconds(1);
    backend_ = std::make_unique<ScriptedBackend>();
    absl::StatusOr<std::unique_ptr<Driver>> driver =
        Driver::Create(scenario_, *std::move(log), {backend_.get()}, options);
    ASSERT_TRUE(driver.ok()) << driver.status();
    driver_ = *std::move(driver);
  }
  void Start() {
    const absl::Status s = driver_->Recover();
    ASSERT_TRUE(s.ok()) << s;
    driver_->Start();
  }

  Submission Spec(std::string name, int32_t accelerators, std::string key = "") {
    Submission s;
    s.idempotency_key = std::move(key);
    s.job = TestJob(std::move(name), TenantId(), 0, accelerators, 1'000'000, {{h100_, 1'000}});
    s.job.nodes = accelerators > 4 ? 2 : 1;
    s.launch.run = "echo hi";
    s.launch.env = {{"A", "1"}};
    return s;
  }
  SubmitResult Submit(Submission s, TenantId tenant) {
    absl::StatusOr<SubmitResult> r = driver_->Submit(std::move(s), tenant).get();
    EXPECT_TRUE(r.ok()) << r.status();
    return r.value_or(SubmitResult{});
  }
  JobState State(JobId job) {
    auto lock = driver_->ReadLock();
    return driver_->broker().outcome(job).state;
  }
  bool LaunchedCount(size_t n) {
    return Eventually([&] { return backend_->launched().size() >= n; });
  }

  static constexpr int64_t kEpoch = 1'000'000;
  ScratchDir dir_;
  Scenario scenario_;
  AcceleratorTypeId h100_;
  ProviderId p_;
  PoolId pool_;
  TenantId lab_, startup_;
  std::atomic<double> clock_{0};
  std::unique_ptr<ScriptedBackend> backend_;
  std::unique_ptr<Driver> driver_;
};

TEST_F(DriverTest, ASubmissionIsLaunchedRunsFinishesAndIsBilled) {
  Open();
  Start();
  const SubmitResult r = Submit(Spec("train", 8), lab_);
  EXPECT_EQ(r.job, JobId(0));
  EXPECT_TRUE(r.created);
  ASSERT_TRUE(LaunchedCount(1));
  const LaunchSpec l = backend_->launched()[0];
  EXPECT_EQ(l.key, (RunKey{JobId(0), 1}));
  EXPECT_EQ(l.job_name, "train");
  EXPECT_EQ(l.tenant, "lab");
  EXPECT_EQ(l.pool, "p/r/H100");
  EXPECT_EQ(l.nodes, 2);
  EXPECT_EQ(l.accelerators_per_node, 4);
  EXPECT_EQ(l.run, "echo hi");
  EXPECT_EQ(l.checkpoint_dir, dir_.File("checkpoints/0"));
  EXPECT_EQ(l.log_dir, dir_.File("logs/0/1"));
  EXPECT_EQ(State(JobId(0)), JobState::kStarting);

  clock_ = kEpoch + 12;
  backend_->Report(l.key, RunStatus::kRunning);
  ASSERT_TRUE(Eventually([&] { return State(JobId(0)) == JobState::kRunning; }));
  clock_ = kEpoch + 72;
  backend_->Report(l.key, RunStatus::kSucceeded);
  ASSERT_TRUE(Eventually([&] { return State(JobId(0)) == JobState::kFinished; }));
  auto lock = driver_->ReadLock();
  const JobOutcome& o = driver_->broker().outcome(JobId(0));
  EXPECT_EQ(o.first_start, 10);  // billed from the launch
  EXPECT_EQ(o.end, 72);
  // 8 accelerators x 62 s x 1,000 micro-dollars per accelerator-second.
  EXPECT_EQ(o.cost, 496'000);
  EXPECT_EQ(driver_->broker().ledger().total(), 496'000);
  const JobRecord& rec = driver_->job(JobId(0));
  ASSERT_EQ(rec.charges.size(), 1u);
  std::vector<NoteKind> kinds;
  for (const Note& n : rec.notes) kinds.push_back(n.kind);
  EXPECT_EQ(kinds, (std::vector<NoteKind>{NoteKind::kSubmitted, NoteKind::kLaunched,
                                          NoteKind::kStarted, NoteKind::kFinished}));
  EXPECT_EQ(rec.notes[1].charge, ChargeKind::kInternal);
  EXPECT_EQ(rec.notes[1].price, 3'600'000);
}

TEST_F(DriverTest, ARetriedSubmissionReturnsTheFirstJob) {
  Open();
  Start();
  const SubmitResult first = Submit(Spec("a", 4, "key-1"), lab_);
  const SubmitResult again = Submit(Spec("a", 4, "key-1"), lab_);
  EXPECT_TRUE(first.created);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.job, first.job);
  // The same key from another tenant is another job.
  const SubmitResult other = Submit(Spec("a", 4, "key-1"), startup_);
  EXPECT_TRUE(other.created);
  EXPECT_NE(other.job, first.job);
  // Concurrent retries (likely in one batch) still make one job.
  std::vector<std::future<absl::StatusOr<SubmitResult>>> futures;
  futures.reserve(8);
  for (int i = 0; i < 8; ++i) futures.push_back(driver_->Submit(Spec("b", 4, "key-2"), lab_));
  JobId job;
  int created = 0;
  for (auto& f : futures) {
    absl::StatusOr<SubmitResult> r = f.get();
    ASSERT_TRUE(r.ok());
    if (!job.valid()) job = r->job;
    EXPECT_EQ(r->job, job);
    created += r->created ? 1 : 0;
  }
  EXPECT_EQ(created, 1);
  auto lock = driver_->ReadLock();
  EXPECT_EQ(driver_->jobs(), 3);
}

TEST_F(DriverTest, AFailedCommitAcknowledgesNothingAndStoresNothing) {
  {
    absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(dir_.File("events.db"));
    ASSERT_TRUE(log.ok());
  }
  EventLogOptions full;
  full.max_pages = 8;
  Open(full);
  Start();
  Submission big = Spec("big", 4);
  big.launch.run = std::string(64 * 1024, 'x');  // does not fit in 8 pages
  absl::StatusOr<SubmitResult> r = driver_->Submit(big, lab_).get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted) << r.status();
  {
    auto lock = driver_->ReadLock();
    EXPECT_EQ(driver_->jobs(), 0);
    EXPECT_EQ(driver_->broker().jobs_submitted(), 0);
  }
  // A small one still fits, and is job 0: the refused one left no trace.
  const SubmitResult small = Submit(Spec("small", 4), lab_);
  EXPECT_EQ(small.job, JobId(0));
}

TEST_F(DriverTest, ReplayRebuildsTheStateAndLaunchesNothingAgain) {
  Open();
  Start();
  Submit(Spec("a", 4), lab_);
  Submit(Spec("b", 4), lab_);
  Submit(Spec("c", 8), lab_);  // waits: a and b hold the pool
  ASSERT_TRUE(LaunchedCount(2));
  clock_ = kEpoch + 20;
  backend_->Report({JobId(0), 1}, RunStatus::kRunning);
  backend_->Report({JobId(1), 1}, RunStatus::kRunning);
  ASSERT_TRUE(Eventually([&] { return State(JobId(1)) == JobState::kRunning; }));
  clock_ = kEpoch + 50;
  backend_->Report({JobId(0), 1}, RunStatus::kSucceeded);
  ASSERT_TRUE(Eventually([&] { return State(JobId(0)) == JobState::kFinished; }));
  Micros total = 0;
  int64_t records = 0;
  {
    auto lock = driver_->ReadLock();
    total = driver_->broker().ledger().total();
    records = driver_->log().last_seq();
  }
  driver_->Stop();

  // The same state after a restart; job 1 still runs on the backend, so nothing is launched.
  Open();
  backend_->SetActive({{JobId(1), 1}});
  clock_ = kEpoch + 60;
  Start();
  {
    auto lock = driver_->ReadLock();
    EXPECT_EQ(driver_->replayed_records(), records);
    EXPECT_EQ(driver_->broker().outcome(JobId(0)).state, JobState::kFinished);
    EXPECT_EQ(driver_->broker().outcome(JobId(1)).state, JobState::kRunning);
    EXPECT_EQ(driver_->broker().outcome(JobId(2)).state, JobState::kPending);
    EXPECT_EQ(driver_->broker().ledger().total(), total);
    EXPECT_EQ(driver_->job(JobId(1)).running_attempt, 1);
  }
  EXPECT_TRUE(backend_->launched().empty());
  EXPECT_TRUE(backend_->cancelled().empty());
  // When job 1 ends, job 2 (8 accelerators) takes the pool, as attempt 1.
  backend_->Report({JobId(1), 1}, RunStatus::kSucceeded);
  ASSERT_TRUE(LaunchedCount(1));
  EXPECT_EQ(backend_->launched()[0].key, (RunKey{JobId(2), 1}));
}

TEST_F(DriverTest, ReconcileReportsLostRunsAndStopsStrayOnes) {
  Open();
  Start();
  Submit(Spec("a", 4), lab_);
  Submit(Spec("b", 4), lab_);
  ASSERT_TRUE(LaunchedCount(2));
  backend_->Report({JobId(0), 1}, RunStatus::kRunning);
  ASSERT_TRUE(Eventually([&] { return State(JobId(0)) == JobState::kRunning; }));
  driver_->Stop();

  // After the restart the backend has neither job's run, but one the core never started.
  Open();
  backend_->SetActive({{JobId(1), 7}});
  clock_ = kEpoch + 30;
  Start();
  // Job 0 ran and was lost: it is started again at once, as attempt 2. Job 1's launch was lost
  // before it came up: it waits out the retry delay (60 s) before it is launched again.
  ASSERT_TRUE(LaunchedCount(1));
  EXPECT_EQ(backend_->launched()[0].key, (RunKey{JobId(0), 2}));
  EXPECT_EQ(backend_->cancelled(), (std::vector<RunKey>{{JobId(1), 7}}));
  {
    auto lock = driver_->ReadLock();
    EXPECT_EQ(driver_->broker().outcome(JobId(0)).interruptions, 1);
    EXPECT_EQ(driver_->broker().outcome(JobId(1)).state, JobState::kPending);
    EXPECT_EQ(driver_->broker().outcome(JobId(1)).launch_failures, 1);
  }
  clock_ = kEpoch + 90;
  ASSERT_TRUE(LaunchedCount(2));
  EXPECT_EQ(backend_->launched()[1].key, (RunKey{JobId(1), 2}));
}

TEST_F(DriverTest, ALaunchTheBackendRefusesIsAFailedStart) {
  Open();
  Start();
  backend_->FailLaunches(true);
  Submit(Spec("a", 4), lab_);
  ASSERT_TRUE(Eventually([&] {
    auto lock = driver_->ReadLock();
    return driver_->broker().outcome(JobId(0)).launch_failures == 1;
  }));
  auto lock = driver_->ReadLock();
  const JobRecord& r = driver_->job(JobId(0));
  ASSERT_GE(r.notes.size(), 3u);
  EXPECT_EQ(r.notes[2].kind, NoteKind::kLaunchFailed);
  EXPECT_EQ(r.notes[2].text, "the launch failed: no capacity right now");
}

TEST_F(DriverTest, MarketJobsAreOfferedByTheHostedAgentAndPricedByTheContract) {
  Open();
  Start();
  Submit(Spec("m", 4), startup_);
  ASSERT_TRUE(LaunchedCount(1));
  auto lock = driver_->ReadLock();
  const std::vector<Driver::AskRecord>& asks = driver_->asks_to(p_);
  ASSERT_EQ(asks.size(), 1u);
  EXPECT_EQ(asks[0].asked, 10);
  EXPECT_EQ(asks[0].answered, 10);
  ASSERT_EQ(asks[0].offers.size(), 1u);
  ASSERT_TRUE(asks[0].offers[0].has_value());
  EXPECT_EQ(asks[0].offers[0]->price_per_accel_hour, 1'800'000);  // $3.60 at 50% off
  const JobRecord& r = driver_->job(JobId(0));
  EXPECT_EQ(r.notes[1].kind, NoteKind::kLaunched);
  EXPECT_EQ(r.notes[1].charge, ChargeKind::kOnDemand);
  EXPECT_EQ(r.notes[1].price, 1'800'000);
  EXPECT_FALSE(r.audit.empty());
  EXPECT_EQ(driver_->counters().asks[0], 1);
  EXPECT_EQ(driver_->counters().answers_offered[0], 1);
}

}  // namespace
}  // namespace arbiter::serve
