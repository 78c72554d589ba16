// `arbiter serve` end to end: the daemon as a process of its own (the binary the build made), real
// HTTP on a port the OS chooses, jobs run by the local backend as processes on this machine.
// Submit -> run -> finish -> billed; a gang's ranks and master address; cancel ends every
// process; a killed node fails the run and the job restarts from its checkpoint; a job that exits
// non-zero stops after max_restarts; the daemon killed (SIGKILL) at random points while clients
// submit, over several seeds: every acknowledged job exists once, no job ran twice at once, and a
// restart rebuilds the same state. No sleeps as synchronisation: every wait polls a condition
// with a deadline.
#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/client.h"
#include "gtest/gtest.h"
#include "model/strings.h"
#include "nlohmann/json.hpp"

namespace arbiter {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kAdmin = "e2e-admin-secret-0123456789";
constexpr const char* kLab = "e2e-lab-secret-0123456789ab";

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Polls `done` until it holds or `seconds` pass; yields between polls.
bool Within(double seconds, const std::function<bool()>& done) {
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(seconds));
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // a poll interval, not a wait
  }
  return done();
}

bool Alive(pid_t pid) { return ::kill(pid, 0) == 0; }

// Runs a client command into a temporary file and returns (exit code, what it printed).
std::pair<int, std::string> Capture(const std::function<int(std::FILE*, std::FILE*)>& run) {
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  const int code = run(out, err);
  std::string text;
  for (std::FILE* f : {out, err}) {
    std::rewind(f);
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof(buf), f)) > 0;) text.append(buf, n);
    std::fclose(f);
  }
  return {code, text};
}

// A scratch directory with the fleet file: provider "cloud", one pool of 2 nodes x 2 H100 at
// $3.60 per accelerator-hour (1,000 micro-dollars per accelerator-second) on the local backend
// (devices 0,1 and 2,3); tenant "lab" is the provider's first-party tenant (its jobs start
// without the market, charged at the pool's price).
class LiveTest : public ::testing::Test {
 protected:
  LiveTest() {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::absolute(fs::path(::testing::TempDir()) /
                        StrCat("arbiter-live-", info->name(), "-", ::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "admin.token") << kAdmin << "\n";
    std::ofstream(dir_ / "lab.token") << kLab << "\n";
    std::ofstream(dir_ / "fleet.yaml") << R"(name: e2e
policy: fifo
accelerator_types: [H100]
providers:
  - name: cloud
    agent: {policy: deliverable, response_time: 0}
    regions:
      - name: here
        pools:
          - type: H100
            nodes: 2
            accelerators_per_node: 2
            price: {on_demand: 3.60}
            backend: {kind: local, devices: [[0, 1], [2, 3]]}
tenants:
  - {name: lab, first_party_of: cloud}
tokens:
  - {scope: admin, file: admin.token}
  - {tenant: lab, file: lab.token}
)";
  }
  ~LiveTest() override {
    if (pid_ > 0) {
      // Jobs outlive the daemon by design: cancel whatever is left, then stop it.
      for (const Json& j : AllJobs()) {
        const std::string state = j["state"];
        if (state == "pending" || state == "starting" || state == "running") {
          Call("POST", StrCat("/v1/jobs/", j["id"].get<int>(), "/cancel"), admin_.c_str());
        }
      }
      Within(30, [&] {
        for (const Json& j : AllJobs()) {
          if (j["state"] == "running" || j["state"] == "starting") return false;
        }
        return true;
      });
      Stop(SIGTERM);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Starts `arbiter serve` on the fleet and state here; waits until it answers /healthz.
  void Start() {
    fs::remove(dir_ / "state" / "address");
    const std::string log = (dir_ / StrCat("serve-", starts_++, ".log")).string();
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      const std::string config = config_.empty() ? (dir_ / "fleet.yaml").string() : config_;
      const std::string state = (dir_ / "state").string();
      ::execl(ARBITER_BIN, ARBITER_BIN, "serve", "--config", config.c_str(), "--state",
              state.c_str(), "--listen", "127.0.0.1:0", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ASSERT_GT(pid_, 0);
    ASSERT_TRUE(Within(30, [&] { return fs::exists(dir_ / "state" / "address"); })) << Slurp(log);
    const std::string address = Slurp(dir_ / "state" / "address");
    port_ = std::stoi(address.substr(address.rfind(':') + 1));
    ASSERT_TRUE(Within(10, [&] { return Call("GET", "/healthz", nullptr).status == 200; }));
  }
  // Sends `signal` to the daemon and reaps it.
  void Stop(int signal) {
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  struct Reply {
    int status = 0;  // 0: no answer (connection refused or cut)
    std::string body;
    Json json;
  };
  Reply Call(const std::string& method, const std::string& path, const char* token,
             const std::string& body = "", const std::string& key = "") const {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(5);
    client.set_read_timeout(30);
    httplib::Headers headers;
    if (token != nullptr) headers.emplace("Authorization", StrCat("Bearer ", token));
    if (!key.empty()) headers.emplace("Idempotency-Key", key);
    httplib::Result r = method == "GET" ? client.Get(path, headers)
                                        : client.Post(path, headers, body, "application/yaml");
    Reply reply;
    if (!r) return reply;
    reply.status = r->status;
    reply.body = r->body;
    reply.json = Json::parse(r->body, nullptr, /*allow_exceptions=*/false);
    return reply;
  }
  Json Job(int id) const { return Call("GET", StrCat("/v1/jobs/", id), admin_.c_str()).json; }
  std::vector<Json> AllJobs() const {
    std::vector<Json> jobs;
    int64_t after = -1;
    while (true) {
      const Reply r = Call("GET", StrCat("/v1/jobs?limit=1000&after=", after), admin_.c_str());
      if (r.status != 200) return jobs;
      for (const Json& j : r.json["jobs"]) jobs.push_back(j);
      if (r.json["next_after"].is_null()) return jobs;
      after = r.json["next_after"].get<int64_t>();
    }
  }
  int Submit(const std::string& spec) {
    const Reply r = Call("POST", "/v1/jobs", kLab, spec);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json.value("id", -1);
  }
  bool StateIs(int id, const std::string& state, double seconds = 60) {
    return Within(seconds, [&] { return Job(id).value("state", "") == state; });
  }
  std::string Log(int id, int node, int attempt = 0) const {
    return Call("GET", StrCat("/v1/jobs/", id, "/logs?node=", node, "&attempt=", attempt),
                admin_.c_str())
        .body;
  }
  fs::path Checkpoints(int id) const { return dir_ / "state" / "checkpoints" / std::to_string(id); }

  fs::path dir_;
  std::string config_;          // empty: the fleet written above
  std::string admin_ = kAdmin;  // the fleet's admin token
  pid_t pid_ = -1;
  int port_ = 0;
  int starts_ = 0;
};

TEST_F(LiveTest, ASubmittedJobRunsOnTheLocalBackendFinishesAndIsBilled) {
  Start();
  // Through the CLI, as a user would.
  const fs::path job = dir_ / "hello.job.yaml";
  std::ofstream(job) << "name: hello\nresources: {accelerators: H100:2}\n"
                     << "run: |\n  echo \"hello from $ARBITER_NODE_RANK\"\n  sleep 1\n";
  ClientArgs args;
  args.server = StrCat("http://127.0.0.1:", port_);
  args.token_file = (dir_ / "lab.token").string();
  std::FILE* out = std::tmpfile();
  ASSERT_EQ(ClientSubmit(args, job.string(), "", out, stderr), 0);
  std::rewind(out);
  char line[256] = {};
  ASSERT_NE(std::fgets(line, sizeof(line), out), nullptr);
  std::fclose(out);
  EXPECT_EQ(std::string(line), "job 0 submitted (hello, tenant lab): starting\n");

  ASSERT_TRUE(StateIs(0, "finished"));
  const Json j = Job(0);
  EXPECT_EQ(j["pool"], "cloud/here/H100");
  EXPECT_EQ(j["starts"], 1);
  // Billed from the launch to the end: 2 accelerators x those seconds x 1,000.
  const int64_t seconds = j["ended_at"].get<int64_t>() - j["started_at"].get<int64_t>();
  EXPECT_GE(seconds, 1);
  EXPECT_EQ(j["accelerator_seconds"], 2 * seconds);
  EXPECT_EQ(j["cost_micros"], 2 * seconds * 1'000);
  EXPECT_EQ(Log(0, 0), "hello from 0\n");
  std::vector<std::string> kinds;
  const Reply events = Call("GET", "/v1/jobs/0/events", kLab);
  for (const Json& e : events.json["events"]) kinds.push_back(e["kind"]);
  EXPECT_EQ(kinds,
            (std::vector<std::string>{"submitted", "launched", "started", "finished", "charge"}));
  const Json costs = Call("GET", "/v1/costs", kLab).json;
  EXPECT_EQ(costs["tenants"][0]["total_micros"], 2 * seconds * 1'000);

  // The other client commands, as a person reads them.
  const auto [status_code, status] =
      Capture([&](std::FILE* o, std::FILE* e) { return ClientStatus(args, std::nullopt, o, e); });
  EXPECT_EQ(status_code, 0);
  EXPECT_EQ(status.substr(0, status.find('\n')),
            "ID  NAME   TENANT  STATE     POOL             SUBMITTED            COST");
  EXPECT_NE(status.find("0   hello  lab     finished  cloud/here/H100"), std::string::npos)
      << status;
  const auto [one_code, one] =
      Capture([&](std::FILE* o, std::FILE* e) { return ClientStatus(args, 0, o, e); });
  EXPECT_EQ(one_code, 0);
  EXPECT_NE(one.find("launched (attempt 1): the fifo policy placed it on cloud/here/H100 under "
                     "the first-party capacity of cloud"),
            std::string::npos)
      << one;
  const auto [logs_code, logs] =
      Capture([&](std::FILE* o, std::FILE* e) { return ClientLogs(args, 0, 0, 0, true, o, e); });
  EXPECT_EQ(logs_code, 0);
  EXPECT_EQ(logs, "hello from 0\n");
  const auto [queue_code, queue] =
      Capture([&](std::FILE* o, std::FILE* e) { return ClientQueue(args, o, e); });
  EXPECT_EQ(queue, "ID  NAME  TENANT  STATE  ACCELERATORS  PRIORITY  SUBMITTED\n");
  const auto [cost_code, cost] =
      Capture([&](std::FILE* o, std::FILE* e) { return ClientCost(args, "", o, e); });
  EXPECT_NE(cost.find(StrCat("lab     1     0        $", j["cost_usd"].get<std::string>())),
            std::string::npos)
      << cost;
  const auto [pools_code, pools] =
      Capture([&](std::FILE* o, std::FILE* e) { return ClientPools(args, o, e); });
  EXPECT_NE(pools.find("cloud/here/H100  2 x 2 H100  $3.600000"), std::string::npos) << pools;
  // --json is the API's JSON.
  args.json = true;
  const auto [json_code, json] =
      Capture([&](std::FILE* o, std::FILE* e) { return ClientStatus(args, 0, o, e); });
  EXPECT_EQ(Json::parse(json)["state"], "finished");
  // A job that does not exist, and a token that is not one.
  args.json = false;
  const auto [missing_code, missing] =
      Capture([&](std::FILE* o, std::FILE* e) { return ClientCancel(args, 42, o, e); });
  EXPECT_EQ(missing_code, 2);
  EXPECT_EQ(missing, "arbiter: no job 42 (HTTP 404)\n");
  args.token_file.clear();
  args.token = "not-a-token";
  const auto [refused_code, refused] =
      Capture([&](std::FILE* o, std::FILE* e) { return ClientQueue(args, o, e); });
  EXPECT_EQ(refused_code, 3);
  EXPECT_EQ(refused, "arbiter: the daemon refused the token (HTTP 401): unknown token\n");
}

// Without a daemon: the client says where it looked. The server and token may come from a
// config file ($ARBITER_CONFIG).
TEST_F(LiveTest, TheClientSaysWhereItLookedWhenNoDaemonAnswers) {
  ClientArgs args;
  args.server = "http://127.0.0.1:1";
  args.token = "x";
  const auto [code, text] =
      Capture([&](std::FILE* o, std::FILE* e) { return ClientStatus(args, std::nullopt, o, e); });
  EXPECT_EQ(code, 1);
  EXPECT_EQ(text,
            "arbiter: cannot reach the daemon at http://127.0.0.1:1 (connection refused or "
            "unreachable); is `arbiter serve` running there? (set --server or ARBITER_SERVER)\n");
  std::ofstream(dir_ / "client.conf") << "# where the daemon is\nserver: 127.0.0.1:1\n"
                                      << "token_file: lab.token\n";
  ::setenv("ARBITER_CONFIG", (dir_ / "client.conf").c_str(), 1);
  ::unsetenv("ARBITER_SERVER");
  ::unsetenv("ARBITER_TOKEN");
  ::unsetenv("ARBITER_TOKEN_FILE");
  const auto [config_code, config_text] =
      Capture([&](std::FILE* o, std::FILE* e) { return ClientQueue(ClientArgs{}, o, e); });
  EXPECT_EQ(config_code, 1);
  EXPECT_NE(config_text.find("cannot reach the daemon at http://127.0.0.1:1 "), std::string::npos)
      << config_text;
  std::ofstream(dir_ / "client.conf") << "sever: 127.0.0.1:1\n";
  const auto [bad_code, bad] =
      Capture([&](std::FILE* o, std::FILE* e) { return ClientQueue(ClientArgs{}, o, e); });
  EXPECT_EQ(bad_code, 2);
  EXPECT_EQ(bad, StrCat("arbiter: ", (dir_ / "client.conf").string(),
                        ":1: unknown key 'sever'; expected server, token or token_file\n"));
  ::unsetenv("ARBITER_CONFIG");
}

TEST_F(LiveTest, AGangsNodesGetTheirRanksOneMasterAddressAndTheirDevices) {
  Start();
  const int id = Submit(
      "name: gang\nnum_nodes: 2\nresources: {accelerators: H100:2}\nrun: |\n"
      "  echo \"rank=$ARBITER_NODE_RANK nodes=$ARBITER_NUM_NODES "
      "master=$ARBITER_MASTER_ADDR:$ARBITER_MASTER_PORT devices=$CUDA_VISIBLE_DEVICES "
      "job=$ARBITER_JOB_ID\"\n");
  ASSERT_TRUE(StateIs(id, "finished"));
  const std::string node0 = Log(id, 0);
  const std::string node1 = Log(id, 1);
  const auto field = [](const std::string& log, const std::string& key) {
    const size_t at = log.find(key + "=");
    if (at == std::string::npos) return std::string("?");
    const size_t end = log.find_first_of(" \n", at);
    return log.substr(at + key.size() + 1, end - at - key.size() - 1);
  };
  EXPECT_EQ(field(node0, "rank"), "0");
  EXPECT_EQ(field(node1, "rank"), "1");
  EXPECT_EQ(field(node0, "nodes"), "2");
  EXPECT_EQ(field(node1, "nodes"), "2");
  EXPECT_EQ(field(node0, "job"), "0");
  EXPECT_NE(field(node0, "master"), "?");
  EXPECT_EQ(field(node0, "master"), field(node1, "master"));
  EXPECT_EQ(field(node0, "master").substr(0, 10), "127.0.0.1:");
  EXPECT_EQ(field(node0, "devices"), "0,1");
  EXPECT_EQ(field(node1, "devices"), "2,3");
}

TEST_F(LiveTest, CancelEndsEveryProcessOfTheGang) {
  Start();
  const int id = Submit(
      "name: long\nnum_nodes: 2\nresources: {accelerators: H100:2}\nrun: |\n"
      "  sleep 600 &\n"
      "  echo \"$$ $!\" > \"$ARBITER_CHECKPOINT_DIR/pids.$ARBITER_NODE_RANK\"\n"
      "  wait\n");
  std::vector<pid_t> pids;
  ASSERT_TRUE(Within(30, [&] {
    return fs::exists(Checkpoints(id) / "pids.0") && fs::exists(Checkpoints(id) / "pids.1");
  }));
  ASSERT_TRUE(StateIs(id, "running"));
  for (const char* file : {"pids.0", "pids.1"}) {
    std::istringstream in(Slurp(Checkpoints(id) / file));
    pid_t shell = 0, sleeper = 0;
    in >> shell >> sleeper;
    ASSERT_GT(shell, 0);
    ASSERT_GT(sleeper, 0);
    pids.push_back(shell);
    pids.push_back(sleeper);
  }
  for (pid_t p : pids) EXPECT_TRUE(Alive(p)) << p;
  const Reply r = Call("POST", StrCat("/v1/jobs/", id, "/cancel"), kLab);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["state"], "cancelled");
  for (pid_t p : pids) EXPECT_TRUE(Within(30, [&] { return !Alive(p); })) << p;
  EXPECT_EQ(Job(id)["state"], "cancelled");
}

TEST_F(LiveTest, AKilledNodeFailsTheRunAndTheJobRestartsFromItsCheckpoint) {
  Start();
  // Each node counts to 6, saving its count every 2 steps; rank 1 writes its shell's pid.
  const int id = Submit(
      "name: ckpt\nnum_nodes: 2\nresources: {accelerators: H100:2}\n"
      "checkpoint: {interval: 2s}\nrun: |\n"
      "  c=\"$ARBITER_CHECKPOINT_DIR/step.$ARBITER_NODE_RANK\"\n"
      "  step=0\n"
      "  if [ -f \"$c\" ]; then step=$(cat \"$c\"); echo \"resuming after step $step\"; fi\n"
      "  echo $$ > \"$ARBITER_CHECKPOINT_DIR/pid.$ARBITER_NODE_RANK.$ARBITER_ATTEMPT\"\n"
      "  while [ $step -lt 6 ]; do\n"
      "    sleep 0.5; step=$((step + 1))\n"
      "    if [ $((step % 2)) -eq 0 ]; then echo $step > \"$c\"; fi\n"
      "  done\n"
      "  echo \"done at step $step\"\n");
  ASSERT_TRUE(Within(30, [&] { return fs::exists(Checkpoints(id) / "step.1"); }));
  const pid_t victim = std::stoi(Slurp(Checkpoints(id) / "pid.1.1"));
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  // The run is lost; the job comes back as attempt 2 and finishes from its checkpoint.
  ASSERT_TRUE(StateIs(id, "finished"));
  const Json j = Job(id);
  EXPECT_EQ(j["attempts"], 2);
  EXPECT_EQ(j["interruptions"], 1);
  EXPECT_EQ(j["failures"], 0);
  const std::string resumed = Log(id, 1, 2);
  EXPECT_EQ(resumed.rfind("resuming after step ", 0), 0u) << resumed;
  EXPECT_NE(resumed.find("done at step 6"), std::string::npos) << resumed;
  bool lost = false;
  const Reply events = Call("GET", StrCat("/v1/jobs/", id, "/events"), kLab);
  for (const Json& e : events.json["events"]) {
    if (e["kind"] == "lost") {
      lost = true;
      EXPECT_EQ(e["attempt"], 1);
      EXPECT_NE(e["reason"].get<std::string>().find("SIGKILL"), std::string::npos) << e;
    }
  }
  EXPECT_TRUE(lost);
}

TEST_F(LiveTest, AJobThatExitsNonZeroStopsAfterMaxRestarts) {
  Start();
  const int id = Submit(
      "name: broken\nresources: {accelerators: H100:1}\nmax_restarts: 2\nrun: |\n"
      "  echo \"attempt $ARBITER_ATTEMPT\"\n  exit 3\n");
  ASSERT_TRUE(StateIs(id, "failed"));
  const Json j = Job(id);
  EXPECT_EQ(j["failures"], 3);
  EXPECT_EQ(j["exit_code"], 3);
  EXPECT_EQ(j["attempts"], 3);
  EXPECT_EQ(j["starts"], 3);
  EXPECT_EQ(Log(id, 0, 3), "attempt 3\n");
  // It stays failed: no fourth run, whatever comes.
  EXPECT_FALSE(Within(1, [&] { return Job(id)["attempts"] != 3; }));
}

// The bundled example, as the README's "Run it live" uses it from the repository root: the fleet
// of examples/live with its demo tokens, and examples/live/hello.job.yaml submitted by the lab
// through the CLI. (The test runs in the source directory.)
TEST_F(LiveTest, TheBundledExampleFleetRunsTheHelloJob) {
  config_ = "examples/live/fleet.yaml";
  admin_ = Slurp("examples/live/tokens/admin.token");
  admin_.pop_back();  // the newline
  Start();
  ClientArgs args;
  args.server = StrCat("http://127.0.0.1:", port_);
  args.token_file = "examples/live/tokens/lab.token";
  std::FILE* out = std::tmpfile();
  ASSERT_EQ(ClientSubmit(args, "examples/live/hello.job.yaml", "", out, stderr), 0);
  std::fclose(out);
  ASSERT_TRUE(StateIs(0, "finished"));
  const std::string log = Log(0, 0);
  EXPECT_EQ(log.rfind("hello from node 0 of 1 (job 0, devices ", 0), 0u) << log;
  EXPECT_NE(log.find("bye\n"), std::string::npos) << log;
  // The lab's commitment holds one node of primary's pool: the job ran there, at no charge per
  // use (the commitment is billed as a whole).
  EXPECT_EQ(Job(0)["pool"], "primary/local/H100/commitment:lab");
}

// The daemon is killed (SIGKILL) at a random point (after a seeded number of submissions were sent)
// while four clients submit, for several seeds.
// After a restart: every acknowledged submission is one job (its id, its idempotency key), no
// job exists twice, every job is whole; submitting the unacknowledged ones again with their keys
// makes each exactly one job; no job ever ran twice at once (each run holds a lock directory in
// its checkpoint directory and records an overlap if it finds one); and a clean restart gives
// back the same jobs, states and ledger totals.
TEST_F(LiveTest, CrashSafetyUnderSubmissionsAtRandomKillPoints) {
  const std::string overlaps = (dir_ / "overlaps").string();
  const std::string spec = StrCat(
      "name: unit\nresources: {accelerators: H100:1}\nrun: |\n"
      "  d=\"$ARBITER_CHECKPOINT_DIR/running\"\n"
      "  mkdir -p \"$ARBITER_CHECKPOINT_DIR\"\n"
      "  if ! mkdir \"$d\" 2>/dev/null; then\n"
      "    echo \"job $ARBITER_JOB_ID attempt $ARBITER_ATTEMPT\" >> ",
      overlaps,
      "\n"
      "  fi\n"
      "  trap 'rmdir \"$d\"' EXIT\n"
      "  sleep 0.2\n");
  for (uint32_t seed : {1u, 2u, 3u, 4u}) {
    SCOPED_TRACE(StrCat("seed ", seed));
    Start();
    std::mt19937 rng(seed);
    // The crash point: after this many submissions were sent (some still in flight).
    const size_t kill_after = std::uniform_int_distribution<size_t>(5, 80)(rng);
    std::mutex mu;
    std::map<std::string, int> acked;  // key -> job id
    std::set<std::string> sent;
    std::atomic<bool> down{false};
    std::vector<std::thread> clients;
    clients.reserve(4);
    for (int c = 0; c < 4; ++c) {
      clients.emplace_back([&, c] {
        for (int i = 0; i < 25 && !down; ++i) {
          const std::string key = StrCat("s", seed, "-c", c, "-", i);
          {
            std::lock_guard lock(mu);
            sent.insert(key);
          }
          const Reply r = Call("POST", "/v1/jobs", kLab, spec, key);
          if (r.status == 201 || r.status == 200) {
            std::lock_guard lock(mu);
            acked[key] = r.json["id"].get<int>();
          } else {
            return;  // the daemon is gone
          }
        }
      });
    }
    Within(60, [&] {
      std::lock_guard lock(mu);
      return sent.size() >= kill_after;
    });
    Stop(SIGKILL);
    down = true;
    for (std::thread& t : clients) t.join();

    Start();
    std::map<std::string, int> by_key;
    for (const Json& j : AllJobs()) {
      ASSERT_TRUE(j.contains("idempotency_key")) << j;
      const std::string key = j["idempotency_key"];
      EXPECT_TRUE(by_key.emplace(key, j["id"].get<int>()).second) << "two jobs for " << key;
      EXPECT_TRUE(sent.count(key)) << "a job nobody sent: " << key;
      EXPECT_EQ(j["name"], "unit");
    }
    for (const auto& [key, id] : acked) {
      ASSERT_TRUE(by_key.count(key)) << "acknowledged job lost: " << key;
      EXPECT_EQ(by_key[key], id) << key;
    }
    // Retried with their keys, the unacknowledged submissions become exactly one job each.
    for (const std::string& key : sent) {
      if (acked.count(key)) continue;
      const Reply r = Call("POST", "/v1/jobs", kLab, spec, key);
      ASSERT_TRUE(r.status == 200 || r.status == 201) << r.body;
      if (by_key.count(key)) {
        EXPECT_EQ(r.status, 200) << key;  // it had been committed: the first job comes back
        EXPECT_EQ(r.json["id"], by_key[key]);
      }
    }
    std::set<std::string> keys;
    for (const Json& j : AllJobs()) {
      EXPECT_TRUE(keys.insert(j["idempotency_key"].get<std::string>()).second);
    }
    EXPECT_EQ(keys, sent);
    // Every job runs to its end, never two runs of one job at once.
    ASSERT_TRUE(Within(120, [&] {
      for (const Json& j : AllJobs()) {
        if (j["state"] != "finished") return false;
      }
      return true;
    }));
    EXPECT_FALSE(fs::exists(overlaps)) << Slurp(overlaps);

    // Replay: a clean restart gives back the same jobs, states and ledger totals.
    const std::vector<Json> before = AllJobs();
    const Json costs = Call("GET", "/v1/costs", admin_.c_str()).json["tenants"];
    Stop(SIGTERM);
    Start();
    EXPECT_EQ(AllJobs(), before);
    EXPECT_EQ(Call("GET", "/v1/costs", admin_.c_str()).json["tenants"], costs);
    Stop(SIGTERM);
    fs::remove_all(dir_ / "state");
  }
}

}  // namespace
}  // namespace arbiter
