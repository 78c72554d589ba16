// SlurmBackend against real Slurm: the two local clusters of scripts/local-slurm.sh (primary and
// rival, 4 nodes x 4 GPUs each). Submit, a gang across nodes, exit codes, cancel, node failures,
// drain, controller restart and silence, and a backend restarted over its own runs.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "local_slurm.h"

namespace arbiter::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Whether process `pid` runs (a zombie does not: its parent, or PID 1 of a container that does
// not reap, has not collected it yet).
bool Alive(const std::string& pid) {
  std::string stat = Read("/proc/" + pid + "/stat");  // "PID (COMMAND) STATE ..."
  size_t close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

class SlurmClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* cluster : {"primary", "rival"}) {
      ASSERT_TRUE(std::filesystem::exists(SlurmConf(cluster)))
          << "no local Slurm cluster at " << SlurmConf(cluster)
          << "; start them with: bash scripts/local-slurm.sh up (the test command does)";
      slurm::CommandResult sinfo = Slurm(cluster, {"sinfo", "--noheader"});
      ASSERT_EQ(sinfo.exit_code, 0)
          << "Slurm cluster " << cluster << " does not answer: " << sinfo.err
          << "; start it with: bash scripts/local-slurm.sh up";
    }
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = std::filesystem::path(::testing::TempDir()) / StrCat("slurm-", getpid(), "-", name);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    // Slurm job names of this test only.
    prefix_ = StrCat("t", getpid(), "-", name);
  }

  void TearDown() override {
    // The clusters as they were: none of our jobs, every daemon up, no node down or drained.
    for (const char* cluster : {"primary", "rival"}) Slurm(cluster, {"scancel", "--me"});
    EXPECT_TRUE(LocalSlurm("up"));
    for (const char* cluster : {"primary", "rival"}) {
      EXPECT_TRUE(Eventually([&] {
        return Slurm(cluster, {"squeue", "--noheader", "--me"}).out.empty();
      })) << cluster
          << " still runs jobs";
    }
    std::filesystem::remove_all(dir_);
  }

  slurm::SlurmOptions Options() {
    slurm::SlurmOptions options;
    options.submit.job_prefix = prefix_;
    return options;
  }

  LaunchSpec Spec(int job, int nodes, int gpus, std::string run, int attempt = 1) {
    std::string id = StrCat(job);
    return LaunchSpec{.key = {JobId(job), attempt},
                      .job_name = "test",
                      .tenant = "lab",
                      .pool = "primary-gpu",
                      .nodes = nodes,
                      .accelerators_per_node = gpus,
                      .run = std::move(run),
                      .checkpoint_dir = (dir_ / "ckpt" / id).string(),
                      .log_dir = (dir_ / "logs" / id).string()};
  }

  // The state and nodes of our Slurm job named for `key`, as squeue shows it ("" when gone).
  std::string StateOf(const std::string& cluster, const RunKey& key) {
    return Field(cluster, key, "%T");
  }
  std::string NodesOf(const std::string& cluster, const RunKey& key) {
    return Field(cluster, key, "%N");
  }
  std::string Field(const std::string& cluster, const RunKey& key, const std::string& format) {
    std::string out = Slurm(cluster, {"squeue", "--noheader", "--me", "--states=all",
                                      "--name=" + slurm::RunName(prefix_, key), "-o", format})
                          .out;
    return std::string(StripWhitespace(out));
  }
  // Node names of a Slurm node list such as primary[1-2].
  std::vector<std::string> Hostnames(const std::string& cluster, const std::string& list) {
    std::vector<std::string> names;
    std::string out = Slurm(cluster, {"scontrol", "show", "hostnames", list}).out;
    for (std::string_view n : Split(StripWhitespace(out), '\n')) names.emplace_back(n);
    return names;
  }

  // A run that waits until the test releases it (creates `release` in its checkpoint directory).
  static constexpr char kUntilReleased[] =
      "echo $$ > \"$ARBITER_CHECKPOINT_DIR/pid-$ARBITER_NODE_RANK\"; "
      "while [ ! -e \"$ARBITER_CHECKPOINT_DIR/release\" ]; do sleep 0.1; done";
  // Every node of a kUntilReleased run has started its task.
  bool TasksStarted(const LaunchSpec& spec) {
    return Eventually([&] {
      for (int rank = 0; rank < spec.nodes; ++rank) {
        if (!std::filesystem::exists(std::filesystem::path(spec.checkpoint_dir) /
                                     StrCat("pid-", rank))) {
          return false;
        }
      }
      return true;
    });
  }
  void Release(const LaunchSpec& spec) {
    std::ofstream(std::filesystem::path(spec.checkpoint_dir) / "release") << "go\n";
  }

  std::filesystem::path dir_;
  std::string prefix_;
};

TEST_F(SlurmClusterTest, BothClustersReportTheirNodesAndGpus) {
  for (const char* cluster : {"primary", "rival"}) {
    WatchedBackend backend(cluster, Options());
    absl::StatusOr<std::optional<int32_t>> nodes = backend->Nodes();
    ASSERT_TRUE(nodes.ok()) << nodes.status();
    EXPECT_EQ(*nodes, 4) << cluster;
    absl::StatusOr<std::vector<slurm::SlurmNode>> all = backend->ClusterNodes();
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 4u);
    for (const slurm::SlurmNode& node : *all) {
      EXPECT_EQ(node.gres_count, 4) << node.name;
      EXPECT_TRUE(node.name.starts_with(cluster)) << node.name;
    }
  }
}

TEST_F(SlurmClusterTest, RunsAJobWithItsEnvironmentAndLogs) {
  // The daemon's own ARBITER_* variables and accelerators are not the job's.
  setenv("ARBITER_TOKEN", "daemon-secret", 1);
  setenv("CUDA_VISIBLE_DEVICES", "7", 1);
  WatchedBackend backend("primary", Options());
  unsetenv("ARBITER_TOKEN");
  unsetenv("CUDA_VISIBLE_DEVICES");
  LaunchSpec spec =
      Spec(1, 1, 2,
           "echo \"hello from $ARBITER_NODE_RANK\"; "
           "printf '%s\\n' \"$ARBITER_JOB_ID\" \"$ARBITER_NODE_RANK\" "
           "\"$ARBITER_NUM_NODES\" \"$ARBITER_MASTER_ADDR\" \"$CUDA_VISIBLE_DEVICES\" "
           "\"$ARBITER_CHECKPOINT_DIR\" \"$GREETING\" \"$PWD\" \"${ARBITER_TOKEN-none}\" > "
           "\"$ARBITER_CHECKPOINT_DIR/env\"");
  spec.env = {{"GREETING", "it's \"here\""}};
  spec.setup = "echo set-up > \"$ARBITER_CHECKPOINT_DIR/setup\"";
  spec.workdir = dir_.string();
  ASSERT_TRUE(backend->Launch(spec).ok());
  ASSERT_TRUE(backend.WaitFor(spec.key, RunStatus::kSucceeded));
  std::vector<RunReport> reports = backend.Of(spec.key);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].status, RunStatus::kRunning);
  EXPECT_EQ(Read(std::filesystem::path(spec.checkpoint_dir) / "env"),
            StrCat("1\n0\n1\n127.0.0.1\n0,1\n", spec.checkpoint_dir, "\nit's \"here\"\n",
                   dir_.string(), "\nnone\n"));
  EXPECT_EQ(Read(std::filesystem::path(spec.checkpoint_dir) / "setup"), "set-up\n");
  EXPECT_EQ(Read(std::filesystem::path(spec.log_dir) / "node-0.log"), "hello from 0\n");
  EXPECT_EQ(Read(std::filesystem::path(spec.log_dir) / "slurm-attempt-1.exit"), "0\n");
}

TEST_F(SlurmClusterTest, AGangSpansNodesOfOneCluster) {
  WatchedBackend backend("primary", Options());
  LaunchSpec spec = Spec(2, 3, 4,
                         "echo \"$ARBITER_NUM_NODES $ARBITER_MASTER_ADDR $ARBITER_MASTER_PORT "
                         "$CUDA_VISIBLE_DEVICES $SLURMD_NODENAME\" > "
                         "\"$ARBITER_CHECKPOINT_DIR/rank-$ARBITER_NODE_RANK\"");
  ASSERT_TRUE(backend->Launch(spec).ok());
  ASSERT_TRUE(backend.WaitFor(spec.key, RunStatus::kSucceeded));
  std::set<std::string> nodes;
  std::string master;
  for (int rank = 0; rank < 3; ++rank) {
    std::string line = Read(std::filesystem::path(spec.checkpoint_dir) / StrCat("rank-", rank));
    std::vector<std::string_view> f = Split(StripWhitespace(line), ' ');
    ASSERT_EQ(f.size(), 5u) << "rank " << rank;
    EXPECT_EQ(f[0], "3");
    EXPECT_EQ(f[1], "127.0.0.1");
    std::string this_master = StrCat(f[1], ":", f[2]);
    if (rank == 0) master = this_master;
    EXPECT_EQ(this_master, master) << "rank " << rank;
    EXPECT_EQ(f[3], "0,1,2,3");
    nodes.insert(std::string(f[4]));
  }
  EXPECT_EQ(nodes.size(), 3u);  // three Slurm nodes
  for (const std::string& n : nodes) EXPECT_TRUE(n.starts_with("primary")) << n;
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(spec.log_dir) / "node-2.log"));
}

TEST_F(SlurmClusterTest, ANonZeroExitIsTheJobsFailure) {
  WatchedBackend backend("rival", Options());
  LaunchSpec spec = Spec(3, 2, 1, "if [ \"$ARBITER_NODE_RANK\" = 1 ]; then exit 3; fi; sleep 30");
  ASSERT_TRUE(backend->Launch(spec).ok());
  ASSERT_TRUE(backend.WaitFor(spec.key, RunStatus::kFailed));
  std::vector<RunReport> reports = backend.Of(spec.key);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[1].exit_code, 3);
  EXPECT_THAT(reports[1].reason, HasSubstr("exited with code 3"));
}

TEST_F(SlurmClusterTest, AGangLargerThanTheClusterIsLost) {
  WatchedBackend backend("primary", Options());
  LaunchSpec spec = Spec(4, 5, 4, "true");  // 5 nodes on a 4-node cluster
  ASSERT_TRUE(backend->Launch(spec).ok());
  ASSERT_TRUE(backend.WaitFor(spec.key, RunStatus::kLost));
  EXPECT_THAT(backend.Of(spec.key)[0].reason,
              HasSubstr("cannot start as the cluster is configured (Partition"));
  EXPECT_TRUE(Eventually([&] { return StateOf("primary", spec.key) == "CANCELLED"; }));
}

TEST_F(SlurmClusterTest, MoreGpusThanANodeHasIsRefused) {
  WatchedBackend backend("primary", Options());
  LaunchSpec spec = Spec(15, 1, 8, "true");  // the nodes have 4
  ASSERT_TRUE(backend->Launch(spec).ok());
  ASSERT_TRUE(backend.WaitFor(spec.key, RunStatus::kLost));
  EXPECT_THAT(backend.Of(spec.key)[0].reason,
              HasSubstr("Slurm cluster primary refused the job: sbatch: error: Batch job "
                        "submission failed"));
}

TEST_F(SlurmClusterTest, CancelStopsEveryNodeOfARunningGang) {
  WatchedBackend backend("primary", Options());
  LaunchSpec spec = Spec(5, 2, 4, StrCat(kUntilReleased));
  ASSERT_TRUE(backend->Launch(spec).ok());
  ASSERT_TRUE(backend.WaitFor(spec.key, RunStatus::kRunning));
  std::filesystem::path ckpt = spec.checkpoint_dir;
  ASSERT_TRUE(TasksStarted(spec));
  ASSERT_TRUE(backend->Cancel(spec.key).ok());
  ASSERT_TRUE(backend.WaitFor(spec.key, RunStatus::kCancelled));
  for (const char* pid_file : {"pid-0", "pid-1"}) {
    std::string pid(StripWhitespace(Read(ckpt / pid_file)));
    EXPECT_FALSE(Alive(pid)) << "process " << pid << " still runs";
  }
  EXPECT_EQ(StateOf("primary", spec.key), "CANCELLED");
}

TEST_F(SlurmClusterTest, CancelAPendingJob) {
  WatchedBackend backend("primary", Options());
  LaunchSpec holder = Spec(6, 4, 4, StrCat(kUntilReleased));  // every GPU of the cluster
  LaunchSpec waiting = Spec(7, 1, 1, "true");
  ASSERT_TRUE(backend->Launch(holder).ok());
  ASSERT_TRUE(backend.WaitFor(holder.key, RunStatus::kRunning));
  ASSERT_TRUE(backend->Launch(waiting).ok());
  ASSERT_TRUE(Eventually([&] { return StateOf("primary", waiting.key) == "PENDING"; }));
  ASSERT_TRUE(backend->Cancel(waiting.key).ok());
  ASSERT_TRUE(backend.WaitFor(waiting.key, RunStatus::kCancelled));
  EXPECT_EQ(backend.Of(waiting.key).size(), 1u);  // never running
  Release(holder);
  ASSERT_TRUE(backend.WaitFor(holder.key, RunStatus::kSucceeded));
}

TEST_F(SlurmClusterTest, ANodeTakenDownEndsTheGangAsLost) {
  WatchedBackend backend("primary", Options());
  LaunchSpec spec = Spec(8, 2, 4, StrCat(kUntilReleased));
  ASSERT_TRUE(backend->Launch(spec).ok());
  ASSERT_TRUE(backend.WaitFor(spec.key, RunStatus::kRunning));
  std::vector<std::string> nodes = Hostnames("primary", NodesOf("primary", spec.key));
  ASSERT_EQ(nodes.size(), 2u);
  ASSERT_EQ(Slurm("primary", {"scontrol", "update", "nodename=" + nodes[1], "state=down",
                              "reason=arbiter-test"})
                .exit_code,
            0);
  ASSERT_TRUE(backend.WaitFor(spec.key, RunStatus::kLost));
  EXPECT_THAT(backend.Of(spec.key).back().reason, HasSubstr("lost a node (NodeDown)"));
}

TEST_F(SlurmClusterTest, ANodeWhoseSlurmdDiesEndsTheGangAsLost) {
  WatchedBackend backend("rival", Options());
  LaunchSpec spec = Spec(9, 1, 4, StrCat(kUntilReleased));
  ASSERT_TRUE(backend->Launch(spec).ok());
  ASSERT_TRUE(backend.WaitFor(spec.key, RunStatus::kRunning));
  std::vector<std::string> nodes = Hostnames("rival", NodesOf("rival", spec.key));
  ASSERT_EQ(nodes.size(), 1u);
  ASSERT_TRUE(LocalSlurm("stop-node rival " + nodes[0]));
  // The controller gives up on the node after SlurmdTimeout (20 s on the local clusters): the
  // job ends as NODE_FAIL, or as FAILED when srun on that node gave up first; lost either way.
  ASSERT_TRUE(backend.WaitFor(spec.key, RunStatus::kLost, absl::Seconds(120)));
  EXPECT_THAT(backend.Of(spec.key).back().reason, HasSubstr("on " + nodes[0]));
  EXPECT_TRUE(Eventually([&] { return *backend->Nodes() == 3; }));
}

TEST_F(SlurmClusterTest, DrainedNodesAreNoRoomAndRunningWorkGoesOn) {
  slurm::SlurmOptions options = Options();
  options.start_timeout = absl::Seconds(3);
  WatchedBackend backend("rival", options);
  LaunchSpec running = Spec(10, 1, 4, StrCat(kUntilReleased));
  ASSERT_TRUE(backend->Launch(running).ok());
  ASSERT_TRUE(backend.WaitFor(running.key, RunStatus::kRunning));
  ASSERT_EQ(Slurm("rival", {"scontrol", "update", "nodename=rival[1-4]", "state=drain",
                            "reason=arbiter-test"})
                .exit_code,
            0);
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<std::optional<int32_t>> n = backend->Nodes();
    return n.ok() && *n == 0;
  }));
  // A launch now waits on the cluster until the start timeout, then is lost and cancelled.
  LaunchSpec late = Spec(11, 1, 4, "true");
  ASSERT_TRUE(backend->Launch(late).ok());
  ASSERT_TRUE(backend.WaitFor(late.key, RunStatus::kLost));
  EXPECT_THAT(backend.Of(late.key).back().reason, HasSubstr("did not start within 3s"));
  EXPECT_TRUE(Eventually([&] { return StateOf("rival", late.key) == "CANCELLED"; }));
  // The running one was never disturbed.
  EXPECT_EQ(StateOf("rival", running.key), "RUNNING");
  EXPECT_EQ(backend.Of(running.key).size(), 1u);
  Release(running);
  ASSERT_TRUE(backend.WaitFor(running.key, RunStatus::kSucceeded));
}

TEST_F(SlurmClusterTest, ControllerRestartLosesNothing) {
  WatchedBackend backend("primary", Options());
  LaunchSpec spec = Spec(12, 2, 4, StrCat(kUntilReleased));
  ASSERT_TRUE(backend->Launch(spec).ok());
  ASSERT_TRUE(backend.WaitFor(spec.key, RunStatus::kRunning));
  // Both tasks started (srun needs the controller to start them, not to let them run).
  ASSERT_TRUE(TasksStarted(spec));
  ASSERT_TRUE(LocalSlurm("stop-controller primary"));
  ASSERT_TRUE(Eventually(
      [&] { return backend->Nodes().status().code() == absl::StatusCode::kUnavailable; }));
  EXPECT_THAT(backend->Nodes().status().message(),
              HasSubstr("Slurm cluster primary does not answer"));
  EXPECT_EQ(backend->Active().status().code(), absl::StatusCode::kUnavailable);
  // The job ends while the controller is away; the restarted controller learns it from slurmd.
  Release(spec);
  ASSERT_TRUE(LocalSlurm("up"));
  ASSERT_TRUE(backend.WaitFor(spec.key, RunStatus::kSucceeded));
  std::vector<RunReport> reports = backend.Of(spec.key);
  ASSERT_EQ(reports.size(), 2u) << reports.back().reason;  // running, succeeded: never lost
  // Room again once the job's nodes are cleaned up.
  EXPECT_TRUE(Eventually([&] {
    absl::StatusOr<std::optional<int32_t>> n = backend->Nodes();
    return n.ok() && *n == 4;
  }));
}

TEST_F(SlurmClusterTest, ASilentControllerPastTheGraceLosesTheRunAndStopsItLater) {
  slurm::SlurmOptions options = Options();
  options.lost_after = absl::Seconds(2);
  WatchedBackend backend("rival", options);
  LaunchSpec spec = Spec(13, 1, 4, StrCat(kUntilReleased));
  ASSERT_TRUE(backend->Launch(spec).ok());
  ASSERT_TRUE(backend.WaitFor(spec.key, RunStatus::kRunning));
  ASSERT_TRUE(TasksStarted(spec));
  ASSERT_TRUE(LocalSlurm("stop-controller rival"));
  ASSERT_TRUE(backend.WaitFor(spec.key, RunStatus::kLost, absl::Seconds(120)));
  EXPECT_THAT(backend.Of(spec.key).back().reason,
              HasSubstr("the controller of Slurm cluster rival has not answered for"));
  // When it answers again, the run (still going on its node) is stopped: Arbiter may have
  // started it elsewhere meanwhile.
  ASSERT_TRUE(LocalSlurm("up"));
  EXPECT_TRUE(Eventually([&] { return StateOf("rival", spec.key) == "CANCELLED"; }));
  EXPECT_EQ(backend.Of(spec.key).size(), 2u);
}

TEST_F(SlurmClusterTest, ARestartedBackendFindsItsRunAndSubmitsNoSecondCopy) {
  LaunchSpec spec = Spec(14, 2, 2, StrCat(kUntilReleased), 3);
  {
    WatchedBackend first("primary", Options());
    ASSERT_TRUE(first->Launch(spec).ok());
    ASSERT_TRUE(first.WaitFor(spec.key, RunStatus::kRunning));
  }
  WatchedBackend second("primary", Options());
  absl::StatusOr<std::vector<RunKey>> active = second->Active();
  ASSERT_TRUE(active.ok()) << active.status();
  EXPECT_THAT(*active, ElementsAre(spec.key));
  ASSERT_TRUE(second->Launch(spec).ok());  // asked again: found, not submitted
  ASSERT_TRUE(second->Active().ok());      // a full round of the backend after the launch
  std::string ids = Field("primary", spec.key, "%i");
  EXPECT_EQ(Split(ids, '\n').size(), 1u) << ids;
  ASSERT_TRUE(second->Cancel(spec.key).ok());
  ASSERT_TRUE(second.WaitFor(spec.key, RunStatus::kCancelled));
}

}  // namespace
}  // namespace arbiter::testing
