#include "bench/generator.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numbers>
#include <random>
#include <utility>

#include "formats/csv.h"
#include "formats/parse.h"
#include "model/strings.h"

namespace arbiter::bench {
namespace {

constexpr int32_t kNodeSize = 8;      // accelerators per node in every pool
constexpr int32_t kMinPoolNodes = 8;  // 64 accelerators: the largest Philly gang
constexpr int32_t kLlmMinGang = 256;  // "hundreds to thousands"
constexpr int32_t kLlmClusterMinGpus = 256;
constexpr double kPoolSizeSigma = 0.6;
constexpr char kLlmModel[] = "LM (batch size 80)";
constexpr int32_t kLlmMeasuredGang = 8;  // the largest gang the throughput file measures
constexpr char kTraceDir[] = "gavel/traces/msr/seed=0";

// Independent streams, so that e.g. changing the LLM share does not move the arrivals.
enum Stream : uint64_t { kFleetStream = 1, kJobStream = 2, kArrivalStream = 3, kOutageStream = 4 };

// Uniform, normal and exponential draws over std::mt19937_64 (whose output the standard fixes;
// the <random> distributions' algorithms are implementation-defined).
class Rng {
 public:
  Rng(uint64_t seed, Stream stream) : engine_(Mix(seed, stream)) {}

  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }  // [0, 1)
  size_t Index(size_t n) { return static_cast<size_t>(engine_() % n); }          // bias < n / 2^64
  double Normal() {                     // Box-Muller, one value per call
    const double u1 = 1.0 - Uniform();  // (0, 1]
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }
  double Exponential(double mean) { return -mean * std::log(1.0 - Uniform()); }
  bool Bernoulli(double p) { return Uniform() < p; }

 private:
  static uint64_t Mix(uint64_t seed, uint64_t stream) {  // splitmix64 of (seed, stream)
    uint64_t z = seed + stream * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::mt19937_64 engine_;
};

// On-demand list prices per accelerator-hour from data/skypilot-catalog (derived in
// examples/frontier-lab.yaml): AWS p5.48xlarge / p4de.24xlarge, GCP us-central1 8 x H100 (A100
// at Lambda's rate, as there), Lambda gpu_8x_h100_sxm5 / gpu_8x_a100.
struct ProviderPrices {
  const char* name;
  Micros h100;
  Micros a100;
};
constexpr ProviderPrices kProviderPrices[] = {
    {"aws", 6'880'000, 3'430'881},
    {"gcp", 4'200'761, 1'990'000},
    {"lambda", 3'990'000, 1'990'000},
};

int32_t FloorPow2(int64_t v) {
  int32_t p = 1;
  while (static_cast<int64_t>(p) * 2 <= v && p < (1 << 30)) p *= 2;
  return p;
}

int32_t Log2(int32_t pow2) {
  int32_t k = 0;
  while ((1 << k) < pow2) ++k;
  return k;
}

struct Rates {
  Rate h100 = 0;  // 0: the job does not run on that type
  Rate a100 = 0;
};

Rate ToRate(double steps_per_s) {
  return std::llround(steps_per_s * static_cast<double>(kGavelWorkPerStep));
}

absl::StatusOr<double> Column(const std::vector<std::string>& row, const CsvHeader& header,
                              std::string_view name, const CsvReader& reader) {
  const int i = header.Find(name);
  if (i < 0 || static_cast<size_t>(i) >= row.size()) {
    return ParseError({reader.file(), reader.line(), name}, "missing", "a number");
  }
  return ParseDoubleField(row[i], {reader.file(), reader.line(), name}, 0);
}

}  // namespace

absl::StatusOr<TraceModel> TraceModel::Load(const std::string& data_dir) {
  TraceModel model;
  absl::StatusOr<GavelThroughputs> throughputs =
      GavelThroughputs::Load(StrCat(data_dir, "/gavel/simulation_throughputs.json"));
  if (!throughputs.ok()) return throughputs.status();
  model.throughputs_ = *std::move(throughputs);

  // Gavel traces, in file-name order.
  const std::filesystem::path trace_dir = std::filesystem::path(data_dir) / kTraceDir;
  std::vector<std::string> paths;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(trace_dir, ec)) {
    if (entry.path().extension() == ".trace") paths.push_back(entry.path().string());
  }
  if (ec) return absl::NotFoundError(StrCat(trace_dir.string(), ": ", ec.message()));
  if (paths.empty()) return absl::NotFoundError(StrCat(trace_dir.string(), ": no .trace files"));
  std::sort(paths.begin(), paths.end());
  std::map<std::string, int32_t, std::less<>> model_index;
  for (size_t t = 0; t < paths.size(); ++t) {
    absl::StatusOr<std::vector<GavelRow>> rows = ReadGavelTrace(paths[t]);
    if (!rows.ok()) return rows.status();
    std::vector<Time> arrivals;
    for (const GavelRow& row : *rows) {
      auto [it, added] =
          model_index.emplace(row.job_type, static_cast<int32_t>(model.models_.size()));
      if (added) model.models_.push_back(row.job_type);
      model.rows_.push_back(
          {it->second, row.scale_factor, static_cast<int32_t>(t), row.total_steps});
      arrivals.push_back(row.arrival);
    }
    std::sort(arrivals.begin(), arrivals.end());
    for (size_t i = 1; i < arrivals.size(); ++i) {
      model.gaps_.push_back(static_cast<double>(arrivals[i] - arrivals[i - 1]));
    }
  }
  model.traces_ = static_cast<int32_t>(paths.size());
  if (model.gaps_.empty()) return absl::InvalidArgumentError("the Gavel traces have no gaps");

  // Acme cluster summary.
  const std::string acme = StrCat(data_dir, "/acme-trace/cluster_summary.csv");
  absl::StatusOr<std::string> text = ReadFile(acme);
  if (!text.ok()) return text.status();
  CsvReader reader(acme, *text);
  std::vector<std::string> fields;
  absl::StatusOr<bool> more = reader.Next(fields);
  if (!more.ok()) return more.status();
  const std::vector<std::string_view> required = {"id", "med_run_time_gpu", "avg_run_time_gpu",
                                                  "max_run_time_gpu", "max_gpu"};
  absl::StatusOr<CsvHeader> header = CsvHeader::Make(fields, required, acme);
  if (!header.ok()) return header.status();
  while (true) {
    more = reader.Next(fields);
    if (!more.ok()) return more.status();
    if (!*more) break;
    AcmeCluster c;
    c.name = fields[header->Find("id")];
    absl::StatusOr<double> median = Column(fields, *header, "med_run_time_gpu", reader);
    absl::StatusOr<double> mean = Column(fields, *header, "avg_run_time_gpu", reader);
    absl::StatusOr<double> max_run = Column(fields, *header, "max_run_time_gpu", reader);
    absl::StatusOr<double> max_gpus = Column(fields, *header, "max_gpu", reader);
    for (const auto* s : {&median, &mean, &max_run, &max_gpus}) {
      if (!s->ok()) return s->status();
    }
    c.median_run = std::max(1.0, *median);
    c.mean_run = std::max(c.median_run, *mean);
    c.max_run = std::max(c.mean_run, *max_run);
    c.max_gpus = static_cast<int32_t>(*max_gpus);
    if (c.max_gpus >= kLlmClusterMinGpus) model.llm_clusters_.push_back(std::move(c));
  }
  if (model.llm_clusters_.empty()) {
    return absl::InvalidArgumentError(
        StrCat(acme, ": no cluster ran a job of >= ", kLlmClusterMinGpus, " GPUs"));
  }
  return model;
}

absl::StatusOr<Scenario> GenerateScenario(const TraceModel& model, const GeneratorOptions& options,
                                          GeneratorReport* report) {
  if (options.jobs <= 0 || options.providers <= 0 || options.pools_per_provider <= 0 ||
      options.tenants <= 0 || !(options.load > 0) || options.llm_share < 0 ||
      options.llm_share > 1 || options.outages_per_pool_day < 0 || options.node_mtbf_days < 0) {
    return absl::InvalidArgumentError(
        "generator: jobs, providers, pools, tenants and load must be > 0; llm_share in [0, 1]; "
        "outages and node MTBF >= 0");
  }
  GeneratorReport local_report;
  GeneratorReport& rep = report != nullptr ? *report : local_report;
  rep = GeneratorReport{};
  Scenario scenario;
  scenario.name = StrCat("bench-", options.jobs);
  scenario.description = "benchmark workload scaled from the Gavel (Philly) and Acme traces";
  Fleet& fleet = scenario.fleet;

  // --- Fleet ---
  Rng fleet_rng(options.seed, kFleetStream);
  const AcceleratorTypeId h100 = fleet.AddAcceleratorType("H100");
  const AcceleratorTypeId a100 = fleet.AddAcceleratorType("A100");
  const int64_t pool_count = static_cast<int64_t>(options.providers) * options.pools_per_provider;
  const int64_t target = options.accelerators > 0
                             ? options.accelerators
                             : std::max(options.jobs / 20, pool_count * kMinPoolNodes * kNodeSize);
  const double mean_pool = static_cast<double>(target) / static_cast<double>(pool_count);
  const bool llm = options.llm_share > 0;
  int32_t acme_max_gang = 0;
  for (const auto& c : model.llm_clusters()) acme_max_gang = std::max(acme_max_gang, c.max_gpus);
  rep.llm_max_gang = llm ? std::max(kNodeSize, std::min(FloorPow2(acme_max_gang),
                                                        FloorPow2(std::llround(4 * mean_pool))))
                         : 0;
  std::vector<double> weights(pool_count);
  double weight_sum = 0;
  for (double& w : weights) weight_sum += (w = std::exp(kPoolSizeSigma * fleet_rng.Normal()));
  const double scale = static_cast<double>(target) / weight_sum;
  for (int32_t p = 0; p < options.providers; ++p) {
    const ProviderPrices& prices = kProviderPrices[p % std::size(kProviderPrices)];
    const std::string name = p < static_cast<int32_t>(std::size(kProviderPrices))
                                 ? std::string(prices.name)
                                 : StrCat(prices.name, "-", p / std::size(kProviderPrices) + 1);
    const ProviderId provider = fleet.AddProvider(name);
    RegionId region;
    double region_factor = 1;
    for (int32_t k = 0; k < options.pools_per_provider; ++k) {
      if (k % 2 == 0) {
        region = fleet.AddRegion(provider, StrCat("region-", k / 2));
        region_factor = 0.9 + 0.2 * fleet_rng.Uniform();
      }
      const bool is_h100 = k % 2 == 0;
      const double w = weights[static_cast<size_t>(p) * options.pools_per_provider + k];
      int64_t nodes = std::max<int64_t>(kMinPoolNodes, std::llround(w * scale / kNodeSize));
      if (k == 0 && llm) nodes = std::max<int64_t>(nodes, 2 * rep.llm_max_gang / kNodeSize);
      Pool pool;
      pool.region = region;
      pool.type = is_h100 ? h100 : a100;
      pool.nodes = static_cast<int32_t>(nodes);
      pool.accelerators_per_node = kNodeSize;
      pool.max_gang = static_cast<int32_t>(nodes * kNodeSize);
      pool.on_demand_price =
          std::llround(static_cast<double>(is_h100 ? prices.h100 : prices.a100) * region_factor);
      fleet.AddPool(std::move(pool));
      rep.accelerators += nodes * kNodeSize;
    }
  }
  rep.pools = pool_count;
  std::vector<TenantId> tenants;
  for (int32_t t = 0; t < options.tenants; ++t) {
    tenants.push_back(fleet.AddTenant({StrCat("vc-", t), 1, std::nullopt}));
    for (int32_t p = 0; p < options.providers; ++p) {
      fleet.AddContract({tenants.back(), ProviderId::FromIndex(p),
                         OnDemandTerms{static_cast<Ppm>(t % 3) * 50'000}});
    }
  }
  TenantId llm_tenant;
  if (llm) {
    llm_tenant = fleet.AddTenant({"llm", 4, std::nullopt});
    for (int32_t p = 0; p < options.providers; ++p) {
      fleet.AddContract({llm_tenant, ProviderId::FromIndex(p), OnDemandTerms{200'000}});
    }
  }

  // Capacity by type of the pools that can hold a gang (for the offered-load estimate).
  std::map<int32_t, std::pair<int64_t, int64_t>> eligible_capacity;
  const auto capacity_for = [&](int32_t gang) -> const std::pair<int64_t, int64_t>& {
    auto [it, added] = eligible_capacity.try_emplace(gang);
    if (added) {
      for (const Pool& pool : fleet.pools) {
        if (pool.max_gang < gang) continue;
        (pool.type == h100 ? it->second.first : it->second.second) += pool.capacity();
      }
    }
    return it->second;
  };

  // --- Jobs ---
  std::vector<Rates> row_rates(model.rows().size());
  std::vector<size_t> usable;
  for (size_t i = 0; i < model.rows().size(); ++i) {
    const TraceModel::GavelSample& row = model.rows()[i];
    const std::string& type = model.models()[row.model];
    bool extrapolated = false;
    if (auto v = model.throughputs().Estimate("v100", type, row.scale_factor, &extrapolated)) {
      row_rates[i].h100 = ToRate(*v);
    }
    if (auto v = model.throughputs().Estimate("p100", type, row.scale_factor, &extrapolated)) {
      row_rates[i].a100 = ToRate(*v);
    }
    if (row_rates[i].h100 > 0 || row_rates[i].a100 > 0) usable.push_back(i);
  }
  if (usable.empty()) return absl::InvalidArgumentError("no Gavel row has a measured throughput");
  Rates llm_rate_per_node;
  if (llm) {
    const auto v = model.throughputs().Measured("v100", kLlmModel, kLlmMeasuredGang);
    const auto p = model.throughputs().Measured("p100", kLlmModel, kLlmMeasuredGang);
    if (!v || !p) {
      return absl::InvalidArgumentError(
          StrCat("the throughput file does not measure ", kLlmModel, " on 8 v100 and p100"));
    }
    llm_rate_per_node = {ToRate(*v), ToRate(*p)};
  }

  Rng job_rng(options.seed, kJobStream);
  std::vector<Duration> h100_runtimes;
  h100_runtimes.reserve(options.jobs);
  scenario.jobs.reserve(options.jobs);
  std::vector<std::pair<double, double>> demand;  // per job: accelerators, expected runtime
  demand.reserve(options.jobs);
  for (int64_t i = 0; i < options.jobs; ++i) {
    Job job;
    Rates rates;
    if (llm && job_rng.Bernoulli(options.llm_share)) {
      const TraceModel::AcmeCluster& c =
          model.llm_clusters()[job_rng.Index(model.llm_clusters().size())];
      const int32_t hi = FloorPow2(std::min(c.max_gpus, rep.llm_max_gang));
      const int32_t lo = std::min(kLlmMinGang, hi);
      const int32_t k = Log2(lo) + static_cast<int32_t>(job_rng.Index(Log2(hi) - Log2(lo) + 1));
      const int32_t gang = 1 << k;
      // Log-normal with the cluster's median and mean: sigma^2 = 2 ln(mean / median).
      const double sigma = std::sqrt(2.0 * std::log(c.mean_run / c.median_run));
      const double runtime =
          std::clamp(std::round(c.median_run * std::exp(sigma * job_rng.Normal())), 1.0, c.max_run);
      const Rate gang_nodes = gang / kLlmMeasuredGang;
      rates = {llm_rate_per_node.h100 * gang_nodes, llm_rate_per_node.a100 * gang_nodes};
      job.name = StrCat("llm-", i);
      job.tenant = llm_tenant;
      job.accelerators = gang;
      job.work = static_cast<Work>(runtime) * rates.h100;
      ++rep.llm_jobs;
    } else {
      const size_t r = usable[job_rng.Index(usable.size())];
      const TraceModel::GavelSample& row = model.rows()[r];
      rates = row_rates[r];
      job.name = StrCat("g-", i);
      job.tenant = tenants[row.trace % options.tenants];
      job.accelerators = row.scale_factor;
      job.work = row.total_steps * kGavelWorkPerStep;
      ++rep.gavel_jobs;
    }
    job.nodes = (job.accelerators + kNodeSize - 1) / kNodeSize;
    if (rates.h100 > 0) job.throughputs.push_back({h100, rates.h100});
    if (rates.a100 > 0) job.throughputs.push_back({a100, rates.a100});
    // Offered load: the runtime on the fastest type among the pools that can hold the gang.
    const auto& [cap_h, cap_a] = capacity_for(job.accelerators);
    double runtime = 0;
    if (rates.h100 > 0 && cap_h > 0) {
      runtime = static_cast<double>(RuntimeFor(job.work, rates.h100));
    }
    if (rates.a100 > 0 && cap_a > 0) {
      const double on_a100 = static_cast<double>(RuntimeFor(job.work, rates.a100));
      runtime = runtime > 0 ? std::min(runtime, on_a100) : on_a100;
    }
    demand.push_back({static_cast<double>(job.accelerators), runtime});
    h100_runtimes.push_back(rates.h100 > 0 ? RuntimeFor(job.work, rates.h100)
                                           : RuntimeFor(job.work, rates.a100));
    ++rep.gang_histogram[job.accelerators];
    scenario.jobs.push_back(std::move(job));
  }
  if (!h100_runtimes.empty()) {
    double sum = 0;
    for (Duration d : h100_runtimes) sum += static_cast<double>(d);
    rep.mean_runtime_h100 = sum / static_cast<double>(h100_runtimes.size());
    auto mid = h100_runtimes.begin() + static_cast<std::ptrdiff_t>(h100_runtimes.size() / 2);
    std::nth_element(h100_runtimes.begin(), mid, h100_runtimes.end());
    rep.median_runtime_h100 = *mid;
  }

  // --- Arrivals: empirical gaps, scaled so that offered load = load x capacity over the span ---
  Rng arrival_rng(options.seed, kArrivalStream);
  std::vector<double> cumulative(scenario.jobs.size(), 0.0);
  for (size_t i = 1; i < cumulative.size(); ++i) {
    cumulative[i] = cumulative[i - 1] + model.gaps()[arrival_rng.Index(model.gaps().size())];
  }
  // The span S solves  sum_i a_i x min(r_i, S - t_i) = load x capacity x S,  with t_i = u_i x S
  // (u_i: the job's place in the unscaled arrival sequence): only the part of a job's work that
  // falls inside the arrival span counts, so the heavy tail of long jobs (some run for months)
  // does not leave the span idle. The left side over S falls as S grows: bisect on log S.
  const double total_gaps = cumulative.back();
  const auto load_at = [&](double span) {
    double work = 0;
    for (size_t i = 0; i < demand.size(); ++i) {
      const double u = total_gaps > 0 ? cumulative[i] / total_gaps : 0;
      work += demand[i].first * std::min(demand[i].second, span * (1 - u));
    }
    return work / (static_cast<double>(rep.accelerators) * span);
  };
  double lo = 1;
  double hi = 1;
  while (load_at(hi) > options.load && hi < 1e12) hi *= 2;
  for (int i = 0; i < 60 && hi / lo > 1 + 1e-9; ++i) {
    const double mid = std::sqrt(lo * hi);
    (load_at(mid) > options.load ? lo : hi) = mid;
  }
  const double span = hi;
  for (const auto& [a, r] : demand) rep.offered_accelerator_seconds += a * r;
  rep.offered_load_in_span = load_at(span);
  rep.time_scale = total_gaps > 0 ? span / total_gaps : 0;
  for (size_t i = 0; i < cumulative.size(); ++i) {
    scenario.jobs[i].submit = std::llround(cumulative[i] * rep.time_scale);
  }
  rep.arrival_span = scenario.jobs.back().submit;

  // --- Node outages ---
  if (options.outages_per_pool_day > 0) {
    Rng outage_rng(options.seed, kOutageStream);
    const double mean_gap = 86400.0 / options.outages_per_pool_day;
    for (size_t p = 0; p < fleet.pools.size(); ++p) {
      const PoolId pool = PoolId::FromIndex(p);
      const int32_t nodes = fleet.pools[p].nodes;
      double t = outage_rng.Exponential(mean_gap);
      while (t < static_cast<double>(rep.arrival_span)) {
        const double repair = std::max(60.0, std::round(3600.0 * std::exp(outage_rng.Normal())));
        const Time down = std::llround(t);
        scenario.capacity_changes.push_back({down, pool, nodes - 1});
        scenario.capacity_changes.push_back({down + static_cast<Time>(repair), pool, nodes});
        t = static_cast<double>(down) + repair + outage_rng.Exponential(mean_gap);
      }
    }
    std::sort(scenario.capacity_changes.begin(), scenario.capacity_changes.end(),
              [](const CapacityChange& a, const CapacityChange& b) {
                return std::pair(a.at, a.pool) < std::pair(b.at, b.pool);
              });
    rep.capacity_changes = static_cast<int64_t>(scenario.capacity_changes.size());
  }

  // --- Node failures ---
  if (options.node_mtbf_days > 0) {
    Faults& faults = scenario.faults;
    faults.configured = true;
    const Duration mtbf = std::max<Duration>(1, std::llround(options.node_mtbf_days * 86400.0));
    for (size_t p = 0; p < fleet.pools.size(); ++p) {
      faults.node_failures.push_back({PoolId::FromIndex(p), mtbf});
    }
    faults.restart_setup = 300;
    faults.backoff = 600;
    faults.max_backoff = 6 * 3600;
    for (Job& job : scenario.jobs) job.checkpoint_interval = 3600;
  }
  // --- Launches that take time ---
  if (options.launch_latency > 0) {
    Faults& faults = scenario.faults;
    faults.configured = true;
    faults.launch.configured = true;
    faults.launch.latency = options.launch_latency;
    faults.launch.failure_latency = options.launch_latency;
    faults.launch.parallel = std::max(1, options.launch_parallel);
  }
  return scenario;
}

}  // namespace arbiter::bench
