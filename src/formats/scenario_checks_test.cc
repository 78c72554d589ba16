// The scenario loader's guards against hostile or mistaken input (issue 13): names that are not
// UTF-8, values and products beyond what int64 holds exactly, generated workloads that would not
// fit in memory, settings that would be ignored, contracts that contradict their pools, and errors
// that must say where. Each test is one case of one class; the expected messages are exact.
#include <cmath>
#include <string>
#include <vector>

#include "formats/scenario_yaml.h"
#include "formats/testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/strings.h"

namespace arbiter {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

// Lines 1-13: a provider with one pool of 4 nodes x 8 H100 that sells on demand and spot, a
// second with 2 x 8 A100 on demand only; one tenant with an on-demand contract. Tests append.
constexpr char kBase[] = R"y(name: checks
accelerator_types: [H100, A100]
providers:
  - name: cloud
    regions:
      - name: east
        pools:
          - {type: H100, nodes: 4, accelerators_per_node: 8, price: {on_demand: 4, spot: 1.5}}
  - name: neo
    regions:
      - name: south
        pools:
          - {type: A100, nodes: 2, accelerators_per_node: 8, price: {on_demand: 2}}
tenants:
  - {name: lab}
)y";

class ScenarioChecks : public ::testing::Test {
 protected:
  // Parses kBase + `more` as "s.yaml" in a scratch directory (CSV files beside it).
  absl::StatusOr<Scenario> Parse(const std::string& more,
                                 const ScenarioLoadOptions& options = ScenarioLoadOptions{}) {
    return ParseScenario(dir_.File("s.yaml"), StrCat(kBase, more), options);
  }
  // The error message, with the scratch directory's path taken out ("" if it parses).
  std::string Error(const std::string& more,
                    const ScenarioLoadOptions& options = ScenarioLoadOptions{}) {
    absl::StatusOr<Scenario> s = Parse(more, options);
    EXPECT_FALSE(s.ok()) << more;
    if (s.ok()) return "";
    std::string m = Message(s.status());
    const std::string prefix = dir_.path().string() + "/";
    for (size_t at = m.find(prefix); at != std::string::npos; at = m.find(prefix)) {
      m.erase(at, prefix.size());
    }
    return m;
  }
  std::string Csv(const std::string& rows) {
    dir_.Write("jobs.csv", StrCat("name,submit,accelerators,duration,types\n", rows));
    return "workloads:\n  - {name: w, tenant: lab, format: csv, path: jobs.csv}\n";
  }

  testing::ScratchDir dir_;
};

constexpr char kOnDemand[] = "contracts:\n  - {tenant: lab, provider: cloud, kind: on_demand}\n";

// --- Class 1: names that are not UTF-8
// ------------------------------------------------------------

TEST_F(ScenarioChecks, BytesThatAreNotUtf8AreFoundWhereTheyAre) {
  // Anywhere in the file (the JSON writer would abort on such a name after the whole run).
  EXPECT_EQ(Error("  - {name: la\xFF}\n"),
            "s.yaml:16: byte 0xFF at column 14 is not UTF-8; expected UTF-8 text");
  // In an override.
  EXPECT_EQ(Error("", {{"tenants[0].name=l\xC3"}}),
            "--set 'tenants[0].name=l\xC3':1: byte 0xC3 at column 18 is not UTF-8; expected "
            "UTF-8 text");
  // In a trace: a job's name in the CSV.
  EXPECT_EQ(Error(StrCat(kOnDemand, Csv("j\xED\xA0\x80,0,8,60,H100\n"))),
            "s.yaml:19: workloads[0]: jobs.csv:2: byte 0xED at column 2 is not UTF-8; expected "
            "UTF-8 text");
  // UTF-8 names are names like any other.
  absl::StatusOr<Scenario> s = Parse(StrCat("  - {name: caf\xC3\xA9}\n", kOnDemand));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->fleet.tenants[1].name, "caf\xC3\xA9");
}

TEST_F(ScenarioChecks, NamesAreNotEmpty) {
  EXPECT_EQ(Error("", {{"name=''"}}), "--set 'name=''': name: empty; expected a name");
  EXPECT_EQ(Error("  - {name: \"\"}\n"), "s.yaml:16: tenants[1].name: empty; expected a name");
}

// --- Class 2: values and products that int64 holds exactly -------------------------------------

TEST_F(ScenarioChecks, AHugePoolGetsAMaxGangThatFits) {
  // 3,000,000 nodes x 1,024 accelerators: 3.07e9 accelerators, more than an int32 holds; the
  // default max_gang is the largest gang, 2^24, not a truncated capacity.
  absl::StatusOr<Scenario> s =
      Parse(kOnDemand, {{"providers[0].regions[0].pools[0]={type: H100, nodes: 3000000, "
                         "accelerators_per_node: 1024, price: {on_demand: 4}}"}});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->fleet.pools[0].capacity(), int64_t{3'000'000} * 1024);
  EXPECT_EQ(s->fleet.pools[0].max_gang, 1 << 24);
  EXPECT_EQ(Error(kOnDemand, {{"providers[0].regions[0].pools[0].nodes=16777217"}}),
            "--set 'providers[0].regions[0].pools[0].nodes=16777217': "
            "providers[0].regions[0].pools[0].nodes: 16777217 is out of range; expected an "
            "integer in [0, 2^24]");
  EXPECT_THAT(Error(kOnDemand, {{"providers[0].regions[0].pools[0].max_gang=16777217"}}),
              HasSubstr("expected an integer in [1, 2^24]"));
}

TEST_F(ScenarioChecks, DurationsAndPricesHaveLimits) {
  EXPECT_EQ(Error("horizon: 2000000w\n"),
            "s.yaml:16: horizon: '2000000w' is longer than the longest duration, 2^40 s (~34,800 "
            "years); expected seconds, or a number with s, m, h, d or w (e.g. 2h), at most 2^40 s");
  EXPECT_TRUE(Parse(StrCat("horizon: 1099511627776\n", kOnDemand)).ok());  // 2^40 itself
  EXPECT_THAT(Error("horizon: 1099511627777\n"), HasSubstr("longer than the longest duration"));
  EXPECT_THAT(Error("horizon: 1e300h\n"), HasSubstr("longer than the longest duration"));
  EXPECT_EQ(Error(kOnDemand, {{"providers[0].regions[0].pools[0].price.on_demand=1000000.000001"}}),
            "--set 'providers[0].regions[0].pools[0].price.on_demand=1000000.000001': "
            "providers[0].regions[0].pools[0].price.on_demand: '1000000.000001' is not a price; "
            "expected dollars in [0, 1000000] with at most six decimals, e.g. 2.49");
}

TEST_F(ScenarioChecks, AMarketRetryDelayOfZeroWouldNeverLetTimeMoveOn) {
  EXPECT_EQ(Error(StrCat(kOnDemand, "market: {retry_delay: 0}\n")),
            "s.yaml:18: market.retry_delay: must be at least 1 s; expected a duration, e.g. 10m");
}

TEST_F(ScenarioChecks, SubmitTimesThatLeaveTheRangeAreLocated) {
  // time_scale and offset move a submit time beyond 2^40 s: an error at the row, not a wrapped
  // (negative) time that a later check reports without a place.
  const std::string csv = StrCat(kOnDemand, Csv("a,1000000,8,60,H100\n"));
  EXPECT_EQ(Error(csv, {{"workloads[0].time_scale=1000000", "workloads[0].offset=1099000000000"}}),
            "s.yaml:19: workloads[0]: jobs.csv:2: submit: 1000000 x time_scale + offset is "
            "outside the times Arbiter simulates; expected a time in [0, 1099511627776] s (2^40) "
            "after time_scale and offset");
  // With an `until` (always within range), such a row is simply after it.
  absl::StatusOr<Scenario> s =
      Parse(csv, {{"workloads[0].offset=1099511627000", "workloads[0].until=1099511627000"}});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->jobs.empty());
  // A deadline that time_scale rounds onto its submit time is an error of that row.
  dir_.Write("jobs.csv", "name,submit,accelerators,duration,types,deadline\na,10,8,60,H100,11\n");
  EXPECT_THAT(Error(StrCat(kOnDemand,
                           "workloads:\n  - {name: w, tenant: lab, format: csv, "
                           "path: jobs.csv, time_scale: 0.01}\n")),
              HasSubstr("jobs.csv:2: deadline: 0 (after time_scale and offset) is not in (submit "
                        "0, 1099511627776]"));
}

TEST_F(ScenarioChecks, ARunThatCouldCostMoreThanInt64HoldsIsRefused) {
  // The issue's case: one on-demand job inside the single-value ranges (2^24 accelerators for
  // 2^40 s at up to $1,000,000/h) whose cost does not fit int64 micro-dollars (it came out at
  // -$7.9 trillion).
  const std::string big = StrCat(kOnDemand, Csv("huge,0,16777216,1099511627776,H100\n"));
  EXPECT_EQ(Error(big, {{"providers[0].regions[0].pools[0].price.on_demand=1000000"}}),
            "s.yaml:19: workloads[0]: job 'huge': one run of 16777216 accelerators for up to "
            "1099511627776 s at up to $1000000.000000 per accelerator-hour would cost more than "
            "$4.6 trillion; expected jobs whose single charges fit 2^62 micro-dollars "
            "(docs/scenario.md, Limits)");
  // Its checkpoint's egress alone, too.
  dir_.Write("jobs.csv",
             "name,submit,accelerators,duration,types,checkpoint_bytes\nck,0,8,60,H100,"
             "1152921504606846976\n");
  EXPECT_THAT(Error(StrCat(kOnDemand,
                           "workloads:\n  - {name: w, tenant: lab, format: csv, path: jobs.csv}\n"
                           "faults:\n  egress: [{provider: cloud, per_gb: 1000000}]\n")),
              HasSubstr("job 'ck': moving its checkpoint of 1152921504606846976 bytes at up to "
                        "$1000000.000000 per GB would cost more than $4.6 trillion"));
  // A holding's whole charge too.
  EXPECT_THAT(Error("contracts:\n  - {tenant: lab, provider: cloud, kind: commitment, type: H100, "
                    "accelerators: 32, end: 1099511627776, price: 1000000}\n"),
              HasSubstr("contracts[0].price: the whole holding (accelerators x its window x "
                        "price) costs more than $4.6 trillion"));
}

TEST_F(ScenarioChecks, ProfileRuntimesStayWithinTheLimits) {
  // sigma 10 makes log-normal draws far beyond 2^40 s (e^60): they are kept at 2^40, never
  // rounded from a double out of int64's range.
  absl::StatusOr<Scenario> s =
      Parse(StrCat(kOnDemand,
                   "workloads:\n  - {name: g, tenant: lab, format: profile, types: {x: H100}, "
                   "limit: 200, profile: {jobs_per_hour: 100, until: 30d, gangs: {8: 1}, "
                   "runtime: {median: 1w, sigma: 10}}}\n"));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->jobs.size(), 200u);
  int at_limit = 0;
  for (const Job& job : s->jobs) {
    EXPECT_GE(job.work, kWorkPerReferenceSecond);
    EXPECT_LE(job.work, kMaxTime * kWorkPerReferenceSecond);
    at_limit += job.work == kMaxTime * kWorkPerReferenceSecond;
  }
  EXPECT_GT(at_limit, 0);
}

// --- Class 3: generated workloads are bounded before they are generated ------------------------

TEST_F(ScenarioChecks, AProfileOfTooManyJobsIsRefusedBeforeAnyIsMade) {
  const std::string profile =
      StrCat(kOnDemand,
             "workloads:\n  - {name: g, tenant: lab, format: profile, types: {x: H100}, "
             "profile: {jobs_per_hour: 1000000000, until: 90d, gangs: {8: 1}, "
             "runtime: {median: 1h}}}\n");
  EXPECT_EQ(Error(profile),
            "s.yaml:19: workloads[0]: g: the profile would generate about 2.16e+12 jobs "
            "(jobs_per_hour, growth and period over [start, until)); expected at most 10000000 "
            "jobs from one profile: lower jobs_per_hour, growth or until, or set the workload's "
            "limit");
  // Exploding growth: the expected count overflows a double.
  EXPECT_THAT(
      Error(profile, {{"workloads[0].profile.jobs_per_hour=1",
                       "workloads[0].profile.growth=1000000", "workloads[0].profile.period=1h"}}),
      HasSubstr("g: the profile would generate unbounded jobs"));
  // A limit below the bound makes it fine: generation stops there.
  absl::StatusOr<Scenario> s = Parse(profile, {{"workloads[0].limit=50"}});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->jobs.size(), 50u);
  // The bound is for all profiles together.
  ScenarioLoadOptions options;
  options.max_generated_jobs = 60;
  options.overrides = {"workloads[0].limit=50",
                       "workloads[1]={name: h, tenant: lab, format: profile, types: {x: H100}, "
                       "limit: 20, profile: {jobs_per_hour: 10, until: 30d, gangs: {8: 1}, "
                       "runtime: {median: 1h}}}"};
  EXPECT_THAT(Error(StrCat(profile, "  - {name: h}\n"), options),
              HasSubstr("h: the profile would generate about 7.2e+03 jobs"));
}

// --- Class 5: every setting takes effect, or is an error -----------------------------------------

TEST_F(ScenarioChecks, DuplicateKeysAndUnknownColumnsAreErrors) {
  EXPECT_EQ(Error(StrCat(kOnDemand, "name: again\n")),
            "s.yaml:18: name: the key 'name' appears twice in one map (lines 1 and 18); expected "
            "each key once");
  dir_.Write("jobs.csv", "name,submit,accelerators,duration,types,deadlien\na,0,8,60,H100,99\n");
  EXPECT_EQ(Error(StrCat(kOnDemand,
                         "workloads:\n  - {name: w, tenant: lab, format: csv, "
                         "path: jobs.csv}\n")),
            "s.yaml:19: workloads[0]: jobs.csv:1: unknown column 'deadlien'; expected columns "
            "among name,submit,accelerators,duration,types,nodes,priority,deadline,"
            "checkpoint_interval,checkpoint_bytes,tenant");
}

TEST_F(ScenarioChecks, SpotContractsPreemptThroughTheFaultModel) {
  // The rate becomes a faults.spot entry of every pool of the provider that sells spot.
  absl::StatusOr<Scenario> s = Parse(
      "contracts:\n  - {tenant: lab, provider: cloud, kind: spot, preemptions_per_hour: 0.5}\n");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->faults.spot.size(), 1u);
  EXPECT_EQ(s->faults.spot[0].pool, PoolId(0));
  EXPECT_EQ(s->faults.spot[0].mean_time_between, 7200);
  // A trace that does not exist is an error where it is named.
  EXPECT_EQ(Error("contracts:\n  - {tenant: lab, provider: cloud, kind: spot, trace: no.json}\n"),
            "s.yaml:17: contracts[0].trace: no.json: no such file; expected a spot trace "
            "(data/spot-traces, docs/scenario.md)");
  // A provider that sells no spot would make the contract do nothing.
  EXPECT_EQ(Error("contracts:\n  - {tenant: lab, provider: neo, kind: spot}\n"),
            "s.yaml:17: contracts[0].provider: neo sells no spot capacity (none of its pools has "
            "a spot price); expected a provider with a pool priced for spot");
  // Two different rates for one pool: one would be ignored.
  EXPECT_EQ(Error("contracts:\n  - {tenant: lab, provider: cloud, kind: spot, "
                  "preemptions_per_hour: 2}\nfaults:\n  spot: [{pool: cloud/east/H100, "
                  "mean_time_between: 8h}]\n"),
            "s.yaml:17: contracts[0].preemptions_per_hour: the spot preemption of pool "
            "cloud/east/H100 is also given by faults.spot[0], differently; expected one source "
            "of spot preemption per pool (or the same one)");
  EXPECT_TRUE(Parse("contracts:\n  - {tenant: lab, provider: cloud, kind: spot, "
                    "preemptions_per_hour: 0.125}\nfaults:\n  spot: [{pool: cloud/east/H100, "
                    "mean_time_between: 8h}]\n")
                  .ok());
  EXPECT_THAT(Error("contracts:\n  - {tenant: lab, provider: cloud, kind: spot, "
                    "preemptions_per_hour: 3601}\n"),
              HasSubstr("expected a number in [0, 3600]"));
}

TEST_F(ScenarioChecks, SettingsThatWouldBeIgnoredAreErrors) {
  // The reserve of an agent that keeps none.
  EXPECT_EQ(Error(kOnDemand, {{"providers[0].agent={policy: deliverable, reserve: 0.25}"}}),
            "--set 'providers[0].agent={policy: deliverable, reserve: 0.25}': "
            "providers[0].agent.reserve: only meaningful with policy: reserve (this agent is "
            "deliverable); expected policy: reserve, or no reserve");
  // A first offer's match tolerance.
  EXPECT_THAT(Error("contracts:\n  - {tenant: lab, provider: cloud, kind: rofr, mode: rofo, "
                    "window: 1h, match_tolerance: 0.1}\n"),
              HasSubstr("contracts[0].match_tolerance: only meaningful in mode rofr"));
  // A second contract of a kind of which only the first is used.
  EXPECT_EQ(Error("contracts:\n  - {tenant: lab, provider: cloud, kind: on_demand}\n"
                  "  - {tenant: lab, provider: cloud, kind: on_demand, discount: 0.5}\n"),
            "s.yaml:18: contracts[1].kind: a second on_demand contract of lab with cloud "
            "(contracts[0] is the first; only the first would be used); expected at most one "
            "contract of each kind per tenant and provider");
  EXPECT_THAT(Error("contracts:\n  - {tenant: lab, provider: cloud, kind: rofr, window: 1h}\n"
                    "  - {tenant: lab, provider: neo, kind: rofr, window: 1h}\n"),
              HasSubstr("contracts[1].kind: a second rofr contract of lab (contracts[0]"));
  // A first-party tenant's contract with its own provider.
  EXPECT_THAT(Error("  - {name: own, first_party_of: cloud}\ncontracts:\n"
                    "  - {tenant: own, provider: cloud, kind: on_demand}\n"),
              HasSubstr("own is cloud's first-party tenant: it uses its pools at their cost "
                        "basis, without a on_demand contract"));
  // A second entry for one pool or provider in the faults section.
  EXPECT_THAT(Error(StrCat(kOnDemand,
                           "faults:\n  node_failures:\n    - {pool: neo/south/A100, "
                           "mtbf: 1h}\n    - {pool: neo/south/A100, mtbf: 2h}\n")),
              HasSubstr("faults.node_failures[1].pool: named twice in node_failures"));
  EXPECT_THAT(Error(StrCat(kOnDemand,
                           "faults:\n  egress: [{provider: neo, per_gb: 1}, "
                           "{provider: neo, per_gb: 2}]\n")),
              HasSubstr("faults.egress[1].provider: named twice in egress"));
  // A workload key that its format does not read.
  const std::string csv = StrCat(kOnDemand, Csv("a,0,8,60,H100\n"));
  EXPECT_THAT(Error(csv, {{"workloads[0].throughputs=t.json"}}),
              HasSubstr("workloads[0].throughputs: unknown key 'throughputs'"));
  EXPECT_THAT(Error(csv, {{"workloads[0].profile={}"}}),
              HasSubstr("workloads[0].profile: unknown key 'profile'"));
}

TEST_F(ScenarioChecks, AProfileHonoursItsWorkloadsUntil) {
  absl::StatusOr<Scenario> s =
      Parse(StrCat(kOnDemand,
                   "workloads:\n  - {name: g, tenant: lab, format: profile, types: {x: H100}, "
                   "until: 1d, profile: {jobs_per_hour: 10, until: 30d, gangs: {8: 1}, "
                   "runtime: {median: 1h}}}\n"));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_FALSE(s->jobs.empty());
  EXPECT_LT(s->jobs.back().submit, 86400);
  EXPECT_LT(s->jobs.size(), 400u);  // about 240 in a day, not 7,200 in 30
}

// --- Class 6: contracts that contradict their pools ----------------------------------------------

TEST_F(ScenarioChecks, AHoldingMustFitInThePoolItIsCarvedFrom) {
  EXPECT_EQ(Error("contracts:\n  - {tenant: lab, provider: cloud, kind: commitment, type: H100, "
                  "accelerators: 1000, end: 30d, price: 3}\n"),
            "s.yaml:17: contracts[0].accelerators: 125 nodes of cloud/east/H100 do not fit at t=0 "
            "s: the pool has 4 nodes then; expected holdings that fit in the pool they are carved "
            "from at every instant of their window");
  // Two reservations booking the same capacity: the second is the error, naming the first.
  EXPECT_EQ(Error("contracts:\n  - {tenant: lab, provider: cloud, kind: reservation, type: H100, "
                  "accelerators: 24, start: 1d, end: 3d, price: 3}\n"
                  "  - {tenant: lab, provider: cloud, kind: reservation, type: H100, "
                  "accelerators: 16, start: 2d, end: 4d, price: 3}\n"),
            "s.yaml:18: contracts[1].accelerators: 2 nodes of cloud/east/H100 do not fit at "
            "t=172800 s: the pool has 4 nodes then, 3 of them held by contracts[0]; expected "
            "holdings that fit in the pool they are carved from at every instant of their window");
  // Back to back, or together exactly the pool: fine.
  EXPECT_TRUE(Parse("contracts:\n  - {tenant: lab, provider: cloud, kind: reservation, type: H100, "
                    "accelerators: 24, start: 1d, end: 3d, price: 3}\n"
                    "  - {tenant: lab, provider: cloud, kind: reservation, type: H100, "
                    "accelerators: 32, start: 3d, end: 4d, price: 3}\n"
                    "  - {tenant: lab, provider: cloud, kind: commitment, type: H100, "
                    "accelerators: 8, end: 3d, price: 3}\n")
                  .ok());
  // Capacity the pool's schedule takes away under a holding.
  EXPECT_THAT(Error("contracts:\n  - {tenant: lab, provider: cloud, kind: commitment, type: H100, "
                    "accelerators: 24, end: 30d, price: 3}\n",
                    {{"providers[0].regions[0].pools[0].capacity=[{at: 10d, nodes: 2}]"}}),
              HasSubstr("3 nodes of cloud/east/H100 do not fit at t=864000 s: the pool has 2 "
                        "nodes then"));
}

TEST_F(ScenarioChecks, HoldingsThatSimulateRefusedAreLocatedAtLoad) {
  // Found only when the simulator was built before: now where the contract is written.
  EXPECT_EQ(Error("contracts:\n  - {tenant: lab, provider: cloud, kind: commitment, type: H100, "
                  "accelerators: 12, end: 30d, price: 3}\n"),
            "s.yaml:17: contracts[0].accelerators: 12 accelerators are not whole nodes of "
            "cloud/east/H100 (8 per node); expected a multiple of 8");
  EXPECT_EQ(Error("contracts:\n  - {tenant: lab, provider: cloud, kind: commitment, type: A100, "
                  "accelerators: 8, end: 30d, price: 3}\n"),
            "s.yaml:17: contracts[0].type: cloud has no pool of A100; expected a type (and "
            "region) where the provider has a pool to carve the holding from");
}

// --- Class 9: every error says where -------------------------------------------------------------

TEST_F(ScenarioChecks, ErrorsInWhatAnOverrideWroteBlameTheOverride) {
  EXPECT_EQ(Error(kOnDemand, {{"providers[0].regions[0].pools[0].nodes=many"}}),
            "--set 'providers[0].regions[0].pools[0].nodes=many': "
            "providers[0].regions[0].pools[0].nodes: 'many' is not an integer; expected an "
            "integer in [0, 2^24]");
  EXPECT_EQ(Error(kOnDemand, {{"providers[1].regions[0].pools[0]={type: A100, nodez: 2}"}}),
            "--set 'providers[1].regions[0].pools[0]={type: A100, nodez: 2}': "
            "providers[1].regions[0].pools[0].nodez: unknown key 'nodez'; expected one of name, "
            "type, nodes, accelerators_per_node, max_gang, price, capacity, backend");
  // An error in the file itself still names the file's line.
  EXPECT_THAT(Error("horizon: soon\n", {{"name=other"}}), StartsWith("s.yaml:16: horizon: "));
}

TEST_F(ScenarioChecks, NamesOfPoliciesAreCheckedWhereTheyAreWritten) {
  ScenarioLoadOptions options;
  options.known = {{"fifo", "sjf"}, {"deliverable", "reserve"}, {"any-pool", "same-pool"}};
  EXPECT_EQ(Error(StrCat("policy: fifoo\n", kOnDemand), options),
            "s.yaml:16: policy: unknown scheduling policy 'fifoo'; expected one of fifo, sjf");
  options.overrides = {"providers[1].agent.policy=greedy"};
  EXPECT_EQ(Error(kOnDemand, options),
            "--set 'providers[1].agent.policy=greedy': providers[1].agent.policy: unknown agent "
            "policy 'greedy'; expected one of deliverable, reserve");
  options.overrides = {};
  EXPECT_EQ(Error(StrCat(kOnDemand, "faults:\n  recovery: elsewhere\n"), options),
            "s.yaml:19: faults.recovery: unknown recovery policy 'elsewhere'; expected one of "
            "any-pool, same-pool");
}

TEST_F(ScenarioChecks, AComplexKeyIsAnErrorWithAPlace) {
  EXPECT_EQ(Error(StrCat(kOnDemand,
                         "workloads:\n  - {name: g, tenant: lab, format: profile, "
                         "types: {x: H100}, profile: {jobs_per_hour: 1, until: 1d, "
                         "gangs: {[8]: 1}, runtime: {median: 1h}}}\n")),
            "s.yaml:19: workloads[0].profile.gangs: a key that is a list; expected keys that are "
            "single values, e.g. name");
}

}  // namespace
}  // namespace arbiter
