// Reproduces the shape of the Gavel paper's headline experiments on Arbiter (docs/gavel.md):
//
//  - continuous: mean job completion time against the input job rate. For each rate and seed,
//    Gavel's continuous-single job stream (tools/gavel_workload.h) runs on the scenario's cluster
//    under each policy; as in Gavel's artifact, the mean is over a window of jobs in steady state
//    (by default jobs 4000-4999, Gavel's own window) while jobs keep arriving. Arbiter runs the
//    stream until a margin after the window's last arrival (the scenario's horizon): jobs that
//    arrive later cannot change the window's completion times, so these are exact if every job of
//    the window has finished by then. If one has not, the run is repeated with three times the
//    margin (14, 42, then 126 days); a point whose window still does not finish is reported as
//    saturated (no steady state), as Gavel's sweep leaves such points out.
//  - static: the makespan of a batch of multi-GPU jobs that all arrive at once, for each batch
//    size and seed (Gavel's static-multiple trace).
//
// Outputs in --out: continuous.csv (one row per run), jct.svg (mean over seeds of the window's
// mean JCT against the rate, one line per policy), static.csv and makespan.svg when --static is
// given, and summary.md (the tables, the ratios of each agnostic baseline to its
// heterogeneity-aware policy, and how long the sweep took). Everything but the run times is
// deterministic: the same arguments give the same files.
//
//   build/release/tools/gavel_experiment --out docs/gavel          # the whole sweep
//   build/release/tools/gavel_experiment --write-trace FILE --jobs-per-hour 3 --jobs 1000
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "CLI/CLI.hpp"
#include "formats/scenario_yaml.h"
#include "model/strings.h"
#include "report/svg.h"
#include "sim/simulator.h"
#include "tools/gavel_workload.h"

namespace arbiter::tools {
namespace {

using Clock = std::chrono::steady_clock;

constexpr Duration kDay = 86400;
constexpr Duration kMargins[] = {14 * kDay, 42 * kDay, 126 * kDay};

double Seconds(Clock::time_point from) {
  return std::chrono::duration<double>(Clock::now() - from).count();
}

// CPU time of the process so far (every thread).
double CpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

absl::Status WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) return absl::InternalError(StrCat(path.string(), ": cannot write"));
  return absl::OkStatus();
}

std::string Hours(double seconds) { return Format("%.1f", seconds / 3600); }

// Job-hours during which a GPU was free while a job waited that could have used it, counted as
// min(free GPUs, GPUs of waiting jobs) over the run: exact for single-GPU jobs that every GPU
// can run (the continuous-single stream), an upper bound otherwise.
double IdleWhileWaitingHours(const Simulator& sim, Time until) {
  const Scenario& scenario = sim.scenario();
  int64_t capacity = 0;
  for (const Pool& pool : scenario.fleet.pools) capacity += pool.capacity();
  // (time, change of running GPUs, change of waiting GPUs)
  std::vector<std::tuple<Time, int64_t, int64_t>> steps;
  std::vector<std::vector<std::pair<Time, Time>>> runs(scenario.jobs.size());
  for (const Charge& c : sim.broker().ledger().charges()) {
    if (c.job.valid() && c.end > c.start) runs[c.job.index()].emplace_back(c.start, c.end);
  }
  for (size_t j = 0; j < scenario.jobs.size(); ++j) {
    const Job& job = scenario.jobs[j];
    if (job.submit >= until) continue;
    const JobOutcome& o = sim.broker().outcome(JobId::FromIndex(j));
    const Time end = o.state == JobState::kFinished ? std::min(o.end, until) : until;
    std::sort(runs[j].begin(), runs[j].end());
    Time at = job.submit;
    for (const auto& [start, stop] : runs[j]) {
      steps.emplace_back(at, 0, job.accelerators);  // waits from `at`
      steps.emplace_back(start, job.accelerators, -job.accelerators);
      steps.emplace_back(stop, -job.accelerators, 0);
      at = stop;
    }
    if (at < end) {
      steps.emplace_back(at, 0, job.accelerators);
      steps.emplace_back(end, 0, -job.accelerators);
    }
  }
  std::sort(steps.begin(), steps.end());
  int64_t running = 0;
  int64_t waiting = 0;
  double idle = 0;
  Time last = 0;
  for (const auto& [t, d_running, d_waiting] : steps) {
    idle +=
        static_cast<double>(std::min(capacity - running, waiting)) * static_cast<double>(t - last);
    last = t;
    running += d_running;
    waiting += d_waiting;
  }
  return idle / 3600;
}

struct Config {
  std::string scenario = "examples/gavel-cluster.yaml";
  std::string throughputs = "data/gavel/simulation_throughputs.json";
  std::string out = "out/gavel";
  std::vector<std::string> policies = {"gavel-maxmin", "gavel-maxmin-agnostic", "gavel-fifo",
                                       "gavel-fifo-agnostic", "gavel-cost"};
  std::vector<double> rates = {0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6};
  std::vector<uint64_t> seeds = {0, 1, 2};
  int64_t window_start = 4000;
  int64_t window_end = 5000;
  std::vector<int64_t> static_jobs;  // batch sizes of the static experiment (none: skip it)
  std::vector<std::string> static_policies = {"gavel-makespan", "gavel-fifo", "gavel-fifo-agnostic",
                                              "gavel-maxmin-agnostic"};
  int threads = 2;
};

// One simulation of the sweep.
struct Run {
  std::string policy;
  double rate = 0;  // continuous: jobs per hour; static: the batch size
  uint64_t seed = 0;
  bool is_static = false;
  // Results.
  bool done = false;
  bool saturated = false;
  int64_t jobs = 0;        // simulated
  Duration margin = 0;     // continuous: after the window's last arrival
  double mean_jct = 0;     // seconds; continuous: over the window
  double makespan = 0;     // seconds; static
  double idle_h = 0;       // GPU-hours free while a job waited
  double utilisation = 0;  // busy GPU-time / capacity over the run
  double seconds = 0;      // wall time of its simulations
  std::string error;
};

class Experiment {
 public:
  Experiment(Config config, GavelThroughputs throughputs)
      : config_(std::move(config)), throughputs_(std::move(throughputs)) {}

  absl::Status Sweep() {
    const auto started = Clock::now();
    const double cpu_started = CpuSeconds();
    std::filesystem::create_directories(config_.out);
    traces_ = std::filesystem::temp_directory_path() / StrCat("arbiter-gavel-", getpid());
    std::filesystem::create_directories(traces_);
    for (double rate : config_.rates) {
      for (const std::string& policy : config_.policies) {
        for (uint64_t seed : config_.seeds) runs_.push_back({policy, rate, seed});
      }
    }
    for (int64_t jobs : config_.static_jobs) {
      for (const std::string& policy : config_.static_policies) {
        for (uint64_t seed : config_.seeds) {
          Run run{policy, static_cast<double>(jobs), seed};
          run.is_static = true;
          runs_.push_back(run);
        }
      }
    }
    std::atomic<size_t> next{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < std::max(1, config_.threads); ++t) {
      workers.emplace_back([&] {
        for (size_t i = next++; i < runs_.size(); i = next++) Simulate(runs_[i]);
      });
    }
    for (std::thread& w : workers) w.join();
    std::filesystem::remove_all(traces_);
    for (const Run& run : runs_) {
      if (!run.error.empty()) {
        return absl::InternalError(
            StrCat(run.policy, " at ", run.rate, " seed ", run.seed, ": ", run.error));
      }
    }
    sweep_seconds_ = Seconds(started);
    sweep_cpu_seconds_ = CpuSeconds() - cpu_started;
    return Write();
  }

 private:
  // The stream of (rate, seed) as a trace file of its first `jobs` jobs; the scenario loads it.
  absl::StatusOr<Scenario> Load(const Run& run, int64_t jobs, Time horizon) {
    GavelStreamOptions options;
    options.jobs = jobs;
    options.seed = run.seed;
    if (run.is_static) {
      options.all_at_once = true;
      options.multi_gpu = true;
    } else {
      options.jobs_per_hour = run.rate;
    }
    absl::StatusOr<std::vector<GavelRow>> rows = GenerateGavelStream(throughputs_, options);
    if (!rows.ok()) return rows.status();
    const std::filesystem::path trace =
        traces_ / StrCat(run.is_static ? "static-" : "rate-", run.rate, "-seed-", run.seed, "-",
                         run.policy, ".trace");
    if (absl::Status s = WriteFile(trace, FormatGavelTrace(*rows)); !s.ok()) return s;
    ScenarioLoadOptions load;
    load.overrides.push_back(StrCat("workloads[0].path=", trace.string()));
    if (horizon != kNever) load.overrides.push_back(StrCat("horizon=", horizon));
    absl::StatusOr<Scenario> scenario = LoadScenario(config_.scenario, load);
    std::filesystem::remove(trace);
    return scenario;
  }

  // Jobs of the stream (rate, seed) that arrive up to `margin` after the window's last arrival,
  // and that time.
  absl::StatusOr<std::pair<int64_t, Time>> Cut(const Run& run, Duration margin) {
    GavelStreamOptions options;
    options.jobs_per_hour = run.rate;
    options.seed = run.seed;
    options.jobs =
        config_.window_end +
        static_cast<int64_t>(std::ceil(run.rate * static_cast<double>(margin) / 3600 * 1.5)) + 100;
    absl::StatusOr<std::vector<GavelRow>> rows = GenerateGavelStream(throughputs_, options);
    if (!rows.ok()) return rows.status();
    const Time until = (*rows)[config_.window_end - 1].arrival + margin;
    int64_t jobs = config_.window_end;
    while (jobs < static_cast<int64_t>(rows->size()) && (*rows)[jobs].arrival < until) ++jobs;
    return std::make_pair(jobs, until);
  }

  void Simulate(Run& run) {
    const auto started = Clock::now();
    if (run.is_static) {
      SimulateStatic(run);
    } else {
      SimulateContinuous(run);
    }
    run.seconds = Seconds(started);
    std::lock_guard<std::mutex> lock(mu_);
    std::fprintf(stderr, "  %-22s %s %-4g seed %llu: %s (%.1f s)\n", run.policy.c_str(),
                 run.is_static ? "jobs" : "rate", run.rate,
                 static_cast<unsigned long long>(run.seed),
                 !run.error.empty() ? run.error.c_str()
                 : run.saturated    ? "saturated"
                 : run.is_static    ? StrCat("makespan ", Hours(run.makespan), " h").c_str()
                                    : StrCat("mean JCT ", Hours(run.mean_jct), " h").c_str(),
                 run.seconds);
  }

  std::unique_ptr<Simulator> RunScenario(Run& run, Scenario scenario) {
    SimOptions options;
    options.policy = run.policy;
    options.seed = run.seed;
    options.sample_interval = 0;
    options.keep_audit = false;
    absl::StatusOr<std::unique_ptr<Simulator>> sim =
        Simulator::Create(std::move(scenario), options);
    if (!sim.ok()) {
      run.error = std::string(sim.status().message());
      return nullptr;
    }
    if (absl::Status s = (*sim)->Run(); !s.ok()) {
      run.error = std::string(s.message());
      return nullptr;
    }
    return *std::move(sim);
  }

  static double Utilisation(const Simulator& sim, Time until) {
    int64_t capacity = 0;
    for (const Pool& pool : sim.scenario().fleet.pools) capacity += pool.capacity();
    double busy = 0;
    for (const Charge& c : sim.broker().ledger().charges()) {
      if (c.job.valid() && c.end > c.start) {
        busy += static_cast<double>(c.accelerators) *
                static_cast<double>(std::min(c.end, until) - std::min(c.start, until));
      }
    }
    return until > 0 ? busy / (static_cast<double>(capacity) * static_cast<double>(until)) : 0;
  }

  void SimulateContinuous(Run& run) {
    for (Duration margin : kMargins) {
      absl::StatusOr<std::pair<int64_t, Time>> cut = Cut(run, margin);
      if (!cut.ok()) {
        run.error = std::string(cut.status().message());
        return;
      }
      const auto [jobs, until] = *cut;
      absl::StatusOr<Scenario> scenario = Load(run, jobs, until);
      if (!scenario.ok()) {
        run.error = std::string(scenario.status().message());
        return;
      }
      std::unique_ptr<Simulator> sim = RunScenario(run, *std::move(scenario));
      if (sim == nullptr) return;
      run.jobs = jobs;
      run.margin = margin;
      double sum = 0;
      bool finished = true;
      for (int64_t j = config_.window_start; j < config_.window_end; ++j) {
        const Job& job = sim->scenario().jobs[static_cast<size_t>(j)];
        const JobOutcome& o = sim->broker().outcome(JobId::FromIndex(static_cast<size_t>(j)));
        if (o.state != JobState::kFinished) {
          finished = false;
          break;
        }
        sum += static_cast<double>(o.end - job.submit);
      }
      run.idle_h = IdleWhileWaitingHours(*sim, until);
      run.utilisation = Utilisation(*sim, until);
      if (finished) {
        run.mean_jct = sum / static_cast<double>(config_.window_end - config_.window_start);
        run.done = true;
        return;
      }
    }
    run.saturated = true;
  }

  void SimulateStatic(Run& run) {
    absl::StatusOr<Scenario> scenario = Load(run, static_cast<int64_t>(run.rate), kNever);
    if (!scenario.ok()) {
      run.error = std::string(scenario.status().message());
      return;
    }
    std::unique_ptr<Simulator> sim = RunScenario(run, *std::move(scenario));
    if (sim == nullptr) return;
    run.jobs = static_cast<int64_t>(run.rate);
    Time makespan = 0;
    for (const JobOutcome& o : sim->broker().outcomes()) {
      if (o.state != JobState::kFinished) {
        run.error = "a job of the batch did not finish";
        return;
      }
      makespan = std::max(makespan, o.end);
    }
    run.makespan = static_cast<double>(makespan);
    run.utilisation = Utilisation(*sim, makespan);
    run.done = true;
  }

  // Mean over seeds of `value` for (policy, x, static?); NaN if a seed saturated.
  double Mean(const std::string& policy, double x, bool is_static, double Run::*value) const {
    double sum = 0;
    int n = 0;
    for (const Run& run : runs_) {
      if (run.policy != policy || run.rate != x || run.is_static != is_static) continue;
      if (!run.done) return std::numeric_limits<double>::quiet_NaN();
      sum += run.*value;
      ++n;
    }
    return n > 0 ? sum / n : std::numeric_limits<double>::quiet_NaN();
  }

  static std::string Cell(double seconds) {
    return std::isnan(seconds) ? "saturated" : Hours(seconds);
  }

  // The agnostic baseline of `policy` among the swept ones, or "".
  std::string BaselineOf(const std::string& policy,
                         const std::vector<std::string>& policies) const {
    const std::string agnostic = StrCat(policy, "-agnostic");
    return std::find(policies.begin(), policies.end(), agnostic) != policies.end() ? agnostic : "";
  }

  std::string Chart(const std::string& id, const std::string& x_label, const std::string& y_label,
                    const std::vector<double>& xs, const std::vector<std::string>& policies,
                    bool is_static, double Run::*value) const {
    svg::LineChart chart;
    chart.id = id;
    chart.x.label = x_label;
    chart.y.label = y_label;
    chart.size = {720, 360, 170};
    for (const std::string& policy : policies) {
      svg::Line line;
      line.name = policy;
      line.markers = true;
      line.dashed = policy.ends_with("-agnostic");
      for (double x : xs) {
        line.x.push_back(x);
        line.y.push_back(Mean(policy, x, is_static, value) / 3600);
      }
      chart.lines.push_back(std::move(line));
    }
    std::string out = svg::DrawLineChart(chart);
    // A file of its own needs the SVG namespace (inline in HTML it is implied).
    out.insert(4, " xmlns=\"http://www.w3.org/2000/svg\"");
    return out + "\n";
  }

  absl::Status Write() {
    const std::filesystem::path dir(config_.out);
    std::string csv =
        "policy,jobs_per_hour,seed,jobs_simulated,margin_days,window_mean_jct_hours,"
        "idle_while_waiting_gpu_hours,utilisation,run_seconds\n";
    for (const Run& run : runs_) {
      if (run.is_static) continue;
      StrAppend(&csv, run.policy, ",", run.rate, ",", run.seed, ",", run.jobs, ",",
                run.margin / kDay, ",", run.done ? Format("%.3f", run.mean_jct / 3600) : "", ",",
                Format("%.1f", run.idle_h), ",", Format("%.4f", run.utilisation), ",",
                Format("%.1f", run.seconds), "\n");
    }
    if (absl::Status s = WriteFile(dir / "continuous.csv", csv); !s.ok()) return s;
    std::string md = StrCat("Made by `tools/gavel_experiment` (", config_.seeds.size(),
                            " seeds per point; the sweep took ", Format("%.0f", sweep_seconds_),
                            " s on ", config_.threads, " threads, ",
                            Format("%.0f", sweep_cpu_seconds_), " s of CPU time).\n\n");
    if (!config_.rates.empty()) {
      if (absl::Status s = WriteFile(dir / "jct.svg",
                                     Chart("jct", "input job rate (jobs/hour)",
                                           StrCat("mean JCT of jobs ", config_.window_start, "-",
                                                  config_.window_end - 1, " (hours)"),
                                           config_.rates, config_.policies, false, &Run::mean_jct));
          !s.ok()) {
        return s;
      }
      StrAppend(&md, "Mean completion time (hours) of jobs ", config_.window_start, "-",
                config_.window_end - 1, ", mean over seeds:\n\n| jobs/hour |");
      for (const std::string& p : config_.policies) StrAppend(&md, " `", p, "` |");
      std::vector<std::string> ratios;
      for (const std::string& p : config_.policies) {
        const std::string base = BaselineOf(p, config_.policies);
        if (!base.empty()) {
          ratios.push_back(p);
          StrAppend(&md, " `", base, "` / `", p, "` |");
        }
      }
      md += "\n|---:|";
      for (size_t i = 0; i < config_.policies.size() + ratios.size(); ++i) md += "---:|";
      md += "\n";
      for (double rate : config_.rates) {
        StrAppend(&md, "| ", rate, " |");
        for (const std::string& p : config_.policies) {
          StrAppend(&md, " ", Cell(Mean(p, rate, false, &Run::mean_jct)), " |");
        }
        for (const std::string& p : ratios) {
          const double aware = Mean(p, rate, false, &Run::mean_jct);
          const double agnostic =
              Mean(BaselineOf(p, config_.policies), rate, false, &Run::mean_jct);
          StrAppend(
              &md, " ",
              std::isnan(aware) || std::isnan(agnostic) ? "-" : Format("%.2f", agnostic / aware),
              " |");
        }
        md += "\n";
      }
    }
    if (!config_.static_jobs.empty()) {
      std::string scsv = "policy,jobs,seed,makespan_hours,utilisation,run_seconds\n";
      for (const Run& run : runs_) {
        if (!run.is_static) continue;
        StrAppend(&scsv, run.policy, ",", run.jobs, ",", run.seed, ",",
                  Format("%.3f", run.makespan / 3600), ",", Format("%.4f", run.utilisation), ",",
                  Format("%.1f", run.seconds), "\n");
      }
      if (absl::Status s = WriteFile(dir / "static.csv", scsv); !s.ok()) return s;
      std::vector<double> xs(config_.static_jobs.begin(), config_.static_jobs.end());
      if (absl::Status s =
              WriteFile(dir / "makespan.svg",
                        Chart("makespan", "jobs (all arriving at once)", "makespan (hours)", xs,
                              config_.static_policies, true, &Run::makespan));
          !s.ok()) {
        return s;
      }
      const std::string& aware = config_.static_policies.front();
      StrAppend(&md,
                "\nMakespan (hours) of a batch of multi-GPU jobs, mean over seeds, and each "
                "policy's makespan over `",
                aware, "`'s:\n\n| jobs |");
      for (const std::string& p : config_.static_policies) StrAppend(&md, " `", p, "` |");
      for (size_t i = 1; i < config_.static_policies.size(); ++i) {
        StrAppend(&md, " `", config_.static_policies[i], "` / `", aware, "` |");
      }
      md += "\n|---:|";
      for (size_t i = 0; i < 2 * config_.static_policies.size() - 1; ++i) md += "---:|";
      md += "\n";
      for (double jobs : xs) {
        StrAppend(&md, "| ", jobs, " |");
        for (const std::string& p : config_.static_policies) {
          StrAppend(&md, " ", Cell(Mean(p, jobs, true, &Run::makespan)), " |");
        }
        const double base = Mean(aware, jobs, true, &Run::makespan);
        for (size_t i = 1; i < config_.static_policies.size(); ++i) {
          StrAppend(
              &md, " ",
              Format("%.2f", Mean(config_.static_policies[i], jobs, true, &Run::makespan) / base),
              " |");
        }
        md += "\n";
      }
    }
    return WriteFile(dir / "summary.md", md);
  }

  Config config_;
  GavelThroughputs throughputs_;
  std::filesystem::path traces_;  // the streams, while the sweep runs
  std::vector<Run> runs_;
  double sweep_seconds_ = 0;
  double sweep_cpu_seconds_ = 0;
  std::mutex mu_;
};

int Main(int argc, char** argv) {
  CLI::App app("Reproduces the Gavel paper's experiments on Arbiter (docs/gavel.md).");
  Config config;
  std::string write_trace;
  double jobs_per_hour = 3;
  int64_t jobs = 1000;
  uint64_t seed = 0;
  bool multi_gpu = false;
  bool all_at_once = false;
  std::vector<int64_t> window;
  bool skip_continuous = false;
  app.add_option("--scenario", config.scenario, "the cluster; workload 0 reads the job stream")
      ->capture_default_str();
  app.add_option("--throughputs", config.throughputs, "Gavel's throughput file")
      ->capture_default_str();
  app.add_option("--out", config.out, "output directory")->capture_default_str();
  app.add_option("--policies", config.policies, "continuous: policies (comma-separated)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--rates", config.rates, "continuous: jobs per hour (comma-separated)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--seeds", config.seeds, "seeds (comma-separated)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--window", window, "continuous: first and last+1 job of the window")
      ->delimiter(',')
      ->expected(2);
  app.add_flag("--skip-continuous", skip_continuous, "run only the static experiment");
  app.add_option("--static", config.static_jobs,
                 "static: batch sizes of multi-GPU jobs arriving at once (comma-separated)")
      ->delimiter(',');
  app.add_option("--static-policies", config.static_policies, "static: policies, the aware first")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--threads", config.threads, "simulations at once")->capture_default_str();
  app.add_option("--write-trace", write_trace, "only write one job stream to this file");
  app.add_option("--jobs-per-hour", jobs_per_hour, "--write-trace: arrival rate")
      ->capture_default_str();
  app.add_option("--jobs", jobs, "--write-trace: jobs")->capture_default_str();
  app.add_option("--seed", seed, "--write-trace: seed")->capture_default_str();
  app.add_flag("--multi-gpu", multi_gpu, "--write-trace: GPU counts from Gavel's distribution");
  app.add_flag("--all-at-once", all_at_once, "--write-trace: every job arrives at 0");
  CLI11_PARSE(app, argc, argv);
  if (skip_continuous) config.rates.clear();
  if (window.size() == 2) {
    config.window_start = window[0];
    config.window_end = window[1];
  }
  if (config.window_start < 0 || config.window_end <= config.window_start) {
    std::fprintf(stderr, "--window: expected first < last + 1\n");
    return 2;
  }
  absl::StatusOr<GavelThroughputs> throughputs = GavelThroughputs::Load(config.throughputs);
  if (!throughputs.ok()) {
    std::fprintf(stderr, "%s\n", std::string(throughputs.status().message()).c_str());
    return 2;
  }
  if (!write_trace.empty()) {
    GavelStreamOptions options;
    options.jobs = jobs;
    options.jobs_per_hour = jobs_per_hour;
    options.seed = seed;
    options.multi_gpu = multi_gpu;
    options.all_at_once = all_at_once;
    absl::StatusOr<std::vector<GavelRow>> rows = GenerateGavelStream(*throughputs, options);
    absl::Status s = rows.ok() ? WriteFile(write_trace, FormatGavelTrace(*rows)) : rows.status();
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
      return rows.ok() ? 1 : 2;
    }
    return 0;
  }
  Experiment experiment(config, *std::move(throughputs));
  if (absl::Status s = experiment.Sweep(); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::fprintf(stderr, "results in %s (summary.md, continuous.csv, jct.svg%s)\n",
               config.out.c_str(), config.static_jobs.empty() ? "" : ", static.csv, makespan.svg");
  return 0;
}

}  // namespace
}  // namespace arbiter::tools

int main(int argc, char** argv) { return arbiter::tools::Main(argc, argv); }
