// Arbiter on Slurm against plain Slurm, side by side in one run on the same local clusters of
// scripts/local-slurm.sh (bench/README.md, "On Slurm"):
//
//   submissions per second, with both clusters drained so that nothing runs and only the
//   submission path is measured (Slurm queues the jobs, Arbiter's core queues them):
//     sbatch        N plain `sbatch` processes one after another, and from C clients at once
//     backend       the Slurm backend's own stream of sbatch: N launches, one Step() of the
//                   backend (N sbatch + one squeue + one sinfo), as the daemon's backend thread
//                   would do them
//     arbiter       N `arbiter submit JOB.yaml` processes one after another, and N submissions
//                   through the HTTP API from C clients at once (durable: fsync per commit)
//   time from submission to running, on idle clusters, one job at a time: from just before the
//   submission to the moment the job's task writes the clock (`date +%s.%N` on its node):
//     direct        sbatch --wrap 'srun ...' (the user's environment, as sbatch does by default)
//     direct, --export=NONE   the same with the option the Slurm backend passes
//     arbiter       POST /v1/jobs to a daemon on examples/slurm/fleet.yaml
//
// The daemon runs in this process as `arbiter serve` assembles it (serve::Daemon), on
// examples/slurm/fleet.yaml with the conf paths of this run's clusters. The clusters must be up
// (bash scripts/local-slurm.sh up); the benchmark drains and resumes their nodes.
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "backends/slurm/command.h"
#include "backends/slurm/slurm_backend.h"
#include "model/strings.h"
#include "nlohmann/json.hpp"
#include "serve/daemon.h"

namespace arbiter {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

double Seconds(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}
double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Run {
  fs::path source;      // the repository
  fs::path slurm_dir;   // the clusters' directory
  fs::path work;        // scratch
  std::string arbiter;  // the arbiter binary
  int jobs = 300;
  int clients = 8;
  int samples = 20;
};

// A Slurm command on one cluster; exits the benchmark if it cannot be run at all.
slurm::CommandResult Slurm(const Run& run, const std::string& cluster,
                           const std::vector<std::string>& argv) {
  slurm::ProcessRunner runner({{"SLURM_CONF", (run.slurm_dir / cluster / "slurm.conf").string()}},
                              absl::Seconds(60));
  absl::StatusOr<slurm::CommandResult> r = runner.Run(argv, "");
  if (!r.ok()) {
    std::fprintf(stderr, "slurm_bench: %s\n", std::string(r.status().message()).c_str());
    std::exit(1);
  }
  return *r;
}

void WaitUntil(const std::function<bool()>& done, const char* what) {
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(120);
  while (!done()) {
    if (Clock::now() > deadline) {
      std::fprintf(stderr, "slurm_bench: gave up waiting for %s\n", what);
      std::exit(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Cancels every job of ours on both clusters and waits until none is left.
void ClearQueues(const Run& run) {
  for (const char* c : {"primary", "rival"}) {
    Slurm(run, c, {"scancel", "--me"});
    WaitUntil(
        [&] {
          return Slurm(run, c, {"squeue", "--noheader", "--me"}).out.empty();
        },
        "the queues to empty");
  }
}

void SetNodes(const Run& run, const char* state) {
  for (const char* c : {"primary", "rival"}) {
    slurm::CommandResult r = Slurm(run, c,
                                   {"scontrol", "update", StrCat("nodename=", c, "[1-4]"),
                                    StrCat("state=", state), "reason=slurm_bench"});
    if (r.exit_code != 0) {
      std::fprintf(stderr, "slurm_bench: scontrol update state=%s on %s: %s", state, c,
                   r.err.c_str());
      std::exit(1);
    }
  }
}

// Runs `count` copies of `one` from `clients` threads at once; the rate in jobs per second.
double Rate(int count, int clients, const std::function<bool(int)>& one) {
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(clients));
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      for (int i; (i = next.fetch_add(1)) < count;) {
        if (!one(i)) failed.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const double seconds = Seconds(start, Clock::now());
  if (failed.load() > 0) {
    std::fprintf(stderr, "slurm_bench: %d of %d submissions failed\n", failed.load(), count);
    std::exit(1);
  }
  return count / seconds;
}

Json Stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const auto at = [&](double q) { return v[static_cast<size_t>(q * (v.size() - 1) + 0.5)]; };
  Json j;
  j["median_s"] = at(0.5);
  j["p90_s"] = at(0.9);
  j["min_s"] = v.front();
  j["max_s"] = v.back();
  return j;
}

// The daemon on examples/slurm/fleet.yaml, for this run's clusters, with `state` its state.
std::unique_ptr<serve::Daemon> StartDaemon(const Run& run, const fs::path& state) {
  std::string text = Slurp(run.source / "examples/slurm/fleet.yaml");
  const auto replace = [&](const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  };
  replace("conf: ../../build/slurm/", StrCat("conf: ", run.slurm_dir.string(), "/"));
  replace("job_prefix: arbiter-", "job_prefix: bench-arbiter-");
  replace("file: tokens/", StrCat("file: ", (run.source / "examples/slurm/tokens").string(), "/"));
  fs::create_directories(state);
  std::ofstream(state.parent_path() / "fleet.yaml") << text;
  serve::ServeOptions options;
  options.config = (state.parent_path() / "fleet.yaml").string();
  options.state_dir = state.string();
  options.listen = "127.0.0.1:0";
  options.nodes_interval = 1;
  absl::StatusOr<std::unique_ptr<serve::Daemon>> daemon = serve::Daemon::Start(options);
  if (!daemon.ok()) {
    std::fprintf(stderr, "slurm_bench: the daemon: %s\n",
                 std::string(daemon.status().message()).c_str());
    std::exit(1);
  }
  return *std::move(daemon);
}

struct Api {
  std::string host;
  int port = 0;
  std::string token;

  explicit Api(const serve::Daemon& daemon, std::string t) : token(std::move(t)) {
    const std::string a = daemon.address();
    host = a.substr(0, a.rfind(':'));
    port = std::stoi(a.substr(a.rfind(':') + 1));
  }
  httplib::Result Post(const std::string& path, const std::string& body) const {
    httplib::Client client(host, port);
    return client.Post(path, {{"Authorization", StrCat("Bearer ", token)}}, body,
                       "application/yaml");
  }
  Json Get(const std::string& path) const {
    httplib::Client client(host, port);
    httplib::Result r = client.Get(path, {{"Authorization", StrCat("Bearer ", token)}});
    return r ? Json::parse(r->body, nullptr, false) : Json();
  }
};

constexpr char kQueuedJob[] =
    "name: bench\nresources:\n  accelerators: H100:1\nduration: 1m\nrun: 'true'\n";

int Main(int argc, char** argv) {
  Run run;
  std::string source = ARBITER_SOURCE_DIR;
  std::string slurm_dir;
  std::string work;
  CLI::App app{"Arbiter on Slurm against plain Slurm (bench/README.md, \"On Slurm\")"};
  app.add_option("--jobs", run.jobs, "Submissions per throughput measurement")
      ->capture_default_str();
  app.add_option("--clients", run.clients, "Concurrent clients")->capture_default_str();
  app.add_option("--samples", run.samples, "Jobs per latency measurement")->capture_default_str();
  app.add_option("--source", source, "The repository")->capture_default_str();
  app.add_option("--slurm-dir", slurm_dir, "The clusters' directory (default SOURCE/build/slurm)");
  app.add_option("--arbiter", run.arbiter, "The arbiter binary (default: beside this one)");
  app.add_option("--work", work, "Scratch directory (default: a temporary one)");
  CLI11_PARSE(app, argc, argv);
  run.source = source;
  run.slurm_dir = slurm_dir.empty() ? run.source / "build/slurm" : fs::path(slurm_dir);
  if (run.arbiter.empty()) {
    run.arbiter =
        (fs::canonical("/proc/self/exe").parent_path().parent_path() / "src/cli/arbiter").string();
  }
  run.work =
      work.empty() ? fs::temp_directory_path() / StrCat("slurm_bench-", getpid()) : fs::path(work);
  fs::remove_all(run.work);
  fs::create_directories(run.work);
  const std::string lab =
      std::string(StripWhitespace(Slurp(run.source / "examples/slurm/tokens/lab.token")));
  Json out;
  out["bench"] = "slurm";
  out["jobs"] = run.jobs;
  out["clients"] = run.clients;
  out["samples"] = run.samples;

  // --- Submissions per second, nothing running. ---
  ClearQueues(run);
  SetNodes(run, "drain");
  const std::vector<std::string> sbatch = {"sbatch",
                                           "--parsable",
                                           "--nodes=1",
                                           "--gres=gpu:1",
                                           "--output=/dev/null",
                                           "--job-name=bench-direct",
                                           "--wrap",
                                           "true"};
  const auto one_sbatch = [&](int) { return Slurm(run, "primary", sbatch).exit_code == 0; };
  out["sbatch_sequential_per_s"] = Rate(run.jobs, 1, one_sbatch);
  ClearQueues(run);
  out["sbatch_concurrent_per_s"] = Rate(run.jobs, run.clients, one_sbatch);
  ClearQueues(run);
  {
    slurm::SlurmOptions options;
    options.cluster = "primary";
    options.conf = (run.slurm_dir / "primary/slurm.conf").string();
    options.submit.job_prefix = "bench-backend";
    options.background = false;
    absl::StatusOr<std::unique_ptr<slurm::SlurmBackend>> backend =
        slurm::SlurmBackend::Create(options);
    if (!backend.ok() || !(*backend)->Nodes().ok()) {  // the first read, outside the timing
      std::fprintf(stderr, "slurm_bench: the Slurm backend cannot reach primary\n");
      return 1;
    }
    for (int i = 0; i < run.jobs; ++i) {
      LaunchSpec spec{.key = {JobId(i), 1},
                      .job_name = "bench",
                      .tenant = "lab",
                      .pool = "primary",
                      .nodes = 1,
                      .accelerators_per_node = 1,
                      .run = "true",
                      .checkpoint_dir = (run.work / "backend/ckpt").string(),
                      .log_dir = (run.work / "backend/logs" / StrCat(i)).string()};
      if (absl::Status s = (*backend)->Launch(spec); !s.ok()) {
        std::fprintf(stderr, "slurm_bench: %s\n", std::string(s.message()).c_str());
        return 1;
      }
    }
    const Clock::time_point start = Clock::now();
    (*backend)->Step();
    out["backend_per_s"] = run.jobs / Seconds(start, Clock::now());
    for (const RunReport& r : (*backend)->Poll()) {
      if (r.status == RunStatus::kLost) {
        std::fprintf(stderr, "slurm_bench: backend launch lost: %s\n", r.reason.c_str());
        return 1;
      }
    }
  }
  ClearQueues(run);
  {
    std::unique_ptr<serve::Daemon> daemon = StartDaemon(run, run.work / "queued/state");
    Api api(*daemon, lab);
    const Api admin(
        *daemon,
        std::string(StripWhitespace(Slurp(run.source / "examples/slurm/tokens/admin.token"))));
    WaitUntil(
        [&] {
          const Json pools = admin.Get("/v1/pools");
          if (!pools.contains("pools") || pools["pools"].empty()) return false;
          for (const Json& p : pools["pools"]) {
            if (p.value("capacity", -1) != 0) return false;
          }
          return true;
        },
        "the daemon to see the drained clusters");
    const fs::path job = run.work / "queued/job.yaml";
    std::ofstream(job) << kQueuedJob;
    slurm::ProcessRunner cli(
        {{"ARBITER_SERVER", StrCat("http://", daemon->address())}, {"ARBITER_TOKEN", lab}},
        absl::Seconds(60));
    out["arbiter_submit_sequential_per_s"] = Rate(run.jobs, 1, [&](int) {
      absl::StatusOr<slurm::CommandResult> r = cli.Run({run.arbiter, "submit", job.string()}, "");
      return r.ok() && r->exit_code == 0;
    });
    out["api_concurrent_per_s"] = Rate(run.jobs, run.clients, [&](int) {
      httplib::Result r = api.Post("/v1/jobs", kQueuedJob);
      return r && r->status == 201;
    });
    daemon->Stop();
  }
  SetNodes(run, "resume");

  // --- Time from submission to running, idle clusters, one job at a time. ---
  const auto direct = [&](bool export_none) {
    std::vector<double> latencies;
    for (int i = 0; i < run.samples; ++i) {
      const fs::path started = run.work / StrCat("direct-", export_none, "-", i);
      std::vector<std::string> args = {"sbatch", "--parsable", "--nodes=1", "--gres=gpu:1",
                                       "--output=/dev/null"};
      if (export_none) args.push_back("--export=NONE");
      args.push_back("--wrap");
      args.push_back(StrCat("export SLURM_EXPORT_ENV=ALL; srun bash -c 'date +%s.%N > ",
                            started.string(), ".tmp && mv ", started.string(), ".tmp ",
                            started.string(), "'"));
      const double t0 = UnixNow();
      if (Slurm(run, "primary", args).exit_code != 0) std::exit(1);
      WaitUntil([&] { return fs::exists(started); }, "a direct job to start");
      latencies.push_back(std::stod(Slurp(started)) - t0);
    }
    return latencies;
  };
  out["latency_direct"] = Stats(direct(false));
  ClearQueues(run);
  out["latency_direct_export_none"] = Stats(direct(true));
  ClearQueues(run);
  {
    std::unique_ptr<serve::Daemon> daemon = StartDaemon(run, run.work / "latency/state");
    Api api(*daemon, lab);
    std::vector<double> latencies;
    for (int i = 0; i < run.samples; ++i) {
      const std::string body =
          "name: started\nresources:\n  accelerators: H100:1\nduration: 1m\nrun: |\n"
          "  date +%s.%N > \"$ARBITER_CHECKPOINT_DIR/started.tmp\" && "
          "mv \"$ARBITER_CHECKPOINT_DIR/started.tmp\" \"$ARBITER_CHECKPOINT_DIR/started\"\n";
      const double t0 = UnixNow();
      httplib::Result r = api.Post("/v1/jobs", body);
      if (!r || r->status != 201) {
        std::fprintf(stderr, "slurm_bench: submission refused\n");
        return 1;
      }
      const Json job = Json::parse(r->body);
      const fs::path started =
          run.work / "latency/state/checkpoints" / StrCat(job["id"].get<int64_t>()) / "started";
      WaitUntil([&] { return fs::exists(started); }, "an Arbiter job to start");
      latencies.push_back(std::stod(Slurp(started)) - t0);
    }
    out["latency_arbiter"] = Stats(latencies);
    daemon->Stop();
  }
  ClearQueues(run);
  fs::remove_all(run.work);

  std::printf("%s\n", out.dump().c_str());
  std::fprintf(
      stderr,
      "submissions/s (%d jobs, %d clients for the concurrent ones)\n"
      "  sbatch sequential       %8.1f\n"
      "  sbatch concurrent       %8.1f\n"
      "  Slurm backend (sbatch)  %8.1f\n"
      "  arbiter submit          %8.1f\n"
      "  API concurrent          %8.1f\n"
      "submission to running (s, %d jobs): median / p90 / max\n"
      "  sbatch                  %.3f / %.3f / %.3f\n"
      "  sbatch --export=NONE    %.3f / %.3f / %.3f\n"
      "  arbiter (API)           %.3f / %.3f / %.3f\n",
      run.jobs, run.clients, out["sbatch_sequential_per_s"].get<double>(),
      out["sbatch_concurrent_per_s"].get<double>(), out["backend_per_s"].get<double>(),
      out["arbiter_submit_sequential_per_s"].get<double>(),
      out["api_concurrent_per_s"].get<double>(), run.samples,
      out["latency_direct"]["median_s"].get<double>(), out["latency_direct"]["p90_s"].get<double>(),
      out["latency_direct"]["max_s"].get<double>(),
      out["latency_direct_export_none"]["median_s"].get<double>(),
      out["latency_direct_export_none"]["p90_s"].get<double>(),
      out["latency_direct_export_none"]["max_s"].get<double>(),
      out["latency_arbiter"]["median_s"].get<double>(),
      out["latency_arbiter"]["p90_s"].get<double>(), out["latency_arbiter"]["max_s"].get<double>());
  return 0;
}

}  // namespace
}  // namespace arbiter

int main(int argc, char** argv) { return arbiter::Main(argc, argv); }
