// The local backend with real processes (short shell commands). Nothing here sleeps to wait for
// something: tests poll the backend, or a file, until a bounded deadline.
#include "backends/local/local_backend.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "backends/local/proc.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/strings.h"

namespace arbiter {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr auto kDeadline = std::chrono::seconds(20);

// A fresh directory per test, removed afterwards.
class Scratch {
 public:
  Scratch() {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::path(::testing::TempDir()) /
            StrCat("arbiter-local-", info->test_suite_name(), ".", info->name(), "-", ::getpid());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  std::string File(std::string_view name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Polls `check` every 10 ms until it holds or the deadline passes.
bool Eventually(const std::function<bool()>& check) {
  const auto until = std::chrono::steady_clock::now() + kDeadline;
  while (std::chrono::steady_clock::now() < until) {
    if (check()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return check();
}

std::string Describe(const RunReport& r) {
  static constexpr const char* kNames[] = {"running", "succeeded", "failed", "lost", "cancelled"};
  return StrCat(r.key.job.value(), "-", r.key.attempt, " ", kNames[static_cast<int>(r.status)],
                r.exit_code != 0 ? StrCat(" ", r.exit_code) : std::string(),
                r.reason.empty() ? std::string() : StrCat(": ", r.reason));
}

// Polls `backend` until reports have ended the runs of all `keys`; returns every report seen,
// described.
std::vector<std::string> PollUntilEnd(Backend& backend, std::vector<RunKey> keys) {
  std::vector<std::string> seen;
  Eventually([&] {
    for (const RunReport& r : backend.Poll()) {
      seen.push_back(Describe(r));
      if (r.status != RunStatus::kRunning) std::erase(keys, r.key);
    }
    return keys.empty();
  });
  EXPECT_THAT(keys, IsEmpty()) << "runs that did not end in time";
  return seen;
}
std::vector<std::string> PollUntilEnd(Backend& backend, RunKey key) {
  return PollUntilEnd(backend, std::vector<RunKey>{key});
}

// Gone, or a zombie: it has exited (its parent, maybe not this process, reaps it).
bool ProcessGone(pid_t pid) {
  std::optional<local::ProcStat> stat = local::ReadProcStat(pid);
  return !stat || stat->state == 'Z' || stat->state == 'X';
}

// The pid written in `path` by a job (`echo $$ > path`), once it is there.
pid_t PidIn(const std::string& path) {
  pid_t pid = 0;
  Eventually([&] {
    std::string text = Slurp(path);
    if (text.empty() || text.back() != '\n') return false;
    pid = static_cast<pid_t>(std::stol(text));
    return true;
  });
  return pid;
}

class LocalBackendTest : public ::testing::Test {
 protected:
  std::unique_ptr<LocalBackend> Make(std::vector<std::vector<int32_t>> devices = {{0, 1, 2, 3},
                                                                                  {4, 5, 6, 7}},
                                     int64_t grace_ms = 10'000) {
    LocalBackendOptions options;
    options.dir = scratch_.File("backend");
    options.pool = "primary/local/H100";
    options.devices = std::move(devices);
    options.grace_ms = grace_ms;
    absl::StatusOr<std::unique_ptr<LocalBackend>> backend = LocalBackend::Create(options);
    EXPECT_TRUE(backend.ok()) << backend.status();
    return backend.ok() ? *std::move(backend) : nullptr;
  }

  LaunchSpec Spec(int32_t job, int64_t attempt, int32_t nodes, int32_t per_node, std::string run) {
    LaunchSpec spec;
    spec.key = {JobId(job), attempt};
    spec.job_name = StrCat("job", job);
    spec.tenant = "lab";
    spec.pool = "primary/local/H100";
    spec.nodes = nodes;
    spec.accelerators_per_node = per_node;
    spec.run = std::move(run);
    spec.workdir = scratch_.File("");
    spec.checkpoint_dir = scratch_.File(StrCat("ckpt-", job));
    spec.log_dir = scratch_.File(StrCat("logs-", job, "-", attempt));
    return spec;
  }

  std::string Log(int32_t job, int64_t attempt, int rank) {
    return Slurp(scratch_.File(StrCat("logs-", job, "-", attempt, "/node-", rank, ".log")));
  }

  Scratch scratch_;
};

TEST_F(LocalBackendTest, OneNodeRunsSetupThenRunInItsWorkdirWithItsEnvironment) {
  std::unique_ptr<LocalBackend> backend = Make();
  LaunchSpec spec =
      Spec(7, 1, 1, 2,
           "echo \"run in $(pwd)\"\n"
           "echo \"id=$ARBITER_JOB_ID name=$ARBITER_JOB_NAME attempt=$ARBITER_ATTEMPT "
           "rank=$ARBITER_NODE_RANK of $ARBITER_NUM_NODES\"\n"
           "echo \"devices=$CUDA_VISIBLE_DEVICES ckpt=$ARBITER_CHECKPOINT_DIR\"\n"
           "echo \"greeting=$GREETING master=$ARBITER_MASTER_ADDR\"\n"
           "echo oops >&2\n");
  spec.setup = "echo setting up\n";
  spec.env = {{"GREETING", "hello"}};
  fs::create_directories(scratch_.File("code"));
  spec.workdir = scratch_.File("code");
  ASSERT_TRUE(backend->Launch(spec).ok());
  EXPECT_THAT(backend->FreeDevices(), ElementsAre(2, 4));
  EXPECT_THAT(*backend->Active(), ElementsAre(RunKey{JobId(7), 1}));
  EXPECT_THAT(PollUntilEnd(*backend, spec.key), ElementsAre("7-1 running", "7-1 succeeded"));
  EXPECT_EQ(Log(7, 1, 0),
            StrCat("setting up\nrun in ", scratch_.File("code"),
                   "\nid=7 name=job7 attempt=1 rank=0 of 1\ndevices=0,1 ckpt=",
                   scratch_.File("ckpt-7"), "\ngreeting=hello master=127.0.0.1\noops\n"));
  EXPECT_TRUE(fs::is_directory(scratch_.File("ckpt-7")));
  // The end was returned: no longer active, and its devices are free again.
  EXPECT_THAT(*backend->Active(), IsEmpty());
  EXPECT_THAT(backend->FreeDevices(), ElementsAre(4, 4));
  EXPECT_THAT(backend->Poll(), IsEmpty());
  EXPECT_FALSE(fs::exists(scratch_.File("backend/7-1")));  // received: forgotten
  EXPECT_EQ(*backend->Nodes(), std::nullopt);
}

TEST_F(LocalBackendTest, GangNodesShareMasterAndCheckpointAndGetTheirOwnRanksAndDevices) {
  std::unique_ptr<LocalBackend> backend = Make();
  const LaunchSpec spec =
      Spec(3, 0, 2, 4,
           "echo \"$ARBITER_NODE_RANK/$ARBITER_NUM_NODES $ARBITER_MASTER_ADDR:$ARBITER_MASTER_PORT "
           "$CUDA_VISIBLE_DEVICES $ARBITER_CHECKPOINT_DIR\"\n");
  ASSERT_TRUE(backend->Launch(spec).ok());
  EXPECT_THAT(backend->FreeDevices(), ElementsAre(0, 0));
  EXPECT_THAT(PollUntilEnd(*backend, spec.key), ElementsAre("3-0 running", "3-0 succeeded"));
  const std::string log0 = Log(3, 0, 0);
  const std::string log1 = Log(3, 0, 1);
  ASSERT_THAT(log0, HasSubstr("0/2 127.0.0.1:"));
  ASSERT_THAT(log1, HasSubstr("1/2 127.0.0.1:"));
  const std::string master0 = log0.substr(4, log0.find(' ', 4) - 4);
  const std::string master1 = log1.substr(4, log1.find(' ', 4) - 4);
  EXPECT_EQ(master0, master1);
  EXPECT_NE(master0, "127.0.0.1:0");
  EXPECT_THAT(log0, HasSubstr(StrCat(" 0,1,2,3 ", scratch_.File("ckpt-3"), "\n")));
  EXPECT_THAT(log1, HasSubstr(StrCat(" 4,5,6,7 ", scratch_.File("ckpt-3"), "\n")));
}

TEST_F(LocalBackendTest, NodesShareAPoolNodeAndALaunchWithoutRoomFails) {
  std::unique_ptr<LocalBackend> backend = Make({{10, 11, 12, 13}, {20, 21, 22, 23}});
  const std::string wait = StrCat("while [ ! -e ", scratch_.File("go"),
                                  " ]; do sleep 0.01; done\n"
                                  "echo $CUDA_VISIBLE_DEVICES\n");
  ASSERT_TRUE(backend->Launch(Spec(1, 0, 2, 2, wait)).ok());  // both on pool node 0
  ASSERT_TRUE(backend->Launch(Spec(2, 0, 1, 3, wait)).ok());  // pool node 1
  EXPECT_THAT(backend->FreeDevices(), ElementsAre(0, 1));
  const absl::Status full = backend->Launch(Spec(4, 0, 1, 2, wait));
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(full.message(),
            "pool primary/local/H100: no node has 2 free accelerators for node 0 of run 4-0 "
            "(free per node: 0, 1)");
  EXPECT_FALSE(fs::exists(scratch_.File("backend/4-0")));
  const absl::Status twice = backend->Launch(Spec(1, 0, 1, 1, wait));
  EXPECT_EQ(twice.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(backend->Launch(Spec(5, 0, 0, 1, wait)).code(), absl::StatusCode::kInvalidArgument);
  const absl::Status wide = backend->Launch(Spec(6, 0, 1, 5, wait));
  EXPECT_EQ(wide.message(),
            "run 6-0: 5 accelerators per node; pool primary/local/H100 has 2 nodes of 4");
  std::ofstream(scratch_.File("go")).close();
  PollUntilEnd(*backend, std::vector<RunKey>{{JobId(1), 0}, {JobId(2), 0}});
  EXPECT_EQ(Log(1, 0, 0), "10,11\n");
  EXPECT_EQ(Log(1, 0, 1), "12,13\n");
  EXPECT_EQ(Log(2, 0, 0), "20,21,22\n");
  EXPECT_THAT(backend->FreeDevices(), ElementsAre(4, 4));
}

TEST_F(LocalBackendTest, ANonZeroExitFailsTheRunWithItsCodeAndStopsTheOtherNodes) {
  std::unique_ptr<LocalBackend> backend = Make();
  const LaunchSpec spec =
      Spec(5, 2, 2, 1,
           StrCat("if [ \"$ARBITER_NODE_RANK\" = 1 ]; then exit 3; fi\n"
                  "echo $$ > ",
                  scratch_.File("rank0.pid.tmp"), "; mv ", scratch_.File("rank0.pid.tmp"), " ",
                  scratch_.File("rank0.pid"), "\nexec sleep 60\n"));
  ASSERT_TRUE(backend->Launch(spec).ok());
  const pid_t rank0 = PidIn(scratch_.File("rank0.pid"));
  EXPECT_THAT(PollUntilEnd(*backend, spec.key),
              ElementsAre("5-2 running", "5-2 failed 3: node 1 exited with 3"));
  EXPECT_TRUE(ProcessGone(rank0));
  EXPECT_THAT(backend->FreeDevices(), ElementsAre(4, 4));
}

TEST_F(LocalBackendTest, ASetupThatFailsEndsTheNodeBeforeRun) {
  std::unique_ptr<LocalBackend> backend = Make();
  LaunchSpec spec = Spec(6, 0, 1, 1, "echo should not run\n");
  spec.setup = "echo broken setup; exit 4\n";
  ASSERT_TRUE(backend->Launch(spec).ok());
  EXPECT_THAT(PollUntilEnd(*backend, spec.key),
              ElementsAre("6-0 running", "6-0 failed 4: node 0 exited with 4"));
  EXPECT_EQ(Log(6, 0, 0), "broken setup\n");
  // A workdir that is not there is the job's own mistake too.
  LaunchSpec lost_dir = Spec(6, 1, 1, 1, "true\n");
  lost_dir.workdir = scratch_.File("nowhere");
  ASSERT_TRUE(backend->Launch(lost_dir).ok());
  EXPECT_THAT(PollUntilEnd(*backend, lost_dir.key),
              ElementsAre("6-1 running", "6-1 failed 1: node 0 exited with 1"));
  EXPECT_EQ(Log(6, 1, 0),
            StrCat("arbiter: cannot enter the workdir ", scratch_.File("nowhere"), "\n"));
}

TEST_F(LocalBackendTest, AKilledNodeLosesTheRunAndItsCheckpointDirectoryStays) {
  std::unique_ptr<LocalBackend> backend = Make();
  const std::string pid_file = scratch_.File("rank1.pid");
  const LaunchSpec spec =
      Spec(8, 0, 2, 1,
           StrCat("echo step-1 > \"$ARBITER_CHECKPOINT_DIR/rank$ARBITER_NODE_RANK\"\n"
                  "if [ \"$ARBITER_NODE_RANK\" = 1 ]; then echo $$ > ",
                  pid_file, ".tmp; mv ", pid_file, ".tmp ", pid_file, "; fi\nexec sleep 60\n"));
  ASSERT_TRUE(backend->Launch(spec).ok());
  const pid_t rank1 = PidIn(pid_file);
  ASSERT_GT(rank1, 0);
  ASSERT_TRUE(Eventually([&] {
    return fs::exists(scratch_.File("ckpt-8/rank0")) && fs::exists(scratch_.File("ckpt-8/rank1"));
  }));
  ASSERT_EQ(::kill(rank1, SIGKILL), 0);
  EXPECT_THAT(PollUntilEnd(*backend, spec.key),
              ElementsAre("8-0 running", "8-0 lost 137: node 1 was killed by SIGKILL"));
  // The next attempt finds the checkpoints as the first left them.
  const LaunchSpec again =
      Spec(8, 1, 2, 1, "cat \"$ARBITER_CHECKPOINT_DIR/rank$ARBITER_NODE_RANK\"\n");
  ASSERT_TRUE(backend->Launch(again).ok());
  EXPECT_THAT(PollUntilEnd(*backend, again.key), ElementsAre("8-1 running", "8-1 succeeded"));
  EXPECT_EQ(Log(8, 1, 0), "step-1\n");
  EXPECT_EQ(Log(8, 1, 1), "step-1\n");
}

TEST_F(LocalBackendTest, KillsAndCrashesSeenThroughAShell) {
  std::unique_ptr<LocalBackend> backend = Make();
  // The run's shell reports a command killed by SIGTERM as exit 143: the node was killed.
  ASSERT_TRUE(backend->Launch(Spec(9, 0, 1, 1, "echo before\nsh -c 'kill -TERM $$'\n")).ok());
  EXPECT_THAT(PollUntilEnd(*backend, {JobId(9), 0}),
              ElementsAre("9-0 running",
                          "9-0 lost 143: node 0 was killed (SIGTERM, reported by its shell as exit "
                          "143)"));
  // A crash of the node's own process is the job's fault.
  ASSERT_TRUE(backend->Launch(Spec(9, 1, 1, 1, "kill -SEGV $$\n")).ok());
  EXPECT_THAT(PollUntilEnd(*backend, {JobId(9), 1}),
              ElementsAre("9-1 running", "9-1 failed 139: node 0 crashed (SIGSEGV)"));
}

TEST_F(LocalBackendTest, CancelStopsEveryProcessOfTheGangAfterTheGracePeriod) {
  std::unique_ptr<LocalBackend> backend = Make({{0}, {1}}, /*grace_ms=*/300);
  // Rank 0 ignores SIGTERM (it needs the SIGKILL after the grace period); rank 1 has a child.
  const LaunchSpec spec =
      Spec(11, 0, 2, 1,
           StrCat("if [ \"$ARBITER_NODE_RANK\" = 0 ]; then trap '' TERM; fi\n"
                  "sleep 60 &\n"
                  "echo \"$$ $!\" > ",
                  scratch_.File("pids"),
                  "$ARBITER_NODE_RANK.tmp\n"
                  "mv ",
                  scratch_.File("pids"), "$ARBITER_NODE_RANK.tmp ", scratch_.File("pids"),
                  "$ARBITER_NODE_RANK\n"
                  "while true; do sleep 0.05; done\n"));
  ASSERT_TRUE(backend->Launch(spec).ok());
  std::vector<pid_t> pids;
  for (int rank : {0, 1}) {
    const std::string file = scratch_.File(StrCat("pids", rank));
    ASSERT_TRUE(Eventually([&] { return Slurp(file).find(' ') != std::string::npos; }));
    std::istringstream in(Slurp(file));
    pid_t shell = 0, child = 0;
    in >> shell >> child;
    pids.push_back(shell);
    pids.push_back(child);
  }
  EXPECT_THAT(backend->Poll(),
              ElementsAre(::testing::Field(&RunReport::status, RunStatus::kRunning)));
  ASSERT_TRUE(backend->Cancel(spec.key).ok());
  ASSERT_TRUE(backend->Cancel(spec.key).ok());        // idempotent
  ASSERT_TRUE(backend->Cancel({JobId(99), 0}).ok());  // unknown: not an error
  EXPECT_THAT(PollUntilEnd(*backend, spec.key), ElementsAre("11-0 cancelled: cancelled"));
  for (pid_t pid : pids) EXPECT_TRUE(ProcessGone(pid)) << pid;
}

TEST_F(LocalBackendTest, ANewBackendFindsRunsAfterARestartAndReportsWhatWasNotReceived) {
  const std::string go = scratch_.File("go");
  const std::string wait = StrCat("while [ ! -e ", go, " ]; do sleep 0.01; done\n");
  {
    std::unique_ptr<LocalBackend> first = Make();
    ASSERT_TRUE(first->Launch(Spec(1, 0, 1, 2, wait + "exit 0\n")).ok());
    ASSERT_TRUE(
        first->Launch(Spec(2, 0, 2, 1, wait + "exit $(((1 - ARBITER_NODE_RANK) * 5))\n")).ok());
    ASSERT_TRUE(first->Launch(Spec(3, 0, 1, 1, wait)).ok());
    EXPECT_EQ(first->Poll().size(), 3u);  // three kRunning
    EXPECT_EQ(first->Poll().size(), 0u);  // ... received
    ASSERT_TRUE(first->Launch(Spec(4, 0, 1, 1, wait)).ok());
    EXPECT_EQ(first->Poll().size(), 1u);  // kRunning of 4-0, never received
    ASSERT_TRUE(first->Cancel({JobId(3), 0}).ok());
  }  // the daemon goes away; its runs do not
  std::unique_ptr<LocalBackend> second = Make();
  EXPECT_THAT(*second->Active(), UnorderedElementsAre(RunKey{JobId(1), 0}, RunKey{JobId(2), 0},
                                                      RunKey{JobId(3), 0}, RunKey{JobId(4), 0}));
  // The cancelled run ends; 4-0's kRunning comes again.
  std::vector<std::string> seen = PollUntilEnd(*second, {JobId(3), 0});
  EXPECT_THAT(seen, UnorderedElementsAre("3-0 cancelled: cancelled", "4-0 running"));
  EXPECT_THAT(second->FreeDevices(), ElementsAre(0, 3));
  std::ofstream(go).close();
  seen = PollUntilEnd(*second, std::vector<RunKey>{{JobId(1), 0}, {JobId(2), 0}, {JobId(4), 0}});
  EXPECT_THAT(seen, UnorderedElementsAre("1-0 succeeded", "2-0 failed 5: node 0 exited with 5",
                                         "4-0 succeeded"));
  EXPECT_THAT(second->Poll(), IsEmpty());
  EXPECT_THAT(*second->Active(), IsEmpty());
  EXPECT_THAT(second->FreeDevices(), ElementsAre(4, 4));
  // Ends that were returned but never received (no Poll after them) come again after a restart.
  ASSERT_TRUE(second->Launch(Spec(5, 0, 1, 1, "exit 2\n")).ok());
  PollUntilEnd(*second, {JobId(5), 0});
  second.reset();
  std::unique_ptr<LocalBackend> third = Make();
  EXPECT_THAT(*third->Active(), ElementsAre(RunKey{JobId(5), 0}));
  const std::vector<RunReport> again = third->Poll();  // its kRunning too, if never received
  ASSERT_FALSE(again.empty());
  EXPECT_EQ(Describe(again.back()), "5-0 failed 2: node 0 exited with 2");
  EXPECT_THAT(third->Poll(), IsEmpty());
}

// The daemon's process is SIGKILLed while a gang runs; the wrappers, no longer anybody's children
// here, still record how the nodes end, and a new backend in another process reads it.
TEST_F(LocalBackendTest, RunsSurviveTheDaemonProcessBeingKilled) {
  const std::string go = scratch_.File("go");
  const std::string launched = scratch_.File("launched");
  const pid_t daemon = ::fork();
  ASSERT_GE(daemon, 0);
  if (daemon == 0) {
    LocalBackendOptions options;
    options.dir = scratch_.File("backend");
    options.pool = "p";
    options.devices = {{0, 1}, {2, 3}};
    absl::StatusOr<std::unique_ptr<LocalBackend>> backend = LocalBackend::Create(options);
    if (!backend.ok()) ::_exit(1);
    LaunchSpec spec = Spec(21, 3, 2, 2,
                           StrCat("while [ ! -e ", go,
                                  " ]; do sleep 0.01; done\n"
                                  "exit $((ARBITER_NODE_RANK * 7))\n"));
    if (!(*backend)->Launch(spec).ok()) ::_exit(2);
    std::ofstream(launched).close();
    while (true) ::pause();
  }
  ASSERT_TRUE(Eventually([&] { return fs::exists(launched); }));
  ASSERT_EQ(::kill(daemon, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(daemon, &status, 0), daemon);
  std::unique_ptr<LocalBackend> backend = Make({{0, 1}, {2, 3}});
  EXPECT_THAT(*backend->Active(), ElementsAre(RunKey{JobId(21), 3}));
  EXPECT_THAT(backend->FreeDevices(), ElementsAre(0, 0));
  std::ofstream(go).close();
  EXPECT_THAT(PollUntilEnd(*backend, {JobId(21), 3}),
              ElementsAre("21-3 running", "21-3 failed 7: node 1 exited with 7"));
}

// A wrapper record whose pid now belongs to another process (here: this test's own) is never
// taken for the wrapper: the node counts as vanished and nobody is signalled.
TEST_F(LocalBackendTest, APidReusedByAnotherProcessIsNotTheNode) {
  const std::string run = scratch_.File("backend/30-0");
  fs::create_directories(run + "/node-0");
  std::ofstream(run + "/launch") << "port 5000 1\nnode 0 1 0\n";
  std::optional<local::ProcessId> self = local::SelfId();
  ASSERT_TRUE(self.has_value());
  self->start += 1;  // the same pid, but not the same process
  std::ofstream(run + "/node-0/wrapper") << local::FormatProcessId(*self);
  std::ofstream(run + "/running").close();
  std::unique_ptr<LocalBackend> backend = Make({{0, 1}});
  EXPECT_THAT(*backend->Active(), ElementsAre(RunKey{JobId(30), 0}));
  EXPECT_THAT(backend->Poll(),
              ElementsAre(::testing::Field(
                  &RunReport::reason, "node 0's processes vanished without recording an exit")));
  EXPECT_THAT(backend->FreeDevices(), ElementsAre(2));
}

TEST(LocalBackendCreate, RefusesAMissingWrapperAndUnevenNodes) {
  Scratch scratch;
  LocalBackendOptions options;
  options.dir = scratch.File("b");
  options.pool = "p";
  options.devices = {{0, 1}};
  options.wrapper = scratch.File("no-such-wrapper");
  absl::StatusOr<std::unique_ptr<LocalBackend>> backend = LocalBackend::Create(options);
  EXPECT_EQ(backend.status().message(),
            StrCat("local backend of p: the node wrapper ", scratch.File("no-such-wrapper"),
                   " is not there or not executable (it is built beside arbiter)"));
  options.wrapper = "";
  options.devices = {{0, 1}, {2}};
  backend = LocalBackend::Create(options);
  EXPECT_EQ(backend.status().message(),
            "local backend of p: node 1 has 1 devices; expected the same number (>= 1) on every "
            "node");
}

}  // namespace
}  // namespace arbiter
