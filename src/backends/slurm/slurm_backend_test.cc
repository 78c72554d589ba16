// The backend's bookkeeping, stepped by hand against a scripted cluster (answers captured from
// slurm-wlm 22.05). The same behaviour against real Slurm clusters: tests/slurm.
#include "backends/slurm/slurm_backend.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/strings.h"

namespace arbiter::slurm {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A cluster as the commands see it: the test sets what squeue and sinfo print; sbatch hands out
// job ids from 100; every command is recorded.
struct FakeCluster {
  std::string squeue;
  std::string sinfo = "n1|idle|gpu:4\nn2|idle|gpu:4\nn3|drain|gpu:4\n";
  bool down = false;  // the controller does not answer
  bool sbatch_refuses = false;
  int64_t next_id = 100;
  std::vector<std::string> commands;  // "sbatch --job-name=...", "scancel 100", ...
};

class FakeRunner : public CommandRunner {
 public:
  explicit FakeRunner(FakeCluster* cluster) : cluster_(cluster) {}
  absl::StatusOr<CommandResult> Run(const std::vector<std::string>& argv,
                                    std::string_view input) override {
    std::lock_guard lock(mu_);  // sbatch may run from several threads
    const std::string& cmd = argv[0];
    std::string line = cmd;
    if (cmd == "sbatch") line += " " + argv[2];  // the job name
    if (cmd == "scancel") line += " " + argv.back();
    cluster_->commands.push_back(line);
    CommandResult r;
    if (cluster_->down) {
      r.exit_code = 1;
      r.err = cmd + ": error: Unable to contact slurm controller (connect failure)\n";
      return r;
    }
    if (cmd == "squeue") r.out = cluster_->squeue;
    if (cmd == "sinfo") r.out = cluster_->sinfo;
    if (cmd == "sbatch") {
      if (cluster_->sbatch_refuses) {
        r.exit_code = 1;
        r.err =
            "sbatch: error: Batch job submission failed: Requested node configuration is "
            "not available\n";
      } else {
        // Listed from now on, as Slurm does once sbatch has returned.
        std::string name = argv[2].substr(std::string("--job-name=").size());
        StrAppend(&cluster_->squeue, cluster_->next_id, "|PENDING|None|0|0||", name, "|\n");
        r.out = StrCat(cluster_->next_id++, "\n");
      }
    }
    return r;
  }

 private:
  std::mutex mu_;
  FakeCluster* cluster_;
};

class SlurmBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           StrCat("arbiter-slurm-backend-", getpid(), "-",
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<SlurmBackend> Make(SlurmOptions options = {}) {
    options.cluster = "primary";
    options.background = false;
    // One sbatch at a time: job ids in launch order (ParallelSubmissionsEachOnce has several).
    if (options.submit_parallel == 4) options.submit_parallel = 1;
    auto backend = SlurmBackend::Create(options, std::make_unique<FakeRunner>(&cluster_),
                                        [this] { return now_; });
    EXPECT_TRUE(backend.ok()) << backend.status();
    return *std::move(backend);
  }

  LaunchSpec Spec(int job, int attempt = 1) {
    return LaunchSpec{.key = {JobId(job), attempt},
                      .job_name = "train",
                      .tenant = "lab",
                      .pool = "primary-h100",
                      .nodes = 2,
                      .accelerators_per_node = 4,
                      .run = "python train.py",
                      .checkpoint_dir = (dir_ / "ckpt" / std::to_string(job)).string(),
                      .log_dir = (dir_ / "logs" / std::to_string(job)).string()};
  }

  FakeCluster cluster_;
  absl::Time now_ = absl::FromUnixSeconds(1'700'000'000);
  std::filesystem::path dir_;
};

}  // namespace
}  // namespace arbiter::slurm

// Reports and keys as text in failure messages (found by argument-dependent lookup).
namespace arbiter {
void PrintTo(const RunReport& r, std::ostream* os) {
  *os << "{job " << r.key.job.value() << " attempt " << r.key.attempt << " "
      << RunStatusName(r.status) << " exit " << r.exit_code << " '" << r.reason << "'}";
}
void PrintTo(const RunKey& k, std::ostream* os) {
  *os << "{job " << k.job.value() << " attempt " << k.attempt << "}";
}
}  // namespace arbiter

namespace arbiter::slurm {
namespace {

MATCHER_P2(Is, key, status, "") { return arg.key == key && arg.status == status; }

TEST_F(SlurmBackendTest, SubmitsOnceAndFollowsTheJobToItsEnd) {
  auto backend = Make();
  RunKey key{JobId(3), 1};
  ASSERT_TRUE(backend->Launch(Spec(3)).ok());
  EXPECT_TRUE(std::filesystem::is_directory(dir_ / "ckpt" / "3"));
  EXPECT_TRUE(std::filesystem::is_directory(dir_ / "logs" / "3"));
  backend->Step();
  // First what is on the cluster already, then the submission, then the listing.
  EXPECT_THAT(cluster_.commands,
              ElementsAre("squeue", "sinfo", "sbatch --job-name=arbiter-j3-a1", "squeue", "sinfo"));
  EXPECT_THAT(backend->Poll(), IsEmpty());
  ASSERT_TRUE(backend->Launch(Spec(3)).ok());  // the same run again: no second copy

  cluster_.squeue = "100|PENDING|Resources|0|0||arbiter-j3-a1|\n";
  backend->Step();
  EXPECT_THAT(backend->Poll(), IsEmpty());
  cluster_.squeue = "100|RUNNING|None|0|0|n[1-2]|arbiter-j3-a1|\n";
  backend->Step();
  EXPECT_THAT(backend->Poll(), ElementsAre(Is(key, RunStatus::kRunning)));
  backend->Step();
  EXPECT_THAT(backend->Poll(), IsEmpty());  // reported once
  cluster_.squeue = "100|COMPLETED|None|0|0|n[1-2]|arbiter-j3-a1|\n";
  backend->Step();
  EXPECT_THAT(backend->Poll(), ElementsAre(Is(key, RunStatus::kSucceeded)));
  backend->Step();
  EXPECT_THAT(backend->Poll(), IsEmpty());
  int sbatches = 0;
  for (const std::string& c : cluster_.commands) sbatches += c.starts_with("sbatch") ? 1 : 0;
  EXPECT_EQ(sbatches, 1);
}

TEST_F(SlurmBackendTest, AJobThatEndsBetweenTwoLookingsStillRanFirst) {
  auto backend = Make();
  RunKey key{JobId(4), 2};
  ASSERT_TRUE(backend->Launch(Spec(4, 2)).ok());
  backend->Step();
  cluster_.squeue = "100|FAILED|NonZeroExitCode|768|0|n[1-2]|arbiter-j4-a2|\n";
  backend->Step();
  std::vector<RunReport> reports = backend->Poll();
  ASSERT_THAT(reports, ElementsAre(Is(key, RunStatus::kRunning), Is(key, RunStatus::kFailed)));
  EXPECT_EQ(reports[1].exit_code, 3);
  EXPECT_EQ(reports[1].reason, "Slurm job 100 on n[1-2] exited with code 3");
}

TEST_F(SlurmBackendTest, CancelRunsScancelAndReportsCancelled) {
  auto backend = Make();
  RunKey key{JobId(5), 1};
  ASSERT_TRUE(backend->Launch(Spec(5)).ok());
  cluster_.squeue = "";
  backend->Step();
  cluster_.squeue = "100|RUNNING|None|0|0|n1|arbiter-j5-a1|\n";
  backend->Step();
  ASSERT_THAT(backend->Poll(), ElementsAre(Is(key, RunStatus::kRunning)));
  cluster_.commands.clear();
  ASSERT_TRUE(backend->Cancel(key).ok());
  cluster_.squeue = "100|CANCELLED|None|15|0|n1|arbiter-j5-a1|\n";
  backend->Step();
  EXPECT_THAT(cluster_.commands, ElementsAre("scancel 100", "squeue", "sinfo"));
  EXPECT_THAT(backend->Poll(), ElementsAre(Is(key, RunStatus::kCancelled)));
  ASSERT_TRUE(backend->Cancel(key).ok());                   // idempotent
  ASSERT_TRUE(backend->Cancel(RunKey{JobId(77), 1}).ok());  // unknown: not an error
  backend->Step();
  EXPECT_THAT(backend->Poll(), IsEmpty());
}

TEST_F(SlurmBackendTest, CancelBeforeSubmissionSubmitsNothing) {
  auto backend = Make();
  RunKey key{JobId(6), 1};
  ASSERT_TRUE(backend->Launch(Spec(6)).ok());
  ASSERT_TRUE(backend->Cancel(key).ok());
  EXPECT_THAT(backend->Poll(), ElementsAre(Is(key, RunStatus::kCancelled)));
  backend->Step();
  EXPECT_THAT(cluster_.commands, ElementsAre("squeue", "sinfo"));
}

TEST_F(SlurmBackendTest, NodeFailureIsLost) {
  auto backend = Make();
  RunKey key{JobId(7), 1};
  ASSERT_TRUE(backend->Launch(Spec(7)).ok());
  backend->Step();
  cluster_.squeue = "100|RUNNING|None|0|0|n[1-2]|arbiter-j7-a1|\n";
  backend->Step();
  cluster_.squeue = "100|NODE_FAIL|NodeDown|0|0|n[1-2]|arbiter-j7-a1|\n";
  backend->Step();
  std::vector<RunReport> reports = backend->Poll();
  ASSERT_THAT(reports, ElementsAre(Is(key, RunStatus::kRunning), Is(key, RunStatus::kLost)));
  EXPECT_EQ(reports[1].reason, "Slurm job 100 on n[1-2] lost a node (NodeDown)");
}

TEST_F(SlurmBackendTest, ARequeueIsLostAndStopped) {
  auto backend = Make();
  RunKey key{JobId(8), 1};
  ASSERT_TRUE(backend->Launch(Spec(8)).ok());
  backend->Step();
  cluster_.squeue = "100|RUNNING|None|0|0|n1|arbiter-j8-a1|\n";
  backend->Step();
  cluster_.commands.clear();
  // Preempted with requeue by the cluster's own policy: pending again, restarted once.
  cluster_.squeue = "100|PENDING|BeginTime|0|1||arbiter-j8-a1|\n";
  backend->Step();
  std::vector<RunReport> reports = backend->Poll();
  ASSERT_THAT(reports, ElementsAre(Is(key, RunStatus::kRunning), Is(key, RunStatus::kLost)));
  EXPECT_EQ(reports[1].reason,
            "Slurm job 100 on cluster primary was requeued by Slurm (BeginTime)");
  EXPECT_THAT(cluster_.commands, ElementsAre("squeue", "sinfo", "scancel 100"));
  backend->Step();  // still there: cancelled again, nothing more reported
  EXPECT_THAT(backend->Poll(), IsEmpty());
  EXPECT_EQ(cluster_.commands.back(), "scancel 100");
}

TEST_F(SlurmBackendTest, RefusedSubmissionIsLost) {
  auto backend = Make();
  cluster_.sbatch_refuses = true;
  ASSERT_TRUE(backend->Launch(Spec(9)).ok());
  backend->Step();
  std::vector<RunReport> reports = backend->Poll();
  ASSERT_THAT(reports, ElementsAre(Is(RunKey{JobId(9), 1}, RunStatus::kLost)));
  EXPECT_EQ(reports[0].reason,
            "Slurm cluster primary refused the job: sbatch: error: Batch job submission failed: "
            "Requested node configuration is not available");
}

TEST_F(SlurmBackendTest, ReadsNodesThatCanTakeWork) {
  auto backend = Make();
  absl::StatusOr<std::optional<int32_t>> nodes = backend->Nodes();
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  EXPECT_EQ(*nodes, 2);  // n3 is drained
  cluster_.sinfo = "n1|idle|gpu:4\nn2|down*|gpu:4\nn3|drain|gpu:4\n";
  backend->Step();
  EXPECT_EQ(*backend->Nodes(), 1);
}

TEST_F(SlurmBackendTest, SilentControllerNoRoomThenLostAfterGrace) {
  SlurmOptions options;
  options.lost_after = absl::Minutes(5);
  auto backend = Make(options);
  RunKey key{JobId(10), 1};
  ASSERT_TRUE(backend->Launch(Spec(10)).ok());
  backend->Step();
  cluster_.squeue = "100|RUNNING|None|0|0|n[1-2]|arbiter-j10-a1|\n";
  backend->Step();
  ASSERT_THAT(backend->Poll(), ElementsAre(Is(key, RunStatus::kRunning)));

  cluster_.down = true;
  backend->Step();
  absl::StatusOr<std::optional<int32_t>> nodes = backend->Nodes();
  ASSERT_FALSE(nodes.ok());
  EXPECT_EQ(nodes.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(nodes.status().message(), HasSubstr("Slurm cluster primary does not answer"));
  EXPECT_EQ(backend->Active().status().code(), absl::StatusCode::kUnavailable);
  // A launch meanwhile is not even tried.
  ASSERT_TRUE(backend->Launch(Spec(11)).ok());
  now_ += absl::Minutes(4) + absl::Seconds(59);
  backend->Step();
  std::vector<RunReport> reports = backend->Poll();
  ASSERT_THAT(reports, ElementsAre(Is(RunKey{JobId(11), 1}, RunStatus::kLost)));
  EXPECT_THAT(reports[0].reason, HasSubstr("not submitted: Slurm cluster primary does not answer"));

  now_ += absl::Seconds(1);  // five minutes of silence
  backend->Step();
  reports = backend->Poll();
  ASSERT_THAT(reports, ElementsAre(Is(key, RunStatus::kLost)));
  EXPECT_THAT(reports[0].reason,
              HasSubstr("the controller of Slurm cluster primary has not answered for 5m"));

  // Back, with the run still there: it is stopped (Arbiter has run it elsewhere meanwhile).
  cluster_.down = false;
  cluster_.commands.clear();
  backend->Step();
  EXPECT_THAT(cluster_.commands, ElementsAre("squeue", "sinfo", "scancel 100"));
  EXPECT_THAT(backend->Poll(), IsEmpty());
  EXPECT_EQ(*backend->Nodes(), 2);
}

TEST_F(SlurmBackendTest, ARestartedBackendFindsItsRunsAndSubmitsNoCopy) {
  cluster_.squeue =
      "100|RUNNING|None|0|0|n[1-2]|arbiter-j12-a1|\n"
      "101|COMPLETED|None|0|0|n1|arbiter-j13-a1|\n"
      "102|RUNNING|None|0|0|n3|someone-elses-job|\n"
      "103|PENDING|Resources|0|0||other-j1-a1|\n";
  auto backend = Make();
  absl::StatusOr<std::vector<RunKey>> active = backend->Active();
  ASSERT_TRUE(active.ok()) << active.status();
  EXPECT_THAT(*active, ElementsAre(RunKey{JobId(12), 1}));
  // The daemon launches it again: found, not submitted again.
  ASSERT_TRUE(backend->Launch(Spec(12)).ok());
  backend->Step();
  for (const std::string& c : cluster_.commands) EXPECT_FALSE(c.starts_with("sbatch")) << c;
  // Each run of ours as it is: 12 running, 13 ended while no daemon watched.
  EXPECT_THAT(backend->Poll(), ElementsAre(Is(RunKey{JobId(12), 1}, RunStatus::kRunning),
                                           Is(RunKey{JobId(13), 1}, RunStatus::kRunning),
                                           Is(RunKey{JobId(13), 1}, RunStatus::kSucceeded)));
  cluster_.commands.clear();
  ASSERT_TRUE(backend->Cancel(RunKey{JobId(12), 1}).ok());
  backend->Step();
  EXPECT_EQ(cluster_.commands.front(), "scancel 100");
}

TEST_F(SlurmBackendTest, LaunchAfterRestartSubmitsWhatIsNotThere) {
  cluster_.squeue = "100|RUNNING|None|0|0|n[1-2]|arbiter-j12-a1|\n";
  auto backend = Make();
  // Before anything was read: the launch looks at the cluster first.
  ASSERT_TRUE(backend->Launch(Spec(12)).ok());
  ASSERT_TRUE(backend->Launch(Spec(12, 2)).ok());
  backend->Step();
  EXPECT_THAT(cluster_.commands, ElementsAre("squeue", "sinfo", "sbatch --job-name=arbiter-j12-a2",
                                             "squeue", "sinfo"));
}

TEST_F(SlurmBackendTest, ForgottenJobsEndByTheirExitStatusFile) {
  auto backend = Make();
  ASSERT_TRUE(backend->Launch(Spec(14)).ok());
  ASSERT_TRUE(backend->Launch(Spec(15)).ok());
  backend->Step();
  cluster_.squeue =
      "100|RUNNING|None|0|0|n1|arbiter-j14-a1|\n"
      "101|RUNNING|None|0|0|n2|arbiter-j15-a1|\n";
  backend->Step();
  ASSERT_EQ(backend->Poll().size(), 2u);
  // Both ended and Slurm forgot them (MinJobAge); 14 left its exit status, 15 none.
  std::ofstream(dir_ / "logs" / "14" / "slurm-attempt-1.exit") << "4\n";
  cluster_.squeue = "";
  backend->Step();
  std::vector<RunReport> reports = backend->Poll();
  ASSERT_EQ(reports.size(), 2u);
  std::map<int, RunReport> by_job;
  for (const RunReport& r : reports) by_job[r.key.job.value()] = r;
  EXPECT_EQ(by_job[14].status, RunStatus::kFailed);
  EXPECT_EQ(by_job[14].exit_code, 4);
  EXPECT_EQ(by_job[15].status, RunStatus::kLost);
  EXPECT_EQ(by_job[15].reason,
            "Slurm cluster primary no longer knows job 101 and it left no exit status");
}

TEST_F(SlurmBackendTest, SrunsOwnFailureIsLostNotFailed) {
  auto backend = Make();
  RunKey key{JobId(19), 1};
  ASSERT_TRUE(backend->Launch(Spec(19)).ok());
  backend->Step();
  std::ofstream(dir_ / "logs" / "19" / "slurm-attempt-1.exit") << "launcher 1\n";
  cluster_.squeue = "100|FAILED|NonZeroExitCode|256|0|n[1-2]|arbiter-j19-a1|\n";
  backend->Step();
  std::vector<RunReport> reports = backend->Poll();
  ASSERT_THAT(reports, ElementsAre(Is(key, RunStatus::kLost)));
  EXPECT_THAT(reports[0].reason, HasSubstr("srun could not start or follow the tasks"));
}

TEST_F(SlurmBackendTest, AJobThatCanNeverStartIsLostAtOnce) {
  auto backend = Make();
  RunKey key{JobId(20), 1};
  ASSERT_TRUE(backend->Launch(Spec(20)).ok());
  backend->Step();
  cluster_.squeue = "100|PENDING|PartitionNodeLimit|0|0||arbiter-j20-a1|\n";
  cluster_.commands.clear();
  backend->Step();
  std::vector<RunReport> reports = backend->Poll();
  ASSERT_THAT(reports, ElementsAre(Is(key, RunStatus::kLost)));
  EXPECT_EQ(reports[0].reason,
            "Slurm job 100 on cluster primary cannot start as the cluster is configured "
            "(PartitionNodeLimit)");
  EXPECT_THAT(cluster_.commands, ElementsAre("squeue", "sinfo", "scancel 100"));
}

TEST_F(SlurmBackendTest, StartTimeoutCancelsWhatDoesNotStart) {
  SlurmOptions options;
  options.start_timeout = absl::Minutes(2);
  auto backend = Make(options);
  RunKey key{JobId(16), 1};
  ASSERT_TRUE(backend->Launch(Spec(16)).ok());
  backend->Step();
  cluster_.squeue = "100|PENDING|ReqNodeNotAvail,_UnavailableNodes:n[1-3]|0|0||arbiter-j16-a1|\n";
  now_ += absl::Minutes(2) - absl::Seconds(1);
  backend->Step();
  EXPECT_THAT(backend->Poll(), IsEmpty());
  now_ += absl::Seconds(1);
  cluster_.commands.clear();
  backend->Step();
  std::vector<RunReport> reports = backend->Poll();
  ASSERT_THAT(reports, ElementsAre(Is(key, RunStatus::kLost)));
  EXPECT_EQ(reports[0].reason,
            "Slurm job 100 on cluster primary did not start within 2m "
            "(ReqNodeNotAvail,_UnavailableNodes:n[1-3])");
  EXPECT_THAT(cluster_.commands, ElementsAre("squeue", "sinfo", "scancel 100"));
}

TEST_F(SlurmBackendTest, ASecondCopyUnderTheSameNameIsStopped) {
  auto backend = Make();
  ASSERT_TRUE(backend->Launch(Spec(17)).ok());
  backend->Step();
  cluster_.squeue =
      "99|RUNNING|None|0|0|n1|arbiter-j17-a1|\n"
      "100|RUNNING|None|0|0|n2|arbiter-j17-a1|\n";
  cluster_.commands.clear();
  backend->Step();
  EXPECT_THAT(cluster_.commands, ElementsAre("squeue", "sinfo", "scancel 99"));
  EXPECT_THAT(backend->Poll(), ElementsAre(Is(RunKey{JobId(17), 1}, RunStatus::kRunning)));
}

TEST_F(SlurmBackendTest, ParallelSubmissionsEachOnce) {
  SlurmOptions options;
  options.submit_parallel = 3;
  auto backend = Make(options);
  for (int job = 0; job < 10; ++job) ASSERT_TRUE(backend->Launch(Spec(job)).ok());
  backend->Step();
  std::vector<std::string> sbatches;
  for (const std::string& c : cluster_.commands) {
    if (c.starts_with("sbatch")) sbatches.push_back(c);
  }
  std::sort(sbatches.begin(), sbatches.end());
  EXPECT_THAT(sbatches,
              ElementsAre("sbatch --job-name=arbiter-j0-a1", "sbatch --job-name=arbiter-j1-a1",
                          "sbatch --job-name=arbiter-j2-a1", "sbatch --job-name=arbiter-j3-a1",
                          "sbatch --job-name=arbiter-j4-a1", "sbatch --job-name=arbiter-j5-a1",
                          "sbatch --job-name=arbiter-j6-a1", "sbatch --job-name=arbiter-j7-a1",
                          "sbatch --job-name=arbiter-j8-a1", "sbatch --job-name=arbiter-j9-a1"));
  EXPECT_THAT(backend->Poll(), IsEmpty());  // all pending, none lost
  ASSERT_EQ(backend->Active()->size(), 10u);
}

TEST_F(SlurmBackendTest, BadOptionsAndSpecs) {
  SlurmOptions options;
  options.submit.job_prefix = "has space";
  EXPECT_FALSE(SlurmBackend::Create(options, std::make_unique<FakeRunner>(&cluster_)).ok());
  options = SlurmOptions{};
  options.conf = (dir_ / "missing" / "slurm.conf").string();
  absl::StatusOr<std::unique_ptr<SlurmBackend>> missing = SlurmBackend::Create(options);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("no slurm.conf at"));
  auto backend = Make();
  LaunchSpec spec = Spec(18);
  spec.nodes = 0;
  EXPECT_EQ(backend->Launch(spec).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace arbiter::slurm
