// The live daemon's benchmarks (bench/README.md, "The daemon"): durable submissions through the
// HTTP API on loopback, closed-loop (N clients as fast as they can) and paced (a fixed rate,
// latency measured from each request's scheduled time, so a stall counts for every request it
// delays); the same with 100,000 jobs queued; and a restart that replays a log of 1,000,000 events.
//
// The daemon runs in this process as `arbiter serve` assembles it (serve::Daemon), on a fleet
// written to the state directory, with one change: each pool's backend is a stand-in that takes
// every launch and reports it running (or, to build a log of many events, finished) at once,
// since the path measured is the API's, the log's and the core's, not a backend's.
#include <fcntl.h>
#include <httplib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "model/strings.h"
#include "nlohmann/json.hpp"
#include "serve/daemon.h"
#include "serve/driver.h"

namespace arbiter::serve {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;

// Takes every launch; reports it running at the next Poll, and finished at the one after if
// `finish`.
class StandInBackend final : public Backend {
 public:
  explicit StandInBackend(bool finish) : finish_(finish) {}
  absl::Status Launch(const LaunchSpec& spec) override {
    std::lock_guard lock(mu_);
    up_.push_back(spec.key);
    active_.push_back(spec.key);
    return absl::OkStatus();
  }
  absl::Status Cancel(const RunKey& key) override {
    std::lock_guard lock(mu_);
    std::erase(active_, key);
    return absl::OkStatus();
  }
  std::vector<RunReport> Poll() override {
    std::lock_guard lock(mu_);
    std::vector<RunReport> out;
    for (const RunKey& k : done_) out.push_back({k, RunStatus::kSucceeded, 0, ""});
    done_.clear();
    for (const RunKey& k : up_) {
      out.push_back({k, RunStatus::kRunning, 0, ""});
      if (finish_) {
        done_.push_back(k);
        std::erase(active_, k);
      }
    }
    up_.clear();
    return out;
  }
  absl::StatusOr<std::vector<RunKey>> Active() override {
    std::lock_guard lock(mu_);
    return active_;
  }
  absl::StatusOr<std::optional<int32_t>> Nodes() override { return std::optional<int32_t>(); }

 private:
  bool finish_;
  std::mutex mu_;
  std::vector<RunKey> up_, done_, active_;
};

struct Setup {
  std::string dir;
  int nodes = 1;        // of the one pool (8 accelerators each)
  bool finish = false;  // jobs finish at once (a log of many events)
  bool sync = true;
  int64_t gather_us = 0;  // ServeOptions::commit_gather
};

constexpr const char* kToken = "bench-admin-token-0123456789";

std::string WriteFleet(const Setup& s) {
  std::filesystem::create_directories(s.dir);
  std::ofstream(StrCat(s.dir, "/admin.token")) << kToken << "\n";
  const std::string path = StrCat(s.dir, "/fleet.yaml");
  std::ofstream(path) << "name: bench\npolicy: fifo\naccelerator_types: [H100]\n"
                      << "providers:\n  - name: cloud\n    regions:\n      - name: r\n"
                      << "        pools:\n          - type: H100\n            nodes: " << s.nodes
                      << "\n            accelerators_per_node: 8\n"
                      << "            price: {on_demand: 2.00}\n"
                      << "            backend: {kind: local}\n"
                      << "tenants:\n  - name: lab\n    first_party_of: cloud\n"
                      << "  - name: startup\n"
                      << "contracts:\n  - {tenant: startup, provider: cloud, kind: on_demand}\n"
                      << "tokens:\n  - {scope: admin, file: admin.token}\n";
  return path;
}

absl::StatusOr<std::unique_ptr<Daemon>> StartDaemon(const Setup& s) {
  ServeOptions o;
  o.config = WriteFleet(s);
  o.state_dir = StrCat(s.dir, "/state");
  o.listen = "127.0.0.1:0";
  o.sync = s.sync;
  o.poll_interval = std::chrono::milliseconds(5);
  o.commit_gather = std::chrono::microseconds(s.gather_us);
  const bool finish = s.finish;
  o.make_backend = [finish](PoolId,
                            const PoolBackend&) -> absl::StatusOr<std::unique_ptr<Backend>> {
    return std::unique_ptr<Backend>(new StandInBackend(finish));
  };
  return Daemon::Start(o);
}

const std::string kBody =
    R"({"name":"bench","tenant":"lab","resources":{"accelerators":"H100:8"},"run":"true","duration":"1h"})";

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
};
Percentiles Summarize(std::vector<double> v) {
  Percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  const auto at = [&](double q) {
    return v[std::min(v.size() - 1, static_cast<size_t>(std::ceil(q * v.size())) - 1)];
  };
  p.p50 = at(0.5);
  p.p90 = at(0.9);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  p.max = v.back();
  double sum = 0;
  for (double x : v) sum += x;
  p.mean = sum / static_cast<double>(v.size());
  return p;
}
Json ToJson(const Percentiles& p) {
  return Json{{"p50_ms", p.p50 * 1e3},   {"p90_ms", p.p90 * 1e3}, {"p99_ms", p.p99 * 1e3},
              {"p999_ms", p.p999 * 1e3}, {"max_ms", p.max * 1e3}, {"mean_ms", p.mean * 1e3}};
}

// `clients` threads submit for `seconds`: as fast as they can (rate 0), or each at rate/clients
// per second on a fixed schedule. Latency is from the scheduled time (paced) or the send.
struct LoadResult {
  int64_t ok = 0;
  int64_t failed = 0;
  double seconds = 0;
  std::vector<double> latencies;
};
LoadResult Load(int port, int clients, double seconds, double rate, double warmup) {
  LoadResult result;
  std::mutex mu;
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(clients));
  // The load runs for warmup + seconds; only requests scheduled (or sent) after the warm-up count.
  const auto start = Clock::now() + std::chrono::milliseconds(100);
  const auto measured =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup));
  const auto end = measured + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(seconds));
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      const httplib::Headers headers = {{"Authorization", StrCat("Bearer ", kToken)}};
      std::vector<double> lat;
      int64_t ok = 0, failed = 0;
      const double gap = rate > 0 ? clients / rate : 0;
      auto next = start + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(gap * c / clients));
      std::this_thread::sleep_until(start);
      while (true) {
        if (rate > 0) {
          if (next >= end) break;
          std::this_thread::sleep_until(next);
        } else if (Clock::now() >= end) {
          break;
        }
        const auto sent = rate > 0 ? next : Clock::now();
        httplib::Result r = client.Post("/v1/jobs", headers, kBody, "application/json");
        const auto done = Clock::now();
        if (sent < measured) {
          // warm-up: connections, threads, the log's first pages
        } else if (r && r->status == 201) {
          ++ok;
          lat.push_back(std::chrono::duration<double>(done - sent).count());
          if (std::getenv("SERVE_BENCH_TRACE") && lat.back() > 0.01) {
            std::fprintf(stderr, "slow: at %.3f s, %.1f ms\n",
                         std::chrono::duration<double>(sent - start).count(), lat.back() * 1e3);
          }
        } else {
          ++failed;
        }
        if (rate > 0) {
          next += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(gap));
        }
      }
      std::lock_guard lock(mu);
      result.ok += ok;
      result.failed += failed;
      result.latencies.insert(result.latencies.end(), lat.begin(), lat.end());
    });
  }
  for (std::thread& t : threads) t.join();
  result.seconds = std::chrono::duration<double>(Clock::now() - measured).count();
  return result;
}

int Port(Daemon& d) {
  const std::string a = d.address();
  return std::stoi(a.substr(a.rfind(':') + 1));
}

int64_t PeakRssKib() {
  struct rusage u {};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// The disk's own cost of durability, measured in the same directory just before the load: 200
// overwrites of one 4 KiB block, each followed by fdatasync (what one commit's sync costs at
// least).
Percentiles FsyncBaseline(const std::string& dir) {
  const std::string path = StrCat(dir, "/fsync-probe");
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  std::vector<double> lat;
  if (fd < 0) return {};
  char block[4096] = {};
  for (int i = 0; i < 16; ++i) (void)::pwrite(fd, block, sizeof(block), i * 4096);
  ::fsync(fd);
  for (int i = 0; i < 200; ++i) {
    const auto t0 = Clock::now();
    (void)::pwrite(fd, block, sizeof(block), (i % 16) * 4096);
    ::fdatasync(fd);
    lat.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  ::close(fd);
  ::unlink(path.c_str());
  return Summarize(lat);
}

// Submits through the driver directly (no HTTP), `n` at a time, until `done` holds.
// Submits through the driver directly (no HTTP), `batch` at a time, until `done` holds. With
// `backlog` > 0 it waits while more than that many jobs are queued, so that the log is a mix of
// submissions, launches, runs and ends rather than submissions alone; every other job is the
// startup's, bought through the market (a request, an ask, an answer, an award).
void Fill(Driver& driver, int64_t batch, int64_t backlog, const std::function<bool()>& done) {
  Job job;
  job.name = "fill";
  job.accelerators = 8;
  job.nodes = 1;
  job.throughputs.push_back({AcceleratorTypeId(0), 1'000'000});
  job.work = 3'600'000'000;
  int64_t n = 0;
  while (!done()) {
    if (backlog > 0) {
      int64_t pending = 0;
      {
        auto lock = driver.ReadLock();
        pending = driver.broker().pending_jobs();
      }
      if (pending > backlog) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
    }
    std::vector<std::future<absl::StatusOr<SubmitResult>>> futures;
    for (int64_t i = 0; i < batch; ++i) {
      Submission s;
      s.job = job;
      s.launch.run = "true";
      const TenantId tenant(backlog > 0 ? static_cast<int32_t>(n++ % 2) : 0);
      futures.push_back(driver.Submit(std::move(s), tenant));
    }
    for (auto& f : futures) f.get();
  }
}

int Main(int argc, char** argv) {
  CLI::App app{"Benchmarks of arbiter serve (bench/README.md)"};
  std::string mode = "throughput";
  std::string dir = "/tmp/arbiter-serve-bench";
  int clients = 0;
  double seconds = 10;
  double warmup = 1;
  double settle = 5;
  double rate = 2000;
  int64_t queued = 100'000;
  int64_t events = 1'000'000;
  int repeat = 3;
  bool no_sync = false;
  int64_t gather_us = 0;
  app.add_option("--mode", mode, "throughput | paced | queued | restart");
  app.add_option("--dir", dir, "Scratch directory (emptied first)");
  app.add_option("--clients", clients, "Concurrent HTTP clients");
  app.add_option("--seconds", seconds, "Load duration per measurement");
  app.add_option("--warmup", warmup, "Seconds of load before the measurement (not counted)");
  app.add_option("--settle", settle, "Seconds between filling the queue and the load (queued)");
  app.add_option("--rate", rate, "Submissions per second (paced, queued)");
  app.add_option("--queued", queued, "Jobs queued before measuring (queued)");
  app.add_option("--events", events, "Events in the log (restart)");
  app.add_option("--repeat", repeat, "Repetitions (restart)");
  app.add_flag("--no-sync", no_sync, "No fsync per commit (EventLogOptions::sync = false)");
  app.add_option("--gather-us", gather_us, "Group commit's gather window (DriverOptions)");
  CLI11_PARSE(app, argc, argv);
  // Closed loop: 16 clients (the target's). Paced: enough connections that the generator keeps
  // its schedule even when a commit stalls (each connection has one request in flight).
  if (clients <= 0) clients = mode == "throughput" ? 16 : 64;
  std::filesystem::remove_all(dir);
  Setup setup;
  setup.dir = dir;
  setup.sync = !no_sync;
  setup.gather_us = gather_us;
  Json out = Json::object();
  out["bench"] = "serve";
  out["mode"] = mode;
  out["sync"] = setup.sync;

  if (mode == "throughput" || mode == "paced" || mode == "queued") {
    std::filesystem::create_directories(dir);
    out["fdatasync"] = ToJson(FsyncBaseline(dir));
    absl::StatusOr<std::unique_ptr<Daemon>> daemon = StartDaemon(setup);
    if (!daemon.ok()) {
      std::fprintf(stderr, "%s\n", std::string(daemon.status().message()).c_str());
      return 1;
    }
    if (mode == "queued") {
      const auto t0 = Clock::now();
      Driver& driver = (*daemon)->driver();
      Fill(driver, 2000, 0, [&] {
        auto lock = driver.ReadLock();
        return driver.broker().pending_jobs() >= queued;
      });
      out["fill_s"] = std::chrono::duration<double>(Clock::now() - t0).count();
      // The bulk fill wrote ~100 MB of log in a second; let its background checkpoint finish, as
      // it would have over the hours 100,000 jobs take to arrive.
      std::this_thread::sleep_for(std::chrono::duration<double>(settle));
      out["settle_s"] = settle;
      auto lock = driver.ReadLock();
      out["queued_before"] = driver.broker().pending_jobs();
    }
    const LoadResult r =
        Load(Port(**daemon), clients, seconds, mode == "throughput" ? 0 : rate, warmup);
    out["warmup_s"] = warmup;
    out["clients"] = clients;
    out["rate"] = mode == "throughput" ? 0 : rate;
    out["seconds"] = r.seconds;
    out["acknowledged"] = r.ok;
    out["failed"] = r.failed;
    out["per_s"] = static_cast<double>(r.ok) / r.seconds;
    out["latency"] = ToJson(Summarize(r.latencies));
    {
      Driver& driver = (*daemon)->driver();
      auto lock = driver.ReadLock();
      const Histogram::Snapshot commits = driver.log().commit_latency().Take();
      out["commits"] = commits.count;
      out["mean_batch"] = static_cast<double>(driver.log().last_seq()) /
                          static_cast<double>(std::max<int64_t>(1, commits.count));
      out["mean_commit_ms"] = commits.sum / std::max<int64_t>(1, commits.count) * 1e3;
      Json buckets = Json::object();
      for (size_t i = 0; i < commits.bounds.size(); ++i) {
        buckets[StrCat("le_", commits.bounds[i] * 1e3, "ms")] = commits.cumulative[i];
      }
      out["commit_buckets"] = std::move(buckets);
      out["queued_after"] = driver.broker().pending_jobs();
    }
    (*daemon)->Stop();
    out["peak_rss_kib"] = PeakRssKib();
    const Json& l = out["latency"];
    std::fprintf(stderr,
                 "%s: %.0f acknowledged submissions/s, p50 %.2f ms, p99 %.2f ms (%d clients%s)\n",
                 mode.c_str(), out["per_s"].get<double>(), l["p50_ms"].get<double>(),
                 l["p99_ms"].get<double>(), clients,
                 mode == "throughput" ? "" : StrCat(", ", rate, "/s offered").c_str());
  } else if (mode == "restart") {
    setup.nodes = 64;
    setup.finish = true;
    setup.sync = false;  // building the log; the restart reads it the same either way
    {
      absl::StatusOr<std::unique_ptr<Daemon>> daemon = StartDaemon(setup);
      if (!daemon.ok()) {
        std::fprintf(stderr, "%s\n", std::string(daemon.status().message()).c_str());
        return 1;
      }
      const auto t0 = Clock::now();
      Driver& driver = (*daemon)->driver();
      Fill(driver, 500, 1000, [&] {
        auto lock = driver.ReadLock();
        return driver.log().last_seq() >= events;
      });
      out["build_s"] = std::chrono::duration<double>(Clock::now() - t0).count();
      (*daemon)->Stop();
    }
    std::vector<double> serving, replay;
    for (int i = 0; i < repeat; ++i) {
      const auto t0 = Clock::now();
      absl::StatusOr<std::unique_ptr<Daemon>> daemon = StartDaemon(setup);
      if (!daemon.ok()) {
        std::fprintf(stderr, "%s\n", std::string(daemon.status().message()).c_str());
        return 1;
      }
      httplib::Client client("127.0.0.1", Port(**daemon));
      while (true) {
        httplib::Result r = client.Get("/healthz");
        if (r && r->status == 200) break;
      }
      serving.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
      Driver& driver = (*daemon)->driver();
      auto lock = driver.ReadLock();
      replay.push_back(driver.replay_seconds());
      out["records"] = driver.replayed_records();
      out["jobs"] = driver.jobs();
      std::fprintf(stderr, "restart %d: %lld records replayed in %.2f s, serving after %.2f s\n", i,
                   static_cast<long long>(driver.replayed_records()), replay.back(),
                   serving.back());
    }
    std::sort(serving.begin(), serving.end());
    std::sort(replay.begin(), replay.end());
    out["serving_s"] = serving;
    out["replay_s"] = replay;
    out["median_serving_s"] = serving[serving.size() / 2];
    out["db_bytes"] =
        static_cast<int64_t>(std::filesystem::file_size(StrCat(dir, "/state/events.db")));
    out["peak_rss_kib"] = PeakRssKib();
  } else {
    std::fprintf(stderr, "unknown --mode %s\n", mode.c_str());
    return 2;
  }
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace
}  // namespace arbiter::serve

int main(int argc, char** argv) { return arbiter::serve::Main(argc, argv); }
