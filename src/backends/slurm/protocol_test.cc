#include "backends/slurm/protocol.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbiter::slurm {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(RunNameTest, CarriesJobAndAttemptBothWays) {
  RunKey key{JobId(12), 3};
  EXPECT_EQ(RunName("arbiter", key), "arbiter-j12-a3");
  EXPECT_EQ(ParseRunName("arbiter", "arbiter-j12-a3"), key);
  EXPECT_EQ(ParseRunName("lab-east", "lab-east-j0-a0"), (RunKey{JobId(0), 0}));
}

TEST(RunNameTest, OtherNamesAreNotRuns) {
  EXPECT_EQ(ParseRunName("arbiter", "arbiter2-j12-a3"), std::nullopt);  // another prefix
  EXPECT_EQ(ParseRunName("arbiter", "arbiter-j12"), std::nullopt);
  EXPECT_EQ(ParseRunName("arbiter", "arbiter-j-a3"), std::nullopt);
  EXPECT_EQ(ParseRunName("arbiter", "arbiter-j1x-a3"), std::nullopt);
  EXPECT_EQ(ParseRunName("arbiter", "arbiter-j12-a3b"), std::nullopt);
  EXPECT_EQ(ParseRunName("arbiter", "arbiter-j99999999999-a1"), std::nullopt);  // > int32
  EXPECT_EQ(ParseRunName("arbiter", "train.sh"), std::nullopt);
}

// Captured from `squeue` of slurm-wlm 22.05.8 on a cluster of scripts/local-slurm.sh, with the
// arguments of SqueueArgs(); one job named with a '|' in it.
constexpr char kSqueue[] =
    "4|CANCELLED|None|15|0|primary1|rq|\n"
    "1|COMPLETED|None|0|0|primary[1-2]|arbiter-j7-a1|\n"
    "5|COMPLETED|None|0|0|primary1|xxxx|pipe|\n"
    "2|FAILED|NonZeroExitCode|512|0|primary1|arbiter-test|\n"
    "3|NODE_FAIL|NodeDown|0|0|primary[1-2]|arbiter-j9-a2|\n"
    "6|PENDING|Resources|0|0||arbiter-j10-a1|\n"
    "7_1|RUNNING|None|0|0|primary3|array|\n";

TEST(ParseSqueueTest, ReadsEveryField) {
  absl::StatusOr<std::vector<SlurmJob>> jobs = ParseSqueue(kSqueue);
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  ASSERT_EQ(jobs->size(), 6u);  // the array task is skipped
  const SlurmJob& cancelled = (*jobs)[0];
  EXPECT_EQ(cancelled.id, 4);
  EXPECT_EQ(cancelled.state, "CANCELLED");
  EXPECT_EQ(cancelled.reason, "None");
  EXPECT_EQ(cancelled.wait_status, 15);
  EXPECT_EQ(cancelled.nodes, "primary1");
  EXPECT_EQ(cancelled.name, "rq");
  EXPECT_EQ((*jobs)[1].name, "arbiter-j7-a1");
  EXPECT_EQ((*jobs)[1].nodes, "primary[1-2]");
  EXPECT_EQ((*jobs)[2].name, "xxxx|pipe");
  EXPECT_EQ((*jobs)[3].wait_status, 512);
  EXPECT_EQ((*jobs)[4].reason, "NodeDown");
  EXPECT_EQ((*jobs)[5].nodes, "");
  EXPECT_EQ((*jobs)[5].state, "PENDING");
}

TEST(ParseSqueueTest, EmptyIsNoJobs) {
  absl::StatusOr<std::vector<SlurmJob>> jobs = ParseSqueue("");
  ASSERT_TRUE(jobs.ok());
  EXPECT_TRUE(jobs->empty());
}

TEST(ParseSqueueTest, MalformedLinesNameTheLine) {
  absl::StatusOr<std::vector<SlurmJob>> jobs = ParseSqueue("1|RUNNING|None|0|0|n1|a|\n2|RUNNING\n");
  ASSERT_FALSE(jobs.ok());
  EXPECT_THAT(jobs.status().message(), HasSubstr("squeue line 2"));
  jobs = ParseSqueue("x|RUNNING|None|0|0|n1|a|\n");
  ASSERT_FALSE(jobs.ok());
  EXPECT_THAT(jobs.status().message(), HasSubstr("job id that is not a number"));
  jobs = ParseSqueue("1|FAILED|None|abc|0|n1|a|\n");
  ASSERT_FALSE(jobs.ok());
  EXPECT_THAT(jobs.status().message(), HasSubstr("exit code"));
}

SlurmJob Job(std::string state, std::string reason = "None", int wait_status = 0,
             int restarts = 0) {
  return SlurmJob{.id = 41,
                  .name = "arbiter-j1-a1",
                  .state = std::move(state),
                  .reason = std::move(reason),
                  .wait_status = wait_status,
                  .restarts = restarts,
                  .nodes = "primary[1-2]"};
}

TEST(PhaseTest, SlurmStatesMapToPhases) {
  EXPECT_EQ(PhaseOf(Job("PENDING", "Resources")), Phase::kWaiting);
  EXPECT_EQ(PhaseOf(Job("CONFIGURING")), Phase::kWaiting);
  EXPECT_EQ(PhaseOf(Job("RUNNING")), Phase::kRunning);
  EXPECT_EQ(PhaseOf(Job("COMPLETING")), Phase::kRunning);
  EXPECT_EQ(PhaseOf(Job("SUSPENDED")), Phase::kRunning);
  EXPECT_EQ(PhaseOf(Job("REQUEUED")), Phase::kRequeued);
  EXPECT_EQ(PhaseOf(Job("REQUEUE_HOLD")), Phase::kRequeued);
  // Pending or running again after Slurm requeued it: not the run Arbiter started.
  EXPECT_EQ(PhaseOf(Job("PENDING", "BeginTime", 0, 1)), Phase::kRequeued);
  EXPECT_EQ(PhaseOf(Job("RUNNING", "None", 0, 1)), Phase::kRequeued);
  for (const char* ended : {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
                            "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY"}) {
    EXPECT_EQ(PhaseOf(Job(ended)), Phase::kEnded) << ended;
  }
}

TEST(OutcomeTest, HowEachEndIsReported) {
  RunKey key{JobId(1), 1};
  RunReport done = Outcome(Job("COMPLETED"), key, false);
  EXPECT_EQ(done.status, RunStatus::kSucceeded);
  EXPECT_EQ(done.key, key);

  RunReport failed = Outcome(Job("FAILED", "NonZeroExitCode", 512), key, false);
  EXPECT_EQ(failed.status, RunStatus::kFailed);
  EXPECT_EQ(failed.exit_code, 2);
  EXPECT_EQ(failed.reason, "Slurm job 41 on primary[1-2] exited with code 2");

  // As on the local backend: killed by SIGKILL (or HUP, INT, TERM) is not the job's fault, a
  // crash is.
  RunReport killed = Outcome(Job("FAILED", "RaisedSignal:9(Killed)", 9), key, false);
  EXPECT_EQ(killed.status, RunStatus::kLost);
  EXPECT_EQ(killed.reason, "Slurm job 41 on primary[1-2]: a node was killed by signal 9");
  RunReport terminated =
      Outcome(Job("FAILED", "NonZeroExitCode", 143 << 8), key, false, ScriptExit{.code = 143});
  EXPECT_EQ(terminated.status, RunStatus::kLost);
  RunReport crashed = Outcome(Job("FAILED", "NonZeroExitCode", 139 << 8), key, false);
  EXPECT_EQ(crashed.status, RunStatus::kFailed);
  EXPECT_EQ(crashed.exit_code, 139);

  // FAILED without the script's own failure: Slurm could not launch it.
  RunReport launch = Outcome(Job("FAILED", "JobLaunchFailure"), key, false);
  EXPECT_EQ(launch.status, RunStatus::kLost);
  EXPECT_EQ(launch.reason, "Slurm job 41 on primary[1-2] could not be run (JobLaunchFailure)");

  // The gang's exit status as the batch script recorded it: the first node that failed (srun
  // itself reports the highest, e.g. 143 of a node it stopped).
  RunReport first =
      Outcome(Job("FAILED", "NonZeroExitCode", 143 << 8), key, false, ScriptExit{.code = 3});
  EXPECT_EQ(first.status, RunStatus::kFailed);
  EXPECT_EQ(first.exit_code, 3);
  // srun failed and no node did: not the job's fault.
  RunReport launcher = Outcome(Job("FAILED", "NonZeroExitCode", 1 << 8), key, false,
                               ScriptExit{.code = 1, .launcher_failed = true});
  EXPECT_EQ(launcher.status, RunStatus::kLost);
  EXPECT_EQ(launcher.reason,
            "Slurm job 41 on primary[1-2]: srun could not start or follow the tasks (exit code "
            "1); no node failed");

  EXPECT_EQ(Outcome(Job("CANCELLED", "None", 15), key, true).status, RunStatus::kCancelled);
  RunReport theirs = Outcome(Job("CANCELLED", "None", 15), key, false);
  EXPECT_EQ(theirs.status, RunStatus::kLost);
  EXPECT_EQ(theirs.reason,
            "Slurm job 41 on primary[1-2] was cancelled on the cluster, not by Arbiter");

  RunReport node = Outcome(Job("NODE_FAIL", "NodeDown"), key, false);
  EXPECT_EQ(node.status, RunStatus::kLost);
  EXPECT_EQ(node.reason, "Slurm job 41 on primary[1-2] lost a node (NodeDown)");
  EXPECT_EQ(Outcome(Job("PREEMPTED"), key, false).reason,
            "Slurm job 41 on primary[1-2] was preempted");
  EXPECT_EQ(Outcome(Job("TIMEOUT"), key, false).status, RunStatus::kLost);
  EXPECT_EQ(Outcome(Job("OUT_OF_MEMORY", "OutOfMemory", 0), key, false).status, RunStatus::kFailed);
  EXPECT_EQ(Outcome(Job("REVOKED"), key, false).reason,
            "Slurm job 41 on primary[1-2] ended in state REVOKED");
}

TEST(PhaseTest, PendingReasonsThatNeverStart) {
  EXPECT_TRUE(NeverStarts(Job("PENDING", "PartitionNodeLimit")));
  EXPECT_TRUE(NeverStarts(Job("PENDING", "InvalidQOS")));
  EXPECT_FALSE(NeverStarts(Job("PENDING", "Resources")));
  EXPECT_FALSE(NeverStarts(Job("PENDING", "ReqNodeNotAvail,_UnavailableNodes:n[1-4]")));
  EXPECT_FALSE(NeverStarts(Job("PENDING", "PartitionDown")));
  EXPECT_FALSE(NeverStarts(Job("RUNNING", "PartitionNodeLimit")));
}

TEST(ExitCodeTest, WaitStatuses) {
  EXPECT_EQ(ExitCodeOf(0), 0);
  EXPECT_EQ(ExitCodeOf(3 << 8), 3);
  EXPECT_EQ(ExitCodeOf(15), 143);
  std::optional<ScriptExit> exit = ParseExitStatus("3\n");
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->code, 3);
  EXPECT_FALSE(exit->launcher_failed);
  exit = ParseExitStatus("launcher 1\n");
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->code, 1);
  EXPECT_TRUE(exit->launcher_failed);
  EXPECT_EQ(ParseExitStatus("0")->code, 0);
  EXPECT_FALSE(ParseExitStatus("").has_value());
  EXPECT_FALSE(ParseExitStatus("x").has_value());
  EXPECT_FALSE(ParseExitStatus("launcher").has_value());
}

TEST(SbatchTest, ParsesTheJobId) {
  EXPECT_EQ(*ParseSbatchJobId("42\n"), 42);
  EXPECT_EQ(*ParseSbatchJobId("42;primary\n"), 42);
  absl::StatusOr<int64_t> bad = ParseSbatchJobId("Submitted batch job 42\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("expected a job id"));
}

// Captured from `sinfo` (SinfoArgs) on a local cluster with one node drained and one allocated,
// plus the other shapes sinfo prints.
constexpr char kSinfo[] =
    "rival1|idle|gpu:4\n"
    "rival2|idle|gpu:4\n"
    "rival3|drain|gpu:4\n"
    "rival4|alloc|gpu:4\n"
    "rival4|alloc|gpu:4\n"  // in a second partition
    "rival5|down*|gpu:a100:8(S:0-1)\n"
    "rival6|mix-|gpu:2,shard:8\n"
    "rival7|idle~|(null)\n"
    "rival8|drng|gpu:4\n";

TEST(ParseSinfoTest, NodesStatesAndGres) {
  absl::StatusOr<std::vector<SlurmNode>> nodes = ParseSinfo(kSinfo, "gpu");
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  ASSERT_EQ(nodes->size(), 8u);
  std::vector<bool> usable;
  std::vector<int> gres;
  for (const SlurmNode& n : *nodes) {
    usable.push_back(Usable(n));
    gres.push_back(n.gres_count);
  }
  EXPECT_THAT(usable, ElementsAre(true, true, false, true, false, true, false, false));
  EXPECT_THAT(gres, ElementsAre(4, 4, 4, 4, 8, 2, 0, 4));
  EXPECT_EQ((*nodes)[4].state, "down*");
}

TEST(ParseSinfoTest, MalformedLine) {
  absl::StatusOr<std::vector<SlurmNode>> nodes = ParseSinfo("n1|idle\n", "gpu");
  ASSERT_FALSE(nodes.ok());
  EXPECT_THAT(nodes.status().message(), HasSubstr("sinfo line 1"));
}

LaunchSpec Spec() {
  return LaunchSpec{.key = {JobId(7), 2},
                    .job_name = "train",
                    .tenant = "lab",
                    .pool = "primary-gpu",
                    .nodes = 2,
                    .accelerators_per_node = 4,
                    .env = {{"LR", "0.1"}},
                    .setup = "echo setup",
                    .run = "echo run",
                    .checkpoint_dir = "/ckpt/7",
                    .log_dir = "/logs/7"};
}

TEST(SbatchTest, Arguments) {
  SubmitOptions options{.partition = "gpu", .account = "lab", .qos = "high"};
  EXPECT_THAT(SbatchArgs(Spec(), options),
              ElementsAre("sbatch", "--parsable", "--job-name=arbiter-j7-a2",
                          "--comment=arbiter job=7 attempt=2 tenant=lab pool=primary-gpu",
                          "--nodes=2", "--ntasks-per-node=1", "--no-requeue", "--chdir=/logs/7",
                          "--output=/logs/7/slurm-attempt-2.log", "--open-mode=append",
                          "--gres=gpu:4", "--partition=gpu", "--account=lab", "--qos=high"));
  options.exclusive = true;
  EXPECT_THAT(SbatchArgs(Spec(), options), ::testing::Contains("--exclusive"));
  LaunchSpec cpu = Spec();
  cpu.accelerators_per_node = 0;
  cpu.workdir = "/src";
  std::vector<std::string> args = SbatchArgs(cpu, SubmitOptions{});
  EXPECT_THAT(args, ::testing::Contains("--chdir=/src"));
  EXPECT_THAT(args, ::testing::Not(::testing::Contains(HasSubstr("--gres"))));
}

TEST(BatchScriptTest, RejectsWhatCannotRun) {
  LaunchSpec spec = Spec();
  spec.nodes = 0;
  EXPECT_THAT(BatchScript(spec).status().message(), HasSubstr("nodes is 0; expected >= 1"));
  spec = Spec();
  spec.env = {{"BAD-NAME", "x"}};
  EXPECT_THAT(BatchScript(spec).status().message(), HasSubstr("'BAD-NAME' is not allowed"));
  spec.env = {{"ARBITER_NODE_RANK", "5"}};
  EXPECT_THAT(BatchScript(spec).status().message(), HasSubstr("'ARBITER_NODE_RANK'"));
  spec = Spec();
  spec.log_dir.clear();
  EXPECT_FALSE(BatchScript(spec).ok());
}

// The script's quoting, run by bash with a stand-in for srun that runs the task once as rank 1
// of 2 (the real srun is exercised by the tests against local Slurm clusters in tests/slurm).
TEST(BatchScriptTest, QuotingSurvivesBash) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("arbiter-batch-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "bin");
  {
    std::ofstream srun(dir / "bin" / "srun");
    // Drops srun's options, then runs the command with the environment srun would give task 1.
    srun << "#!/bin/bash\nwhile [[ \"$1\" == --* ]]; do shift; done\n"
            "SLURM_PROCID=1 SLURM_LAUNCH_NODE_IPADDR=10.0.0.5 SLURM_GPUS_ON_NODE=2 "
            "exec \"$@\"\n";
  }
  std::filesystem::permissions(dir / "bin" / "srun", std::filesystem::perms::owner_all);
  LaunchSpec spec = Spec();
  spec.log_dir = dir.string();
  spec.checkpoint_dir = (dir / "ckpt dir").string();
  spec.env = {{"QUOTED", "it's $HOME `x` \"y\"\nz"}};
  spec.setup = "echo \"setup rank $ARBITER_NODE_RANK\" > \"$ARBITER_CHECKPOINT_DIR/setup\"";
  spec.run =
      "printf '%s|' \"$QUOTED\" \"$ARBITER_JOB_ID\" \"$ARBITER_JOB_NAME\" \"$ARBITER_ATTEMPT\" "
      "\"$ARBITER_NODE_RANK\" "
      "\"$ARBITER_NUM_NODES\" \"$ARBITER_MASTER_ADDR\" \"$CUDA_VISIBLE_DEVICES\" > "
      "\"$ARBITER_CHECKPOINT_DIR/out\"; exit 3";
  absl::StatusOr<std::string> script = BatchScript(spec);
  ASSERT_TRUE(script.ok()) << script.status();
  std::filesystem::path file = dir / "job.sh";
  std::ofstream(file) << *script;
  std::string command = "cd '" + dir.string() + "' && env -u CUDA_VISIBLE_DEVICES PATH='" +
                        (dir / "bin").string() +
                        ":/usr/bin:/bin' SLURM_JOB_ID=4 SLURM_JOB_NUM_NODES=2 bash job.sh";
  int status = std::system(command.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 3);
  auto read = [](const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  EXPECT_EQ(read(dir / "ckpt dir" / "out"), "it's $HOME `x` \"y\"\nz|7|train|2|1|2|10.0.0.5|0,1|");
  EXPECT_EQ(read(dir / "ckpt dir" / "setup"), "setup rank 1\n");
  EXPECT_EQ(read(dir / "slurm-attempt-2.exit"), "3\n");

  // srun failing on its own (no node ran, none failed): recorded as the launcher's failure.
  std::ofstream(dir / "bin" / "srun") << "#!/bin/bash\nexit 1\n";
  spec.key.attempt = 3;
  script = BatchScript(spec);
  ASSERT_TRUE(script.ok());
  std::ofstream(file) << *script;
  status = std::system(command.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_EQ(read(dir / "slurm-attempt-3.exit"), "launcher 1\n");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace arbiter::slurm
