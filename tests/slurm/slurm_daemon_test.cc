// `arbiter serve` on the two local Slurm clusters (examples/slurm/fleet.yaml: primary and rival as
// two providers' pools), over real HTTP: a gang runs across nodes of one cluster and is billed;
// cancel; a drained cluster or a silent controller means no room and the work goes to the other;
// running work on a silent cluster is not lost before the grace period, and moves after it; a
// restarted daemon finds its Slurm jobs and submits no second copy.
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "local_slurm.h"
#include "model/units.h"
#include "nlohmann/json.hpp"
#include "serve/daemon.h"

namespace arbiter::testing {
namespace {

using Json = nlohmann::json;

std::string Slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Replaces every `from` in `text` with `to`; `count` of them must be there.
void ReplaceAll(std::string& text, const std::string& from, const std::string& to, int count) {
  int found = 0;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
    ++found;
  }
  EXPECT_EQ(found, count) << "'" << from << "' in examples/slurm/fleet.yaml";
}

// A job of `nodes` x H100:`gpus` for the lab that waits until the test releases it (creates
// `release` in its checkpoint directory); each node first writes its rank's view.
// `then`: what the job does after it is released.
std::string WaitingJob(int nodes, int gpus, const std::string& then = "") {
  return StrCat("name: waits\nnum_nodes: ", nodes, "\nresources:\n  accelerators: H100:", gpus,
                "\nduration: 10m\nrun: |\n"
                "  echo \"$ARBITER_NUM_NODES $ARBITER_MASTER_ADDR:$ARBITER_MASTER_PORT "
                "$CUDA_VISIBLE_DEVICES $SLURMD_NODENAME $SLURM_CLUSTER_NAME\" > "
                "\"$ARBITER_CHECKPOINT_DIR/rank-$ARBITER_NODE_RANK-attempt-$ARBITER_ATTEMPT\"\n"
                "  while [ ! -e \"$ARBITER_CHECKPOINT_DIR/release\" ]; do sleep 0.1; done\n",
                then.empty() ? "" : StrCat("  ", then, "\n"));
}

class SlurmDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* cluster : {"primary", "rival"}) {
      ASSERT_EQ(Slurm(cluster, {"sinfo", "--noheader"}).exit_code, 0)
          << "Slurm cluster " << cluster
          << " does not answer; start it with: bash scripts/local-slurm.sh up (the test command "
             "does)";
    }
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ =
        std::filesystem::path(::testing::TempDir()) / StrCat("slurm-daemon-", getpid(), "-", name);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    prefix_ = StrCat("t", getpid(), "-", name);
    admin_ = std::string(StripWhitespace(Slurp(SourceDir() / "examples/slurm/tokens/admin.token")));
    lab_ = std::string(StripWhitespace(Slurp(SourceDir() / "examples/slurm/tokens/lab.token")));
  }

  void TearDown() override {
    if (daemon_) daemon_->Stop();
    daemon_.reset();
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

  // examples/slurm/fleet.yaml as it is, but for this test's clusters directory and job names, a
  // faster watch, and `lost_after` as the grace period of a silent controller.
  void WriteFleet(const std::string& lost_after) {
    std::string text = Slurp(SourceDir() / "examples/slurm/fleet.yaml");
    ReplaceAll(text, "conf: ../../build/slurm/", StrCat("conf: ", SlurmDir().string(), "/"), 2);
    ReplaceAll(text, "job_prefix: arbiter-", StrCat("job_prefix: ", prefix_, "-"), 2);
    ReplaceAll(text, "poll_interval: 1s", "poll_interval: 200ms", 2);
    ReplaceAll(text, "lost_after: 2m", StrCat("lost_after: ", lost_after), 2);
    ReplaceAll(text, "file: tokens/",
               StrCat("file: ", (SourceDir() / "examples/slurm/tokens").string(), "/"), 4);
    std::ofstream(dir_ / "fleet.yaml") << text;
  }

  void Start() {
    serve::ServeOptions options;
    options.config = (dir_ / "fleet.yaml").string();
    options.state_dir = (dir_ / "state").string();
    options.listen = "127.0.0.1:0";
    options.nodes_interval = 1;
    absl::StatusOr<std::unique_ptr<serve::Daemon>> daemon = serve::Daemon::Start(options);
    ASSERT_TRUE(daemon.ok()) << daemon.status();
    daemon_ = *std::move(daemon);
    const std::string address = daemon_->address();
    host_ = address.substr(0, address.rfind(':'));
    port_ = std::stoi(address.substr(address.rfind(':') + 1));
  }

  Json Call(const std::string& method, const std::string& path, const std::string& token,
            const std::string& body = "", int* status = nullptr) {
    httplib::Client client(host_, port_);
    httplib::Headers headers = {{"Authorization", StrCat("Bearer ", token)}};
    httplib::Result r = method == "GET" ? client.Get(path, headers)
                                        : client.Post(path, headers, body, "application/yaml");
    if (!r) {
      ADD_FAILURE() << method << " " << path << ": " << httplib::to_string(r.error());
      return Json();
    }
    if (status != nullptr) *status = r->status;
    return Json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  }

  int64_t Submit(const std::string& yaml) {
    int status = 0;
    Json job = Call("POST", "/v1/jobs", lab_, yaml, &status);
    EXPECT_EQ(status, 201) << job.dump();
    return job.value("id", int64_t{-1});
  }
  Json Job(int64_t id) { return Call("GET", StrCat("/v1/jobs/", id), admin_); }
  bool JobIs(int64_t id, const std::string& state, const std::string& pool = "") {
    return Eventually([&] {
      Json j = Job(id);
      return j.value("state", "") == state && (pool.empty() || j.value("pool", "") == pool);
    });
  }
  // The pool's capacity in accelerators, as the API shows it.
  int64_t Capacity(const std::string& pool) {
    const Json pools = Call("GET", "/v1/pools", admin_);
    for (const Json& p : pools["pools"]) {
      if (p.value("name", "") == pool) return p.value("capacity", int64_t{-1});
    }
    return -1;
  }
  std::filesystem::path Checkpoint(int64_t id) {
    return dir_ / "state" / "checkpoints" / StrCat(id);
  }
  void Release(int64_t id) { std::ofstream(Checkpoint(id) / "release") << "go\n"; }
  // Slurm jobs of this test on `cluster` named for job `id`: "ATTEMPT STATE" per line, sorted.
  std::string SlurmJobs(const std::string& cluster, int64_t id) {
    std::string out =
        Slurm(cluster, {"squeue", "--noheader", "--me", "--states=all", "-o", "%j %T"}).out;
    // PREFIX-CLUSTER-STATE-jID-aATTEMPT
    const std::string prefix = StrCat(prefix_, "-", cluster, "-");
    const std::string job = StrCat("-j", id, "-a");
    std::vector<std::string> lines;
    for (std::string_view line : Split(out, '\n')) {
      const size_t at = line.find(job);
      if (line.starts_with(prefix) && at != std::string_view::npos &&
          line.substr(prefix.size(), at - prefix.size()).find('-') == std::string_view::npos) {
        lines.emplace_back(line.substr(at + job.size()));
      }
    }
    std::sort(lines.begin(), lines.end());
    return StrJoin(lines, "\n");
  }

  std::filesystem::path dir_;
  std::string prefix_;
  std::string admin_;
  std::string lab_;
  std::unique_ptr<serve::Daemon> daemon_;
  std::string host_;
  int port_ = 0;
};

TEST_F(SlurmDaemonTest, AGangRunsAcrossNodesOfTheCheaperClusterAndIsBilled) {
  WriteFleet("2m");
  Start();
  EXPECT_EQ(Capacity("primary/local/H100"), 16);  // read from the cluster: 4 nodes x 4
  // It runs two seconds more once released: at least one whole second to bill.
  const int64_t id = Submit(WaitingJob(2, 4, "sleep 2"));
  ASSERT_TRUE(JobIs(id, "running", "primary/local/H100")) << Job(id).dump();
  ASSERT_TRUE(Eventually([&] {
    return std::filesystem::exists(Checkpoint(id) / "rank-1-attempt-1") &&
           std::filesystem::exists(Checkpoint(id) / "rank-0-attempt-1");
  }));
  const std::string rank0 = Slurp(Checkpoint(id) / "rank-0-attempt-1");
  const std::string rank1 = Slurp(Checkpoint(id) / "rank-1-attempt-1");
  std::vector<std::string_view> f0 = Split(StripWhitespace(rank0), ' ');
  std::vector<std::string_view> f1 = Split(StripWhitespace(rank1), ' ');
  ASSERT_EQ(f0.size(), 5u) << rank0;
  ASSERT_EQ(f1.size(), 5u) << rank1;
  EXPECT_EQ(f0[0], "2");
  EXPECT_EQ(f0[1], f1[1]);  // one master for the gang
  EXPECT_EQ(f0[2], "0,1,2,3");
  EXPECT_NE(f0[3], f1[3]);  // two Slurm nodes
  EXPECT_EQ(f0[4], "primary");
  EXPECT_EQ(SlurmJobs("primary", id), "1 RUNNING");
  Release(id);
  ASSERT_TRUE(JobIs(id, "finished"));
  Json job = Job(id);
  EXPECT_EQ(job["attempts"], 1);
  // Billed from start to end: 8 accelerators at the primary's $3.00 per accelerator-hour.
  const Json events = Call("GET", StrCat("/v1/jobs/", id, "/events"), admin_);
  int charges = 0;
  for (const Json& e : events["events"]) {
    if (e.value("kind", "") != "charge") continue;
    ++charges;
    const int64_t seconds = e["to"].get<int64_t>() - e["from"].get<int64_t>();
    EXPECT_GE(seconds, 1);
    EXPECT_EQ(e["accelerators"], 8);
    EXPECT_EQ(e["price_per_accelerator_hour_usd"], "3.000000");
    EXPECT_EQ(e["amount_micros"], ChargeFor(8, seconds, 3'000'000));
    EXPECT_EQ(job["cost_micros"], e["amount_micros"]);
  }
  EXPECT_EQ(charges, 1) << events.dump();
  EXPECT_EQ(SlurmJobs("primary", id), "1 COMPLETED");
  EXPECT_EQ(SlurmJobs("rival", id), "");
}

TEST_F(SlurmDaemonTest, APoolWhoseNodesTheClusterDoesNotHaveIsRefusedAtStart) {
  WriteFleet("2m");
  std::string text = Slurp(dir_ / "fleet.yaml");
  ReplaceAll(text, "accelerators_per_node: 4", "accelerators_per_node: 8", 2);
  std::ofstream(dir_ / "fleet.yaml") << text;
  serve::ServeOptions options;
  options.config = (dir_ / "fleet.yaml").string();
  options.state_dir = (dir_ / "state").string();
  options.listen = "127.0.0.1:0";
  absl::StatusOr<std::unique_ptr<serve::Daemon>> daemon = serve::Daemon::Start(options);
  ASSERT_FALSE(daemon.ok());
  EXPECT_EQ(daemon.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(daemon.status().message(),
            StrCat("pool primary/local/H100: no node of Slurm cluster ", SlurmDir().string(),
                   "/primary/slurm.conf has 8 gpu gres (the pool's accelerators per node); it "
                   "has primary1 4, primary2 4, primary3 4, primary4 4"));
}

TEST_F(SlurmDaemonTest, CancelEndsTheSlurmJob) {
  WriteFleet("2m");
  Start();
  const int64_t id = Submit(WaitingJob(1, 2));
  ASSERT_TRUE(JobIs(id, "running"));
  int status = 0;
  Call("POST", StrCat("/v1/jobs/", id, "/cancel"), lab_, "", &status);
  EXPECT_EQ(status, 200);
  ASSERT_TRUE(JobIs(id, "cancelled"));
  EXPECT_TRUE(Eventually([&] { return SlurmJobs("primary", id) == "1 CANCELLED"; }));
}

TEST_F(SlurmDaemonTest, ADrainedClusterHasNoRoomAndWorkGoesToTheOther) {
  WriteFleet("2m");
  Start();
  ASSERT_EQ(Slurm("primary", {"scontrol", "update", "nodename=primary[1-4]", "state=drain",
                              "reason=arbiter-test"})
                .exit_code,
            0);
  ASSERT_TRUE(Eventually([&] { return Capacity("primary/local/H100") == 0; }));
  const int64_t id = Submit(WaitingJob(2, 4));
  ASSERT_TRUE(JobIs(id, "running", "rival/local/H100")) << Job(id).dump();
  EXPECT_EQ(SlurmJobs("rival", id), "1 RUNNING");
  EXPECT_EQ(SlurmJobs("primary", id), "");
  Release(id);
  ASSERT_TRUE(JobIs(id, "finished"));
  // Resumed: room again.
  ASSERT_EQ(
      Slurm("primary", {"scontrol", "update", "nodename=primary[1-4]", "state=resume"}).exit_code,
      0);
  EXPECT_TRUE(Eventually([&] { return Capacity("primary/local/H100") == 16; }));
}

TEST_F(SlurmDaemonTest, ASilentControllerMeansNoRoomButRunningWorkIsKeptWithinTheGrace) {
  WriteFleet("5m");
  Start();
  const int64_t first = Submit(WaitingJob(1, 4));
  ASSERT_TRUE(JobIs(first, "running", "primary/local/H100"));
  ASSERT_TRUE(
      Eventually([&] { return std::filesystem::exists(Checkpoint(first) / "rank-0-attempt-1"); }));
  ASSERT_TRUE(LocalSlurm("stop-controller primary"));
  ASSERT_TRUE(Eventually([&] { return Capacity("primary/local/H100") == 0; }));
  // Not lost: the grace period (5m) has not passed.
  EXPECT_EQ(Job(first).value("state", ""), "running");
  const int64_t second = Submit(WaitingJob(1, 4));
  ASSERT_TRUE(JobIs(second, "running", "rival/local/H100")) << Job(second).dump();
  // The controller is back before the grace period: the first job just goes on.
  ASSERT_TRUE(LocalSlurm("up"));
  ASSERT_TRUE(Eventually([&] { return Capacity("primary/local/H100") == 16; }));
  Release(first);
  Release(second);
  ASSERT_TRUE(JobIs(first, "finished"));
  ASSERT_TRUE(JobIs(second, "finished"));
  EXPECT_EQ(Job(first)["attempts"], 1);
  EXPECT_EQ(Job(first)["interruptions"], 0);
  EXPECT_EQ(SlurmJobs("primary", first), "1 COMPLETED");
}

TEST_F(SlurmDaemonTest, PastTheGraceTheWorkMovesToTheOtherClusterAndTheOldRunIsStopped) {
  WriteFleet("3s");
  Start();
  const int64_t id = Submit(WaitingJob(2, 2));
  ASSERT_TRUE(JobIs(id, "running", "primary/local/H100"));
  ASSERT_TRUE(
      Eventually([&] { return std::filesystem::exists(Checkpoint(id) / "rank-1-attempt-1"); }));
  ASSERT_TRUE(LocalSlurm("stop-controller primary"));
  // Lost after the grace, restarted where there is room: the rival.
  ASSERT_TRUE(JobIs(id, "running", "rival/local/H100")) << Job(id).dump();
  Json job = Job(id);
  EXPECT_EQ(job["attempts"], 2);
  EXPECT_EQ(job["interruptions"], 1);
  EXPECT_EQ(SlurmJobs("rival", id), "2 RUNNING");
  // The primary's controller answers again: its copy of the job is stopped, never run twice.
  ASSERT_TRUE(LocalSlurm("up"));
  EXPECT_TRUE(Eventually([&] { return SlurmJobs("primary", id) == "1 CANCELLED"; }))
      << SlurmJobs("primary", id);
  Release(id);
  ASSERT_TRUE(JobIs(id, "finished"));
  EXPECT_EQ(Job(id)["attempts"], 2);
}

TEST_F(SlurmDaemonTest, AJobThatEndedWhileTheDaemonWasDownIsFinishedNotLost) {
  WriteFleet("2m");
  Start();
  const int64_t id = Submit(WaitingJob(2, 2));
  ASSERT_TRUE(JobIs(id, "running", "primary/local/H100"));
  daemon_->Stop();
  daemon_.reset();
  Release(id);
  ASSERT_TRUE(Eventually([&] { return SlurmJobs("primary", id) == "1 COMPLETED"; }));
  Start();
  ASSERT_TRUE(JobIs(id, "finished"));
  Json job = Job(id);
  EXPECT_EQ(job["attempts"], 1);
  EXPECT_EQ(job["interruptions"], 0);
}

TEST_F(SlurmDaemonTest, ADaemonOnANewStateDoesNotTakeAnOldStatesJobsForItsOwn) {
  WriteFleet("2m");
  Start();
  const int64_t first = Submit(WaitingJob(1, 1));
  ASSERT_TRUE(JobIs(first, "running", "primary/local/H100"));
  Release(first);
  ASSERT_TRUE(JobIs(first, "finished"));
  daemon_->Stop();
  daemon_.reset();
  // A new state: its first job is job 0 attempt 1 again, while Slurm still knows the old one.
  std::filesystem::remove_all(dir_ / "state");
  Start();
  const int64_t again = Submit(WaitingJob(1, 1));
  ASSERT_EQ(again, first);
  ASSERT_TRUE(JobIs(again, "running", "primary/local/H100"));
  ASSERT_TRUE(
      Eventually([&] { return std::filesystem::exists(Checkpoint(again) / "rank-0-attempt-1"); }));
  EXPECT_EQ(SlurmJobs("primary", again), "1 COMPLETED\n1 RUNNING");  // two Slurm jobs
  Release(again);
  ASSERT_TRUE(JobIs(again, "finished"));
}

TEST_F(SlurmDaemonTest, ARestartedDaemonFindsItsSlurmJobAndSubmitsNoSecondCopy) {
  WriteFleet("2m");
  Start();
  const int64_t id = Submit(WaitingJob(2, 4));
  ASSERT_TRUE(JobIs(id, "running", "primary/local/H100"));
  daemon_->Stop();
  daemon_.reset();
  Start();
  ASSERT_TRUE(JobIs(id, "running", "primary/local/H100"));
  Release(id);
  ASSERT_TRUE(JobIs(id, "finished"));
  Json job = Job(id);
  EXPECT_EQ(job["attempts"], 1);
  EXPECT_EQ(job["interruptions"], 0);
  EXPECT_EQ(SlurmJobs("primary", id), "1 COMPLETED");  // one Slurm job, ever
}

}  // namespace
}  // namespace arbiter::testing
