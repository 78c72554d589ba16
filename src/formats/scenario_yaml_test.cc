#include "formats/scenario_yaml.h"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include "formats/testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/strings.h"

namespace arbiter {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

// The repository root (tests run there; ARBITER_SOURCE_DIR names it too).
std::string Root() {
  const char* env = std::getenv("ARBITER_SOURCE_DIR");
  return env != nullptr && *env != '\0' ? std::string(env)
                                        : std::filesystem::current_path().string();
}

// `text` with its only occurrence of `from` replaced by `to`.
std::string Replace(std::string text, std::string_view from, std::string_view to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << from << " occurs twice";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

MATCHER_P2(IsRate, type, rate, "") { return arg.type == type && arg.rate == rate; }

std::vector<Throughput> Rates(const Job& job) {
  return {job.throughputs.begin(), job.throughputs.end()};
}

// --- ParseDuration ------------------------------------------------------------------------------

TEST(ParseDuration, UnitsAndPlainSeconds) {
  EXPECT_EQ(*ParseDuration("90"), 90);
  EXPECT_EQ(*ParseDuration("0"), 0);
  EXPECT_EQ(*ParseDuration("90s"), 90);
  EXPECT_EQ(*ParseDuration("15m"), 900);
  EXPECT_EQ(*ParseDuration("2h"), 7200);
  EXPECT_EQ(*ParseDuration("30d"), 2'592'000);
  EXPECT_EQ(*ParseDuration("1w"), 604'800);
  EXPECT_EQ(*ParseDuration("1.5h"), 5400);
  EXPECT_EQ(*ParseDuration(" 20d "), 1'728'000);
}

TEST(ParseDuration, BadDurations) {
  for (const char* bad : {"3 days", "2hh", "5x", "h", "-5", "-1h", "1,5h", "inf", "nan", "1e400"}) {
    const absl::StatusOr<Duration> d = ParseDuration(bad);
    ASSERT_FALSE(d.ok()) << bad << " -> " << *d;
    EXPECT_EQ(Message(d.status()), StrCat("'", bad, "' is not a duration"));
  }
  EXPECT_EQ(Message(ParseDuration("  ").status()), "empty duration");
}

// --- A small scenario with every kind of entry --------------------------------------------------

constexpr char kJobsCsv[] =
    "name,tenant,submit,accelerators,duration,types\n"
    "early,cloud-models,0,8,60,A100:0.5\n"
    "mid,lab,10,16,3600,H100|V100:2\n"
    "late,lab,300000,4,100,H100\n";

// Every kind of entry. @DATA@ stands for the repository's data directory.
constexpr char kTinyYaml[] = R"y(name: tiny
description: a small test scenario
policy: sjf
horizon: 30d
accelerator_types: [H100, A100]
providers:
  - name: cloud
    regions:
      - name: east
        pools:
          - type: H100
            nodes: 4
            accelerators_per_node: 8
            max_gang: 16
            price: {on_demand: 6.88, spot: 2.644288, committed: 4.5}
            capacity:
              - {at: 2d, nodes: 8}
              - {at: 1h, nodes: 2}
          - name: east-a100-big
            type: A100
            nodes: 2
            accelerators_per_node: 4
            price: {spot: 0.000001}
          - name: east-a100-small
            type: A100
            nodes: 1
            accelerators_per_node: 2
            price: {on_demand: 12}
      - name: west
        pools:
          - {type: A100, nodes: 0, accelerators_per_node: 8, price: {on_demand: 1.99},
             capacity: [{at: 90m, nodes: 3}]}
  - name: neo
    regions:
      - name: south
        pools:
          - {type: H100, nodes: 1, accelerators_per_node: 8, price: {on_demand: 3.99}}
tenants:
  - {name: lab, weight: 4}
  - name: cloud-models
    first_party_of: cloud
contracts:
  - {tenant: lab, provider: cloud, kind: on_demand, discount: 0.15}
  - {tenant: lab, provider: neo, kind: on_demand}
  - {tenant: lab, provider: cloud, kind: spot, discount: 0.05, preemptions_per_hour: 0.25,
     trace: spot.json}
  - {tenant: lab, provider: cloud, kind: commitment, type: H100, region: east, accelerators: 16,
     start: 1d, end: 31d, price: 4.25}
  - {tenant: lab, provider: neo, kind: reservation, type: H100, accelerators: 8, end: 1w,
     price: 3.5}
  - {tenant: cloud-models, provider: cloud, kind: rofr, mode: rofo, window: 15m, grace: 1h,
     partial: true, min_accelerators: 64}
  - {tenant: lab, provider: neo, kind: rofr, window: 600}
workloads:
  - name: train
    format: csv
    path: jobs.csv
    types: {V100: {type: A100, speed: 0.5}}
    accelerators_per_node: 4
  - name: philly
    tenant: lab
    format: gavel
    path: @DATA@/gavel/traces/msr/seed=0/6214e9.trace
    throughputs: @DATA@/gavel/simulation_throughputs.json
    types: {v100: H100, p100: A100}
    limit: 3
    offset: 10
    priority: 2
    checkpoint: {interval: 1h, bytes: 1000}
)y";

std::string TinyYaml() {
  std::string yaml = kTinyYaml;
  const std::string data = StrCat(Root(), "/data");
  for (size_t at = yaml.find("@DATA@"); at != std::string::npos; at = yaml.find("@DATA@", at)) {
    yaml.replace(at, 6, data);
  }
  return yaml;
}

class TinyScenarioTest : public ::testing::Test {
 protected:
  TinyScenarioTest() {
    dir_.Write("jobs.csv", kJobsCsv);
    dir_.Write("spot.json", R"({"metadata": {"gap_seconds": 600}, "data": [2, 1, 0, 2]})");
    file_ = dir_.File("tiny.yaml");
  }

  absl::StatusOr<Scenario> Parse(const std::string& yaml, std::vector<std::string> overrides = {}) {
    return ParseScenario(file_, yaml, ScenarioLoadOptions{std::move(overrides)});
  }

  testing::ScratchDir dir_;
  std::string file_;
};

constexpr AcceleratorTypeId kH100(0);
constexpr AcceleratorTypeId kA100(1);
constexpr TenantId kLab(0);
constexpr TenantId kCloudModels(1);

TEST_F(TinyScenarioTest, ResolvesTheFleetExactly) {
  absl::StatusOr<Scenario> s = Parse(TinyYaml());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->name, "tiny");
  EXPECT_EQ(s->description, "a small test scenario");
  EXPECT_EQ(s->default_policy, "sjf");
  EXPECT_EQ(s->horizon, 30 * 86400);
  const Fleet& f = s->fleet;

  ASSERT_EQ(f.accelerator_types.size(), 2u);
  EXPECT_EQ(f.accelerator_types[0].name, "H100");
  EXPECT_EQ(f.accelerator_types[1].name, "A100");

  ASSERT_EQ(f.providers.size(), 2u);
  EXPECT_EQ(f.providers[0].name, "cloud");
  EXPECT_THAT(f.providers[0].regions, ElementsAre(RegionId(0), RegionId(1)));
  EXPECT_EQ(f.providers[1].name, "neo");
  EXPECT_THAT(f.providers[1].regions, ElementsAre(RegionId(2)));
  ASSERT_EQ(f.regions.size(), 3u);
  EXPECT_EQ(f.regions[0].name, "east");
  EXPECT_EQ(f.regions[0].provider, ProviderId(0));
  EXPECT_THAT(f.regions[0].pools, ElementsAre(PoolId(0), PoolId(1), PoolId(2)));
  EXPECT_EQ(f.regions[1].name, "west");
  EXPECT_THAT(f.regions[1].pools, ElementsAre(PoolId(3)));
  EXPECT_EQ(f.regions[2].name, "south");
  EXPECT_EQ(f.regions[2].provider, ProviderId(1));
  EXPECT_THAT(f.regions[2].pools, ElementsAre(PoolId(4)));

  ASSERT_EQ(f.pools.size(), 5u);
  const Pool& p0 = f.pools[0];
  EXPECT_EQ(p0.name, "cloud/east/H100");  // unnamed: provider/region/type
  EXPECT_EQ(p0.provider, ProviderId(0));
  EXPECT_EQ(p0.region, RegionId(0));
  EXPECT_EQ(p0.type, kH100);
  EXPECT_EQ(p0.nodes, 4);
  EXPECT_EQ(p0.accelerators_per_node, 8);
  EXPECT_EQ(p0.max_gang, 16);
  EXPECT_EQ(p0.on_demand_price, 6'880'000);  // micro-dollars per accelerator-hour
  EXPECT_EQ(p0.spot_price, 2'644'288);
  EXPECT_EQ(p0.committed_price, 4'500'000);
  const Pool& p1 = f.pools[1];
  EXPECT_EQ(p1.name, "east-a100-big");
  EXPECT_EQ(p1.type, kA100);
  EXPECT_EQ(p1.max_gang, 8);  // default: the whole pool
  EXPECT_EQ(p1.on_demand_price, std::nullopt);
  EXPECT_EQ(p1.spot_price, 1);
  EXPECT_EQ(p1.committed_price, std::nullopt);
  EXPECT_EQ(f.pools[2].name, "east-a100-small");
  EXPECT_EQ(f.pools[2].on_demand_price, 12'000'000);
  EXPECT_EQ(f.pools[2].max_gang, 2);
  const Pool& p3 = f.pools[3];
  EXPECT_EQ(p3.name, "cloud/west/A100");
  EXPECT_EQ(p3.region, RegionId(1));
  EXPECT_EQ(p3.nodes, 0);
  // Empty at first, 3 nodes x 8 from 90m: its default max_gang is its largest size (a default of
  // its first size, 0, would keep every gang wider than 1 out of it for good).
  EXPECT_EQ(p3.max_gang, 24);
  EXPECT_EQ(p3.on_demand_price, 1'990'000);
  const Pool& p4 = f.pools[4];
  EXPECT_EQ(p4.name, "neo/south/H100");
  EXPECT_EQ(p4.provider, ProviderId(1));
  EXPECT_EQ(p4.on_demand_price, 3'990'000);
  EXPECT_EQ(f.FindPool("neo/south/H100"), PoolId(4));

  // Capacity changes from all pools, sorted by time.
  ASSERT_EQ(s->capacity_changes.size(), 3u);
  EXPECT_EQ(s->capacity_changes[0].at, 3600);
  EXPECT_EQ(s->capacity_changes[0].pool, PoolId(0));
  EXPECT_EQ(s->capacity_changes[0].nodes, 2);
  EXPECT_EQ(s->capacity_changes[1].at, 5400);
  EXPECT_EQ(s->capacity_changes[1].pool, PoolId(3));
  EXPECT_EQ(s->capacity_changes[1].nodes, 3);
  EXPECT_EQ(s->capacity_changes[2].at, 2 * 86400);
  EXPECT_EQ(s->capacity_changes[2].pool, PoolId(0));
  EXPECT_EQ(s->capacity_changes[2].nodes, 8);

  ASSERT_EQ(f.tenants.size(), 2u);
  EXPECT_EQ(f.tenants[0].name, "lab");
  EXPECT_EQ(f.tenants[0].weight, 4);
  EXPECT_EQ(f.tenants[0].first_party_of, std::nullopt);
  EXPECT_EQ(f.tenants[1].name, "cloud-models");
  EXPECT_EQ(f.tenants[1].weight, 1);
  EXPECT_EQ(f.tenants[1].first_party_of, ProviderId(0));
}

TEST_F(TinyScenarioTest, ContractsOfEveryKind) {
  absl::StatusOr<Scenario> s = Parse(TinyYaml());
  ASSERT_TRUE(s.ok()) << s.status();
  const std::vector<Contract>& c = s->fleet.contracts;
  ASSERT_EQ(c.size(), 7u);

  EXPECT_EQ(c[0].tenant, kLab);
  EXPECT_EQ(c[0].provider, ProviderId(0));
  ASSERT_EQ(c[0].kind(), ContractKind::kOnDemand);
  EXPECT_EQ(std::get<OnDemandTerms>(c[0].terms).discount, 150'000);  // ppm
  ASSERT_EQ(c[1].kind(), ContractKind::kOnDemand);
  EXPECT_EQ(c[1].provider, ProviderId(1));
  EXPECT_EQ(std::get<OnDemandTerms>(c[1].terms).discount, 0);

  ASSERT_EQ(c[2].kind(), ContractKind::kSpot);
  const SpotTerms& spot = std::get<SpotTerms>(c[2].terms);
  EXPECT_EQ(spot.discount, 50'000);
  EXPECT_EQ(spot.preemptions_per_hour, 0.25);
  EXPECT_EQ(spot.trace, (dir_.path() / "spot.json").string());  // relative to the file
  // Both take effect, as faults.spot entries on each of cloud's pools that sell spot (its H100
  // pool and east-a100-big): a preemption every 4 h on average, and the trace from t=0.
  const std::vector<SpotPreemption>& preempt = s->faults.spot;
  ASSERT_EQ(preempt.size(), 4u);
  for (int k : {0, 1}) {
    EXPECT_EQ(preempt[k].pool, PoolId(k));
    EXPECT_EQ(preempt[k].mean_time_between, 4 * 3600);
    EXPECT_TRUE(preempt[k].counts.empty());
    EXPECT_EQ(preempt[2 + k].pool, PoolId(k));
    EXPECT_EQ(preempt[2 + k].mean_time_between, 0);
    EXPECT_EQ(preempt[2 + k].gap, 600);
    EXPECT_EQ(preempt[2 + k].start, 0);
    EXPECT_EQ(preempt[2 + k].counts, (std::vector<int32_t>{2, 1, 0, 2}));
    EXPECT_EQ(preempt[2 + k].trace, spot.trace);
  }
  EXPECT_FALSE(s->faults.configured);  // no faults section: nothing else fails

  ASSERT_EQ(c[3].kind(), ContractKind::kCommitment);
  const CommitmentTerms& commitment = std::get<CommitmentTerms>(c[3].terms);
  EXPECT_EQ(commitment.type, kH100);
  EXPECT_EQ(commitment.region, RegionId(0));
  EXPECT_EQ(commitment.accelerators, 16);
  EXPECT_EQ(commitment.start, 86400);
  EXPECT_EQ(commitment.end, 31 * 86400);
  EXPECT_EQ(commitment.price_per_accel_hour, 4'250'000);

  ASSERT_EQ(c[4].kind(), ContractKind::kReservation);
  EXPECT_EQ(c[4].provider, ProviderId(1));
  const ReservationTerms& reservation = std::get<ReservationTerms>(c[4].terms);
  EXPECT_EQ(reservation.type, kH100);
  EXPECT_EQ(reservation.region, std::nullopt);  // any region of the provider
  EXPECT_EQ(reservation.accelerators, 8);
  EXPECT_EQ(reservation.start, 0);
  EXPECT_EQ(reservation.end, 604'800);
  EXPECT_EQ(reservation.price_per_accel_hour, 3'500'000);

  ASSERT_EQ(c[5].kind(), ContractKind::kRofr);
  EXPECT_EQ(c[5].tenant, kCloudModels);
  const RofrTerms& rofo = std::get<RofrTerms>(c[5].terms);
  EXPECT_EQ(rofo.mode, RofrMode::kRofo);
  EXPECT_EQ(rofo.window, 900);
  EXPECT_EQ(rofo.grace, 3600);
  EXPECT_TRUE(rofo.partial_allowed);
  EXPECT_EQ(rofo.min_accelerators, 64);
  EXPECT_EQ(rofo.match_tolerance, 0);  // a first offer matches no quote (see ScenarioErrors)

  ASSERT_EQ(c[6].kind(), ContractKind::kRofr);
  const RofrTerms& rofr = std::get<RofrTerms>(c[6].terms);
  EXPECT_EQ(rofr.mode, RofrMode::kRofr);  // the default
  EXPECT_EQ(rofr.window, 600);
  EXPECT_EQ(rofr.grace, 0);
  EXPECT_FALSE(rofr.partial_allowed);
  EXPECT_EQ(rofr.min_accelerators, 0);
  EXPECT_EQ(rofr.match_tolerance, 0);
}

TEST_F(TinyScenarioTest, WorkloadsAreMergedBySubmitTime) {
  absl::StatusOr<Scenario> s = Parse(TinyYaml());
  ASSERT_TRUE(s.ok()) << s.status();
  std::vector<std::string> names;
  for (const Job& job : s->jobs) names.push_back(job.name);
  // CSV: early 0, mid 10, late 300000. Gavel (6214e9.trace, first 3 rows, offset 10): 10,
  // 266574, 266576. Ties keep workload order: mid (workload 0) before philly:1 (workload 1).
  EXPECT_THAT(names, ElementsAre("early", "mid", "philly:1", "philly:2", "philly:3", "late"));
  EXPECT_THAT(s->load_notes,
              ElementsAre("train: 3 jobs from 3 rows", "philly: 3 jobs from 3 rows"));

  const Job& early = s->jobs[0];
  EXPECT_EQ(early.tenant, kCloudModels);
  EXPECT_EQ(early.submit, 0);
  EXPECT_EQ(early.nodes, 2);  // 8 accelerators, 4 per node for this workload
  EXPECT_THAT(Rates(early), ElementsAre(IsRate(kA100, 500'000)));
  const Job& mid = s->jobs[1];
  EXPECT_EQ(mid.tenant, kLab);
  EXPECT_EQ(mid.nodes, 4);
  EXPECT_EQ(mid.work, 3600 * kWorkPerReferenceSecond);
  // V100 is renamed to A100 at half speed: V100:2 runs at 1.0 on A100.
  EXPECT_THAT(Rates(mid), ElementsAre(IsRate(kH100, 1'000'000), IsRate(kA100, 1'000'000)));

  const Job& philly1 = s->jobs[2];
  EXPECT_EQ(philly1.tenant, kLab);
  EXPECT_EQ(philly1.submit, 10);
  EXPECT_EQ(philly1.priority, 2);
  EXPECT_EQ(philly1.checkpoint_interval, 3600);
  EXPECT_EQ(philly1.checkpoint_bytes, 1000);
  EXPECT_EQ(philly1.work, int64_t{20851471} * 1'000'000);
  EXPECT_THAT(Rates(philly1), ElementsAre(IsRate(kH100, 5446105), IsRate(kA100, 3073535)));
  EXPECT_EQ(s->jobs[3].submit, 266574);
  EXPECT_EQ(s->jobs[4].submit, 266576);
  EXPECT_EQ(s->jobs[5].submit, 300000);
}

TEST_F(TinyScenarioTest, CheckpointAtPreemptionNeedsNoInterval) {
  absl::StatusOr<Scenario> s = Parse(Replace(TinyYaml(), "checkpoint: {interval: 1h, bytes: 1000}",
                                             "checkpoint: {at_preemption: true, restore: 30s}"));
  ASSERT_TRUE(s.ok()) << s.status();
  const Job& philly1 = s->jobs[2];
  ASSERT_EQ(philly1.name, "philly:1");
  EXPECT_TRUE(philly1.checkpoint_at_preemption);
  EXPECT_EQ(philly1.restore, 30);
  EXPECT_EQ(philly1.checkpoint_interval, 0);
  // Jobs of the other workload keep the defaults.
  EXPECT_FALSE(s->jobs[0].checkpoint_at_preemption);
  EXPECT_EQ(s->jobs[0].restore, 0);
  // Both kinds of checkpoint at once.
  s = Parse(Replace(TinyYaml(), "checkpoint: {interval: 1h, bytes: 1000}",
                    "checkpoint: {interval: 1h, at_preemption: yes}"));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->jobs[2].checkpoint_interval, 3600);
  EXPECT_TRUE(s->jobs[2].checkpoint_at_preemption);
  // Periodic checkpoints need their interval.
  s = Parse(Replace(TinyYaml(), "checkpoint: {interval: 1h, bytes: 1000}",
                    "checkpoint: {bytes: 1000, at_preemption: false}"));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s.status()),
              HasSubstr("workloads[1].checkpoint.interval: missing; expected a value"));
}

TEST_F(TinyScenarioTest, LoadScenarioReadsTheFileAndResolvesPathsAgainstIt) {
  const std::string path = dir_.Write("tiny.yaml", TinyYaml());
  absl::StatusOr<Scenario> s = LoadScenario(path);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->jobs.size(), 6u);
}

TEST_F(TinyScenarioTest, OverridesOfMapKeys) {
  absl::StatusOr<Scenario> s =
      Parse(TinyYaml(), {"providers[0].regions[0].pools[0].nodes=64", "workloads[0].limit=1",
                         "horizon=2d", "contracts[1].discount=0.3", "description=overridden",
                         "providers[0].regions[0].pools[1].max_gang=4"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->fleet.pools[0].nodes, 64);
  EXPECT_EQ(s->horizon, 2 * 86400);
  EXPECT_EQ(s->description, "overridden");
  EXPECT_EQ(std::get<OnDemandTerms>(s->fleet.contracts[1].terms).discount, 300'000);
  std::vector<std::string> names;
  for (const Job& job : s->jobs) names.push_back(job.name);
  EXPECT_THAT(names, ElementsAre("early", "philly:1", "philly:2", "philly:3"));
  EXPECT_EQ(s->fleet.pools[0].max_gang, 16);  // set in the file
  EXPECT_EQ(s->fleet.pools[1].max_gang, 4);   // a key the file did not have
}

TEST_F(TinyScenarioTest, OverridesOfListItems) {
  absl::StatusOr<Scenario> s =
      Parse(TinyYaml(), {"tenants[0]={name: lab, weight: 9}",
                         "workloads[0].types={V100: {type: A100, speed: 0.25}}"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->fleet.tenants[0].weight, 9);
  EXPECT_EQ(s->jobs[1].name, "mid");
  EXPECT_THAT(Rates(s->jobs[1]), ElementsAre(IsRate(kH100, 1'000'000), IsRate(kA100, 500'000)));
  // (neo's reservation moves to A100 with it: a reservation of a type neo no longer has is an
  // error of the scenario, found where it is loaded.)
  s = Parse(TinyYaml(), {"providers[1]={name: neo, regions: [{name: south, pools: [{type: A100, "
                         "nodes: 2, accelerators_per_node: 8, price: {on_demand: 2}}]}]}",
                         "contracts[4].type=A100"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->fleet.pools[4].name, "neo/south/A100");
  EXPECT_EQ(s->fleet.pools[4].on_demand_price, 2'000'000);
}

TEST_F(TinyScenarioTest, CsvWorkloadErrorsNameTheWorkloadAndTheCsvLine) {
  dir_.Write("jobs.csv",
             "name,tenant,submit,accelerators,duration,types\na,lab,0,1,10,H100\n"
             "b,nobody,5,1,10,H100\n");
  absl::StatusOr<Scenario> s = Parse(TinyYaml());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(Message(s.status()),
            StrCat(file_, ":55: workloads[0]: ", dir_.File("jobs.csv"),
                   ":3: tenant: unknown tenant 'nobody'; expected a tenant of the scenario"));
}

TEST_F(TinyScenarioTest, MissingWorkloadFile) {
  std::filesystem::remove(dir_.File("jobs.csv"));
  absl::StatusOr<Scenario> s = Parse(TinyYaml());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Message(s.status()),
            StrCat(file_, ":57: workloads[0].path: ", dir_.File("jobs.csv"), ": no such file"));
}

TEST_F(TinyScenarioTest, CapacityChangesAtTheSameTimeKeepTheirFileOrder) {
  // 40 changes of one pool at the same time: the last one listed is the one that holds.
  std::string schedule;
  for (int i = 1; i <= 40; ++i) schedule += StrCat("              - {at: 1d, nodes: ", i, "}\n");
  const std::string yaml =
      Replace(TinyYaml(),
              "              - {at: 2d, nodes: 8}\n              - {at: 1h, nodes: 2}\n", schedule);
  absl::StatusOr<Scenario> s = Parse(yaml);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->capacity_changes.size(), 41u);
  EXPECT_EQ(s->capacity_changes[0].at, 5400);  // west's 90m comes first
  EXPECT_EQ(s->capacity_changes[0].pool, PoolId(3));
  for (int i = 1; i <= 40; ++i) {
    EXPECT_EQ(s->capacity_changes[i].at, 86400);
    EXPECT_EQ(s->capacity_changes[i].pool, PoolId(0));
    EXPECT_EQ(s->capacity_changes[i].nodes, i) << "change " << i;
  }
}

// --- Malformed scenarios: one test per kind -----------------------------------------------------

// A minimal valid scenario; the error tests change one thing in it. Line numbers:
//   1 name, 2 accelerator_types, 8 the pool, 9 nodes, 11 price, 13 the tenant, 15 the contract.
constexpr char kMini[] = R"y(name: mini
accelerator_types: [H100, A100]
providers:
  - name: cloud
    regions:
      - name: east
        pools:
          - type: H100
            nodes: 4
            accelerators_per_node: 8
            price: {on_demand: 2.49}
tenants:
  - {name: lab}
contracts:
  - {tenant: lab, provider: cloud, kind: on_demand}
)y";

// The error message of parsing `yaml` as "s.yaml" ("" if it parses).
std::string ScenarioError(const std::string& yaml, std::vector<std::string> overrides = {}) {
  absl::StatusOr<Scenario> s =
      ParseScenario("s.yaml", yaml, ScenarioLoadOptions{std::move(overrides)});
  EXPECT_FALSE(s.ok()) << yaml;
  return s.ok() ? "" : Message(s.status());
}

TEST(ScenarioErrors, TheMinimalScenarioLoads) {
  absl::StatusOr<Scenario> s = ParseScenario("s.yaml", kMini);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->fleet.pools.size(), 1u);
  EXPECT_EQ(s->fleet.pools[0].on_demand_price, 2'490'000);
  EXPECT_EQ(s->horizon, kNever);
  EXPECT_EQ(s->default_policy, "fifo");
  EXPECT_TRUE(s->jobs.empty());
  // No policy_options: every policy keeps its defaults.
  EXPECT_EQ(s->policy_settings.round, 0);
  EXPECT_EQ(s->policy_settings.fairness, PolicySettings::Fairness::kEqualShare);
  EXPECT_TRUE(s->policy_settings.queue_thresholds.empty());
  EXPECT_FALSE(s->policy_settings.promote_knob.has_value());
}

TEST(ScenarioPolicyOptions, EveryKey) {
  absl::StatusOr<Scenario> s =
      ParseScenario("s.yaml", StrCat(kMini,
                                     "policy_options: {round: 6m, fairness: fastest_type, "
                                     "queue_thresholds: [3600, 36000], promote_knob: 0.5}\n"));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->policy_settings.round, 360);
  EXPECT_EQ(s->policy_settings.fairness, PolicySettings::Fairness::kFastestType);
  EXPECT_THAT(s->policy_settings.queue_thresholds, ElementsAre(3600, 36000));
  EXPECT_EQ(s->policy_settings.promote_knob, 500'000);
  s = ParseScenario("s.yaml", kMini, ScenarioLoadOptions{{"policy_options.promote_knob=0"}});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->policy_settings.promote_knob, 0);
}

TEST(ScenarioPolicyOptions, Errors) {
  const auto error = [](std::string_view options) {
    return ScenarioError(StrCat(kMini, "policy_options: ", options, "\n"));
  };
  EXPECT_EQ(error("{round: 0}"),
            "s.yaml:16: policy_options.round: 0 is not a round; expected a duration of 1 s or "
            "more");
  EXPECT_EQ(error("{fairness: fastest}"),
            "s.yaml:16: policy_options.fairness: unknown normalisation 'fastest'; expected "
            "equal_share or fastest_type");
  EXPECT_EQ(error("{queue_thresholds: [3600, 3600]}"),
            "s.yaml:16: policy_options.queue_thresholds[1]: 3600 is not above the threshold "
            "before it; expected thresholds in ascending order");
  EXPECT_EQ(error("{promote_knob: -1}"),
            "s.yaml:16: policy_options.promote_knob: '-1' is not a factor; expected a number >= "
            "0 with at most six decimals (0: never promote)");
  EXPECT_EQ(error("{rounds: 1h}"),
            "s.yaml:16: policy_options.rounds: unknown key 'rounds'; expected one of round, "
            "fairness, queue_thresholds, promote_knob");
}

TEST(ScenarioErrors, NotValidYaml) {
  EXPECT_THAT(ScenarioError(Replace(kMini, "nodes: 4", "nodes: 4: 5")),
              StartsWith("s.yaml:9: not valid YAML: "));
}

TEST(ScenarioErrors, NotAMapping) {
  EXPECT_EQ(ScenarioError("- a\n- b\n"),
            "s.yaml:1: not a mapping; expected a scenario (see docs/scenario.md)");
}

TEST(ScenarioErrors, UnknownTopLevelKey) {
  const std::string error = ScenarioError(StrCat(kMini, "worklods: []\n"));
  EXPECT_THAT(error,
              StartsWith("s.yaml:16: worklods: unknown key 'worklods'; expected one of name, "
                         "description, policy, policy_options, horizon, "));
  EXPECT_THAT(error, HasSubstr(", workloads"));
}

TEST(ScenarioErrors, UnknownPoolKey) {
  EXPECT_EQ(ScenarioError(Replace(kMini, "nodes: 4", "nodez: 4")),
            "s.yaml:9: providers[0].regions[0].pools[0].nodez: unknown key 'nodez'; expected one "
            "of name, type, nodes, accelerators_per_node, max_gang, price, capacity, backend");
}

TEST(ScenarioErrors, UnknownContractKey) {
  EXPECT_EQ(ScenarioError(Replace(kMini, "kind: on_demand}", "kind: on_demand, discont: 0.1}")),
            "s.yaml:15: contracts[0].discont: unknown key 'discont'; expected one of tenant, "
            "provider, kind, discount");
}

TEST(ScenarioErrors, MissingName) {
  EXPECT_EQ(ScenarioError(Replace(kMini, "name: mini\n", "")),
            "s.yaml:1: name: missing; expected a value");
}

TEST(ScenarioErrors, MissingRequiredLists) {
  EXPECT_EQ(ScenarioError(Replace(kMini, "accelerator_types: [H100, A100]\n", "")),
            "s.yaml:1: accelerator_types: missing or empty; expected a list of accelerator type "
            "names");
  EXPECT_EQ(ScenarioError(Replace(kMini, "tenants:\n  - {name: lab}\n", "")),
            "s.yaml:1: tenants: missing or empty; expected a list of tenants");
  EXPECT_EQ(
      ScenarioError(Replace(kMini, "accelerator_types: [H100, A100]", "accelerator_types: []")),
      "s.yaml:2: accelerator_types: missing or empty; expected a list of accelerator type "
      "names");
  EXPECT_EQ(ScenarioError("name: x\naccelerator_types: [H100]\n"),
            "s.yaml:1: providers: missing or empty; expected a list of providers");
  EXPECT_EQ(ScenarioError(Replace(kMini, "tenants:\n  - {name: lab}\n", "tenants: lab\n")),
            "s.yaml:12: tenants: not a list; expected a list of entries ('- ...')");
}

TEST(ScenarioErrors, MissingPoolKeys) {
  EXPECT_EQ(ScenarioError(Replace(kMini, "            nodes: 4\n", "")),
            "s.yaml:8: providers[0].regions[0].pools[0].nodes: missing; expected a value");
  EXPECT_EQ(ScenarioError(Replace(kMini, "            price: {on_demand: 2.49}\n", "")),
            "s.yaml:8: providers[0].regions[0].pools[0].price: missing; expected price: "
            "{on_demand: $, spot: $, committed: $}");
  EXPECT_EQ(ScenarioError(Replace(kMini, "{on_demand: 2.49}", "{}")),
            "s.yaml:11: providers[0].regions[0].pools[0].price: no price given; expected at least "
            "one of on_demand, spot, committed, or a catalog");
}

TEST(ScenarioErrors, MissingContractKind) {
  EXPECT_EQ(ScenarioError(Replace(kMini, ", kind: on_demand}", "}")),
            "s.yaml:15: contracts[0].kind: missing; expected a value");
}

TEST(ScenarioErrors, BadPrice) {
  // More than six decimals: finer than a micro-dollar.
  EXPECT_EQ(ScenarioError(Replace(kMini, "2.49}", "2.4900001}")),
            "s.yaml:11: providers[0].regions[0].pools[0].price.on_demand: '2.4900001' is not a "
            "price; expected dollars in [0, 1000000] with at most six decimals, e.g. 2.49");
  for (const char* bad : {"-1", "$2", "1e2", "2,49", "abc"}) {
    EXPECT_THAT(ScenarioError(Replace(kMini, "2.49}", StrCat("'", bad, "'}"))),
                HasSubstr(StrCat("price.on_demand: '", bad, "' is not a price")));
  }
}

TEST(ScenarioErrors, BadFraction) {
  EXPECT_EQ(ScenarioError(Replace(kMini, "kind: on_demand}", "kind: on_demand, discount: 1.5}")),
            "s.yaml:15: contracts[0].discount: '1.5' is not a fraction; expected a number in [0, "
            "1] with at most six decimals, e.g. 0.15");
}

TEST(ScenarioErrors, BadDuration) {
  EXPECT_EQ(ScenarioError(StrCat(kMini, "horizon: 3 days\n")),
            "s.yaml:16: horizon: '3 days' is not a duration; expected seconds, or a number with "
            "s, m, h, d or w (e.g. 2h), at most 2^40 s");
}

TEST(ScenarioErrors, BadIntegers) {
  EXPECT_EQ(ScenarioError(Replace(kMini, "nodes: 4", "nodes: four")),
            "s.yaml:9: providers[0].regions[0].pools[0].nodes: 'four' is not an integer; expected "
            "an integer in [0, 2^24]");
  EXPECT_EQ(ScenarioError(Replace(kMini, "accelerators_per_node: 8", "accelerators_per_node: 0")),
            "s.yaml:10: providers[0].regions[0].pools[0].accelerators_per_node: 0 is out of "
            "range; expected an integer in [1, 1024]");
  EXPECT_EQ(ScenarioError(Replace(kMini, "nodes: 4", "nodes: [4]")),
            "s.yaml:9: providers[0].regions[0].pools[0].nodes: not a single value; expected a "
            "string");
}

TEST(ScenarioErrors, UnknownContractKind) {
  EXPECT_EQ(ScenarioError(Replace(kMini, "kind: on_demand", "kind: futures")),
            "s.yaml:15: contracts[0].kind: unknown contract kind 'futures'; expected on_demand, "
            "spot, commitment, reservation or rofr");
}

TEST(ScenarioErrors, UnknownProviderInAContract) {
  EXPECT_EQ(ScenarioError(Replace(kMini, "provider: cloud", "provider: clod")),
            "s.yaml:15: contracts[0].provider: unknown provider 'clod'; expected a provider's "
            "name");
}

TEST(ScenarioErrors, UnknownTenantInAContract) {
  EXPECT_EQ(ScenarioError(Replace(kMini, "{tenant: lab,", "{tenant: lab2,")),
            "s.yaml:15: contracts[0].tenant: unknown tenant 'lab2'; expected a tenant's name");
}

TEST(ScenarioErrors, UnknownProviderOfAFirstPartyTenant) {
  EXPECT_EQ(ScenarioError(Replace(kMini, "{name: lab}", "{name: lab, first_party_of: rival}")),
            "s.yaml:13: tenants[0].first_party_of: unknown provider 'rival'; expected a "
            "provider's name");
}

TEST(ScenarioErrors, UnknownAcceleratorType) {
  EXPECT_EQ(ScenarioError(Replace(kMini, "type: H100", "type: H200")),
            "s.yaml:8: providers[0].regions[0].pools[0].type: unknown accelerator type 'H200'; "
            "expected one of H100, A100");
}

TEST(ScenarioErrors, SecondUnnamedPoolOfATypeInARegion) {
  const std::string yaml = Replace(kMini, "price: {on_demand: 2.49}\n",
                                   "price: {on_demand: 2.49}\n"
                                   "          - {type: H100, nodes: 2, accelerators_per_node: 8,\n"
                                   "             price: {spot: 1}}\n");
  EXPECT_EQ(ScenarioError(yaml),
            "s.yaml:12: providers[0].regions[0].pools[1]: a second pool named 'cloud/east/H100'; "
            "expected one pool per type in a region, or a 'name' for each");
  // With a name it is fine.
  absl::StatusOr<Scenario> s = ParseScenario(
      "s.yaml", Replace(yaml, "{type: H100, nodes: 2", "{name: spare, type: H100, nodes: 2"));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->fleet.pools[1].name, "spare");
}

TEST(ScenarioErrors, PoolNameUsedTwice) {
  const std::string yaml = Replace(kMini, "price: {on_demand: 2.49}\n",
                                   "price: {on_demand: 2.49}\n"
                                   "          - {name: cloud/east/H100, type: A100, nodes: 2,\n"
                                   "             accelerators_per_node: 8, price: {spot: 1}}\n");
  EXPECT_EQ(ScenarioError(yaml),
            "s.yaml:12: providers[0].regions[0].pools[1]: pool name 'cloud/east/H100' used twice; "
            "expected unique pool names");
}

TEST(ScenarioErrors, DefinedTwice) {
  EXPECT_EQ(ScenarioError(Replace(kMini, "[H100, A100]", "[H100, H100]")),
            "s.yaml:2: accelerator_types[1]: type 'H100' listed twice");
  EXPECT_EQ(
      ScenarioError(Replace(kMini, "  - {name: lab}\n", "  - {name: lab}\n  - {name: lab}\n")),
      "s.yaml:14: tenants[1].name: tenant 'lab' defined twice");
  EXPECT_EQ(ScenarioError(Replace(kMini, "      - name: east\n",
                                  "      - {name: east, pools: [{type: A100, nodes: 1, "
                                  "accelerators_per_node: 1, price: {spot: 1}}]}\n"
                                  "      - name: east\n")),
            "s.yaml:7: providers[0].regions[1].name: region 'east' defined twice");
}

TEST(ScenarioErrors, RegionWithoutPools) {
  EXPECT_EQ(ScenarioError(
                Replace(kMini, "      - name: east\n", "      - name: west\n      - name: east\n")),
            "s.yaml:6: providers[0].regions[0]: the region has no pools; expected pools or "
            "pools_from");
}

TEST(ScenarioErrors, CommitmentWindowAndRegion) {
  const std::string commitment =
      "{tenant: lab, provider: cloud, kind: commitment, type: H100, accelerators: 8, start: 2d, "
      "end: 1d, price: 1}";
  EXPECT_EQ(
      ScenarioError(Replace(kMini, "{tenant: lab, provider: cloud, kind: on_demand}", commitment)),
      "s.yaml:15: contracts[0].end: not after start; expected end > start");
  EXPECT_EQ(ScenarioError(Replace(kMini, "{tenant: lab, provider: cloud, kind: on_demand}",
                                  Replace(commitment, "type: H100,", "type: H100, region: west,"))),
            "s.yaml:15: contracts[0].region: provider cloud has no region 'west'");
  EXPECT_EQ(ScenarioError(Replace(kMini, "{tenant: lab, provider: cloud, kind: on_demand}",
                                  Replace(commitment, " end: 1d,", ""))),
            "s.yaml:15: contracts[0].end: missing; expected a value");
}

TEST(ScenarioErrors, RofrModeAndBoolean) {
  EXPECT_EQ(
      ScenarioError(Replace(kMini, "kind: on_demand}", "kind: rofr, window: 1h, mode: first}")),
      "s.yaml:15: contracts[0].mode: unknown mode 'first'; expected rofr or rofo");
  EXPECT_EQ(
      ScenarioError(Replace(kMini, "kind: on_demand}", "kind: rofr, window: 1h, partial: maybe}")),
      "s.yaml:15: contracts[0].partial: 'maybe' is not a boolean; expected true or false");
}

TEST(ScenarioErrors, WorkloadFormatTenantAndTypes) {
  EXPECT_EQ(ScenarioError(StrCat(kMini,
                                 "workloads:\n  - {format: parquet, path: x.pq, tenant: lab,\n"
                                 "     types: {v100: H100}}\n")),
            "s.yaml:17: workloads[0].format: unknown workload format 'parquet'; expected gavel, "
            "alibaba_pods, csv or profile");
  EXPECT_EQ(ScenarioError(StrCat(
                kMini, "workloads:\n  - {format: gavel, path: x.trace, types: {v100: H100}}\n")),
            "s.yaml:17: workloads[0].tenant: missing; expected the tenant that submits this "
            "workload");
  EXPECT_EQ(
      ScenarioError(StrCat(kMini, "workloads:\n  - {format: gavel, path: x.trace, tenant: lab}\n")),
      "s.yaml:17: workloads[0].types: missing; expected trace type -> accelerator type, "
      "e.g. {v100: H100}");
  EXPECT_EQ(ScenarioError(StrCat(kMini,
                                 "workloads:\n  - {format: csv, path: x.csv, tenant: lab,\n"
                                 "     types: {V100: B200}}\n")),
            "s.yaml:18: workloads[0].types.V100: unknown accelerator type 'B200'; expected one of "
            "H100, A100");
  EXPECT_EQ(ScenarioError(StrCat(
                kMini, "workloads:\n  - {format: csv, path: x.csv, tenant: lab, limit: all}\n")),
            "s.yaml:17: workloads[0].limit: 'all' is not an integer; expected an integer in [0, "
            "2^40]");
}

// --- pools_from ---------------------------------------------------------------------------------

std::string WithNodePools(std::string_view models, std::string_view path = {}) {
  return Replace(
      kMini, "      - name: east\n",
      StrCat("      - name: asia\n        pools_from:\n          format: alibaba_nodes\n"
             "          path: ",
             path.empty() ? StrCat(Root(), "/data/alibaba-gpu-v2023/openb_node_list_gpu_node.csv")
                          : std::string(path),
             "\n          models: ", models,
             "\n          max_gang: 64\n          price: {on_demand: 1.99}\n"
             "      - name: east\n"));
}

TEST(PoolsFrom, RealAlibabaNodeList) {
  absl::StatusOr<Scenario> s = ParseScenario("s.yaml", WithNodePools("{V100M32: A100, G2: H100}"));
  ASSERT_TRUE(s.ok()) << s.status();
  const Fleet& f = s->fleet;
  // openb_node_list_gpu_node.csv: V100M32 on 21 8-GPU nodes and 9 4-GPU nodes; G2 on 549 8-GPU
  // nodes. A model with several node sizes gets a pool per size, named by its size.
  ASSERT_EQ(f.pools.size(), 4u);
  EXPECT_EQ(f.pools[0].name, "cloud/asia/A100-8x");
  EXPECT_EQ(f.pools[0].nodes, 21);
  EXPECT_EQ(f.pools[0].accelerators_per_node, 8);
  EXPECT_EQ(f.pools[1].name, "cloud/asia/A100-4x");
  EXPECT_EQ(f.pools[1].nodes, 9);
  EXPECT_EQ(f.pools[1].accelerators_per_node, 4);
  EXPECT_EQ(f.pools[2].name, "cloud/asia/H100");
  EXPECT_EQ(f.pools[2].nodes, 549);
  EXPECT_EQ(f.pools[2].accelerators_per_node, 8);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(f.pools[i].region, RegionId(0));
    EXPECT_EQ(f.pools[i].max_gang, 64);
    EXPECT_EQ(f.pools[i].on_demand_price, 1'990'000);
    EXPECT_EQ(f.pools[i].spot_price, std::nullopt);
  }
  EXPECT_EQ(f.pools[3].name, "cloud/east/H100");
}

TEST(PoolsFrom, ModelNotInTheNodeList) {
  EXPECT_EQ(ScenarioError(WithNodePools("{H800: H100}")),
            "s.yaml:10: providers[0].regions[0].pools_from.models.H800: the node list has no "
            "model 'H800'");
}

TEST(PoolsFrom, MissingModels) {
  // A missing key is reported at the mapping it is missing from (pools_from's, from line 8).
  EXPECT_EQ(ScenarioError(Replace(WithNodePools("{}"), "          models: {}\n", "")),
            "s.yaml:8: providers[0].regions[0].pools_from.models: missing or not a mapping; "
            "expected node model -> accelerator type");
}

TEST(PoolsFrom, UnknownFormatAndMissingFile) {
  EXPECT_EQ(ScenarioError(Replace(WithNodePools("{G2: H100}"), "alibaba_nodes", "slurm_nodes")),
            "s.yaml:8: providers[0].regions[0].pools_from.format: unknown format 'slurm_nodes'; "
            "expected alibaba_nodes");
  EXPECT_EQ(ScenarioError(WithNodePools("{G2: H100}", "/nonexistent/nodes.csv")),
            "s.yaml:9: providers[0].regions[0].pools_from.path: /nonexistent/nodes.csv: no such "
            "file");
}

// --- Overrides ----------------------------------------------------------------------------------

TEST(ScenarioOverrides, MalformedAssignment) {
  EXPECT_EQ(ScenarioError(kMini, {"nodes"}),
            "--set 'nodes': expected KEY=VALUE, e.g. workloads[0].limit=100");
  EXPECT_EQ(ScenarioError(kMini, {"=5"}),
            "--set '=5': expected KEY=VALUE, e.g. workloads[0].limit=100");
}

TEST(ScenarioOverrides, BadListIndex) {
  EXPECT_EQ(ScenarioError(kMini, {"workloads[0].limit=1"}),
            "--set 'workloads[0].limit=1': workloads has no item [0]");
  EXPECT_EQ(ScenarioError(kMini, {"providers[1].name=x"}),
            "--set 'providers[1].name=x': providers has no item [1]");
  EXPECT_EQ(ScenarioError(kMini, {"providers[x].name=x"}),
            "--set 'providers[x].name=x': providers has no item [x]");
  EXPECT_EQ(ScenarioError(kMini, {"providers[0.name=x"}),
            "--set 'providers[0.name=x': providers has no item [");
  EXPECT_EQ(ScenarioError(kMini, {"name[0]=x"}), "--set 'name[0]=x': name has no item [0]");
  EXPECT_EQ(ScenarioError(kMini, {"[0]=x"}), "--set '[0]=x': the scenario has no item [0]");
  EXPECT_EQ(ScenarioError(kMini, {"providers[0].regions[0].pools[-1].nodes=1"}),
            "--set 'providers[0].regions[0].pools[-1].nodes=1': providers[0].regions[0].pools "
            "has no item [-1]");
}

TEST(ScenarioOverrides, PathThroughAScalar) {
  EXPECT_EQ(ScenarioError(kMini, {"name.first=x"}), "--set 'name.first=x': name is not a mapping");
  EXPECT_EQ(ScenarioError(kMini, {"providers.name=x"}),
            "--set 'providers.name=x': providers is not a mapping");
}

TEST(ScenarioOverrides, EmptyKey) {
  EXPECT_EQ(ScenarioError(kMini, {"providers..name=x"}), "--set 'providers..name=x': empty key");
  EXPECT_EQ(ScenarioError(kMini, {"name.=x"}), "--set 'name.=x': empty key");
}

TEST(ScenarioOverrides, ValueIsNotYaml) {
  EXPECT_THAT(ScenarioError(kMini, {"name=[unclosed"}),
              StartsWith("--set 'name=[unclosed':1: name: not valid YAML: "));
}

TEST(ScenarioOverrides, ATypoInTheKeyIsCaughtByTheLoader) {
  EXPECT_THAT(ScenarioError(kMini, {"providers[0].regions[0].pools[0].nodez=8"}),
              HasSubstr("providers[0].regions[0].pools[0].nodez: unknown key 'nodez'"));
}

TEST(ScenarioOverrides, AppliedInOrderAndNoneReplacedByALaterOne) {
  // A later override may change part of what an earlier one wrote...
  absl::StatusOr<Scenario> s =
      ParseScenario("s.yaml", kMini,
                    ScenarioLoadOptions{{"providers[0].regions[0].pools[0]={type: H100, nodes: 6, "
                                         "accelerators_per_node: 8, price: {on_demand: 2}}",
                                         "providers[0].regions[0].pools[0].nodes=7"}});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->fleet.pools[0].nodes, 7);
  EXPECT_EQ(s->fleet.pools[0].on_demand_price, 2'000'000);
  // ...but an override that a later one replaces whole would take no effect: an error.
  EXPECT_EQ(ScenarioError(kMini, {"providers[0].regions[0].pools[0].nodes=6",
                                  "providers[0].regions[0].pools[0].nodes=7"}),
            "--set 'providers[0].regions[0].pools[0].nodes=6': replaced by the later --set "
            "'providers[0].regions[0].pools[0].nodes=7'; expected each key set once");
  EXPECT_EQ(ScenarioError(kMini, {"providers[0].regions[0].pools[0].nodes=6",
                                  "providers[0].regions[0].pools[00]={}"}),
            "--set 'providers[0].regions[0].pools[0].nodes=6': replaced by the later --set "
            "'providers[0].regions[0].pools[00]={}'; expected each key set once");
}

// --- The bundled example ------------------------------------------------------------------------

TEST(FrontierLab, Loads) {
  absl::StatusOr<Scenario> s = LoadScenario("examples/frontier-lab.yaml");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->name, "frontier-lab");
  EXPECT_EQ(s->default_policy, "fifo");
  const Fleet& f = s->fleet;
  EXPECT_EQ(f.providers.size(), 3u);
  EXPECT_EQ(f.regions.size(), 5u);
  std::vector<std::string> pools;
  int64_t accelerators = 0;
  for (const Pool& p : f.pools) {
    pools.push_back(p.name);
    accelerators += p.capacity();
  }
  EXPECT_THAT(pools, ElementsAre("primary/us-east-1/H100", "primary/us-west-2/A100",
                                 "rival/us-central1/H100", "rival/asia-east1/A100-8x",
                                 "rival/asia-east1/A100-4x", "neocloud/us-south-1/H100",
                                 "neocloud/us-south-1/A100"));
  // 192 + 128 + 64 + 21 x 8 + 9 x 4 + 32 + 32, as `arbiter validate` reports.
  EXPECT_EQ(accelerators, 652);
  EXPECT_EQ(f.pools[0].on_demand_price, 6'880'000);
  EXPECT_EQ(f.pools[1].on_demand_price, 3'430'881);
  EXPECT_EQ(f.pools[1].spot_price, 1'291'725);  // from the AWS catalog
  EXPECT_EQ(f.pools[3].max_gang, 64);
  ASSERT_EQ(s->capacity_changes.size(), 1u);
  EXPECT_EQ(s->capacity_changes[0].at, 20 * 86400);
  EXPECT_EQ(s->capacity_changes[0].pool, PoolId(2));
  EXPECT_EQ(s->capacity_changes[0].nodes, 16);
  ASSERT_EQ(f.tenants.size(), 4u);
  EXPECT_EQ(f.tenants[3].name, "rival-models");
  EXPECT_EQ(f.tenants[3].first_party_of, ProviderId(1));
  ASSERT_EQ(f.contracts.size(), 9u);
  EXPECT_EQ(std::get<OnDemandTerms>(f.contracts[0].terms).discount, 200'000);

  // Jobs: the seven Gavel traces have 2000 + 2000 + 2000 + 2000 (lab) + 1181 (startup) + 2000 +
  // 986 (university) rows, all of them measured on v100 and p100; the Alibaba pod list gives 6203
  // (8152 pods - 1088 without GPUs - 861 never scheduled). 12167 + 6203 = 18370, the count
  // `./build/release/src/cli/arbiter validate examples/frontier-lab.yaml` prints.
  EXPECT_EQ(s->jobs.size(), 18370u);
  int64_t per_tenant[4] = {0, 0, 0, 0};
  for (const Job& job : s->jobs) ++per_tenant[job.tenant.index()];
  EXPECT_EQ(per_tenant[0], 8000);
  EXPECT_EQ(per_tenant[1], 1181);
  EXPECT_EQ(per_tenant[2], 2986);
  EXPECT_EQ(per_tenant[3], 6203);
  for (size_t i = 1; i < s->jobs.size(); ++i) {
    ASSERT_LE(s->jobs[i - 1].submit, s->jobs[i].submit) << s->jobs[i].name;
  }
  ASSERT_EQ(s->load_notes.size(), 18u);
  EXPECT_EQ(s->load_notes[0],
            "lab-6214e9: 15 jobs ask for a (model, GPU count) the throughput file does not "
            "measure; their throughputs were extrapolated from the largest measured GPU count");
  EXPECT_EQ(s->load_notes[1], "lab-6214e9: 2000 jobs from 2000 rows");
  EXPECT_EQ(s->load_notes[14], "rival-teams: 1088 pods skipped: no GPU");
  EXPECT_EQ(s->load_notes[17], "rival-teams: 6203 jobs from 8152 rows");
}

TEST(FrontierLab, WithOverrides) {
  absl::StatusOr<Scenario> s = LoadScenario(
      "examples/frontier-lab.yaml",
      ScenarioLoadOptions{{"workloads[7].limit=100", "providers[1].regions[0].pools[0].nodes=4",
                           "tenants[0].weight=2"}});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->jobs.size(), 12167u + 100u);
  EXPECT_EQ(s->fleet.pools[2].nodes, 4);
  EXPECT_EQ(s->fleet.tenants[0].weight, 2);
  // The loader stops at the 100th job, on row 116 of the pod list (6 rows without GPUs and 10
  // never scheduled before it; counted with python3's csv module).
  EXPECT_EQ(s->load_notes.back(), "rival-teams: 100 jobs from 116 rows");
}

}  // namespace
}  // namespace arbiter
