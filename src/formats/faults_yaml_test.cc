// The scenario's faults section: what it resolves to, and the errors it gives.
#include <string>

#include "formats/scenario_yaml.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/strings.h"

namespace arbiter {
namespace {

using ::testing::HasSubstr;

// Lines 1-15: a two-provider fleet; the faults section starts on line 16.
constexpr char kFleet[] = R"y(name: mini
accelerator_types: [V100]
providers:
  - name: aws
    regions:
      - name: west
        pools:
          - {type: V100, nodes: 4, accelerators_per_node: 8, price: {on_demand: 3.06, spot: 0.92}}
  - name: rival
    regions:
      - name: central
        pools:
          - {type: V100, nodes: 2, accelerators_per_node: 8, price: {on_demand: 2.48}}
tenants: [{name: lab}]
contracts: [{tenant: lab, provider: aws, kind: spot}]
)y";

absl::StatusOr<Scenario> WithFaults(const std::string& faults) {
  return ParseScenario("s.yaml", StrCat(kFleet, faults));
}

std::string FaultsError(const std::string& faults) {
  absl::StatusOr<Scenario> s = WithFaults(faults);
  EXPECT_FALSE(s.ok()) << faults;
  return s.ok() ? "" : std::string(s.status().message());
}

TEST(FaultsYaml, NoSectionMeansNoFaults) {
  absl::StatusOr<Scenario> s = WithFaults("");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE(s->faults.configured);
  EXPECT_EQ(s->faults.recovery, "any-pool");
}

TEST(FaultsYaml, EveryKeyResolvesToExactUnits) {
  absl::StatusOr<Scenario> s = WithFaults(R"y(faults:
  recovery: other-provider
  restart_setup: 5m
  transfer_bytes_per_second: 1250000000
  backoff: 10m
  max_backoff: 2h
  egress:
    - {provider: aws, per_gb: 0.09}
  node_failures:
    - {pool: rival/central/V100, mtbf: 200h}
  spot:
    - pool: aws/west/V100
      trace: data/spot-traces/availability/1-node/aws-10-26-2022/us-west-2a_v100_8.json
      start: 1h
    - {pool: aws/west/V100, mean_time_between: 8h}
  revocations:
    - {pool: rival/central/V100, at: 3d, nodes: 1, until: 4d}
    - {pool: aws/west/V100, at: 10, nodes: 2}
  outages:
    - {region: aws/west, start: 120h, end: 126h}
)y");
  ASSERT_TRUE(s.ok()) << s.status();
  const Faults& f = s->faults;
  EXPECT_TRUE(f.configured);
  EXPECT_EQ(f.recovery, "other-provider");
  EXPECT_EQ(f.restart_setup, 300);
  EXPECT_EQ(f.transfer_bytes_per_second, 1'250'000'000);
  EXPECT_EQ(f.backoff, 600);
  EXPECT_EQ(f.max_backoff, 7200);
  EXPECT_EQ(f.egress_per_gb, (std::vector<Micros>{90'000, 0}));
  ASSERT_EQ(f.node_failures.size(), 1u);
  EXPECT_EQ(f.node_failures[0].pool, PoolId(1));
  EXPECT_EQ(f.node_failures[0].mtbf, 200 * 3600);
  ASSERT_EQ(f.spot.size(), 2u);
  EXPECT_EQ(f.spot[0].pool, PoolId(0));
  EXPECT_EQ(f.spot[0].gap, 600);
  EXPECT_EQ(f.spot[0].counts.size(), 3895u);
  EXPECT_EQ(f.spot[0].start, 3600);
  EXPECT_EQ(f.spot[0].mean_time_between, 0);
  EXPECT_TRUE(f.spot[1].counts.empty());
  EXPECT_EQ(f.spot[1].mean_time_between, 8 * 3600);
  ASSERT_EQ(f.revocations.size(), 2u);
  EXPECT_EQ(f.revocations[0].pool, PoolId(1));
  EXPECT_EQ(f.revocations[0].at, 3 * 86400);
  EXPECT_EQ(f.revocations[0].nodes, 1);
  EXPECT_EQ(f.revocations[0].until, 4 * 86400);
  EXPECT_EQ(f.revocations[1].until, kNever);
  ASSERT_EQ(f.outages.size(), 1u);
  EXPECT_EQ(f.outages[0].region, RegionId(0));
  EXPECT_EQ(f.outages[0].start, 120 * 3600);
  EXPECT_EQ(f.outages[0].end, 126 * 3600);
}

TEST(FaultsYaml, UnknownKeyNamesTheLineAndTheKeysThatExist) {
  EXPECT_EQ(FaultsError("faults:\n  recover: same-pool\n"),
            "s.yaml:17: faults.recover: unknown key 'recover'; expected one of recovery, "
            "restart_setup, transfer_bytes_per_second, backoff, max_backoff, egress, "
            "node_failures, spot, revocations, outages, launch");
}

TEST(FaultsYaml, LaunchResolvesWithPerProviderLatencies) {
  absl::StatusOr<Scenario> s = WithFaults(R"y(faults:
  launch:
    latency: 4m
    failure_latency: 1m
    timeout: 10m
    parallel: 2
    providers:
      - {provider: rival, latency: 8m}
)y");
  ASSERT_TRUE(s.ok()) << s.status();
  const LaunchModel& l = s->faults.launch;
  EXPECT_TRUE(l.configured);
  EXPECT_EQ(l.timeout, 600);
  EXPECT_EQ(l.parallel, 2);
  EXPECT_EQ(l.LatencyOf(ProviderId(0), true), 240);
  EXPECT_EQ(l.LatencyOf(ProviderId(0), false), 60);
  EXPECT_EQ(l.LatencyOf(ProviderId(1), true), 480);
  EXPECT_EQ(l.LatencyOf(ProviderId(1), false), 60);  // not overridden: the default
  // failure_latency defaults to latency; parallel to 1.
  s = WithFaults("faults:\n  launch: {latency: 3m}\n");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->faults.launch.failure_latency, 180);
  EXPECT_EQ(s->faults.launch.parallel, 1);
  EXPECT_FALSE(WithFaults("")->faults.launch.configured);
  EXPECT_TRUE(s->load_notes.empty());
  // A timeout no longer than a provider's latency times out every launch there: allowed, noted.
  s = WithFaults(
      "faults:\n  launch:\n    latency: 4m\n    timeout: 5m\n    providers: [{provider: rival, "
      "latency: 8m}]\n");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->load_notes.size(), 1u);
  EXPECT_EQ(s->load_notes[0],
            "faults.launch: the timeout (300 s) is not longer than rival's launch latency (480 s): "
            "every launch there will time out");
}

TEST(FaultsYaml, LaunchErrorsNameTheKey) {
  EXPECT_EQ(FaultsError("faults:\n  launch: {parallel: 0}\n"),
            "s.yaml:17: faults.launch.parallel: 0 is out of range; expected an integer in [1, "
            "64]");
  EXPECT_EQ(FaultsError("faults:\n  launch: {latency: soon}\n"),
            "s.yaml:17: faults.launch.latency: 'soon' is not a duration; expected seconds, or a "
            "number with s, m, h, d or w (e.g. 2h), at most 2^40 s");
  EXPECT_EQ(FaultsError("faults:\n  launch:\n    providers: [{provider: gcp, latency: 1m}]\n"),
            "s.yaml:18: faults.launch.providers[0].provider: unknown provider 'gcp'; expected a "
            "provider's name");
  EXPECT_THAT(FaultsError("faults:\n  launch: {parallell: 2}\n"),
              HasSubstr("faults.launch.parallell: unknown key 'parallell'; expected one of "
                        "latency, failure_latency, timeout, parallel, providers"));
}

TEST(FaultsYaml, UnknownPoolAndRegion) {
  EXPECT_EQ(FaultsError("faults:\n  node_failures:\n    - {pool: aws/east/V100, mtbf: 100h}\n"),
            "s.yaml:18: faults.node_failures[0].pool: unknown pool 'aws/east/V100'; expected a "
            "pool's name, provider/region/type unless the pool names itself");
  EXPECT_EQ(FaultsError("faults:\n  outages:\n    - {region: west, start: 1h}\n"),
            "s.yaml:18: faults.outages[0].region: unknown region 'west'; expected "
            "provider/region");
}

TEST(FaultsYaml, BadDurationsAndOrder) {
  EXPECT_EQ(FaultsError("faults:\n  node_failures:\n    - {pool: aws/west/V100, mtbf: often}\n"),
            "s.yaml:18: faults.node_failures[0].mtbf: 'often' is not a duration; expected "
            "seconds, or a number with s, m, h, d or w (e.g. 2h), at most 2^40 s");
  EXPECT_EQ(FaultsError("faults:\n  node_failures:\n    - {pool: aws/west/V100, mtbf: 0}\n"),
            "s.yaml:18: faults.node_failures[0].mtbf: must be > 0; expected a node's mean time "
            "between failures, e.g. 2000h");
  EXPECT_EQ(FaultsError("faults:\n  revocations:\n    - {pool: aws/west/V100, at: 2d, nodes: 1, "
                        "until: 1d}\n"),
            "s.yaml:18: faults.revocations[0].until: is not after 'at'; expected a later time");
  EXPECT_EQ(FaultsError("faults:\n  revocations:\n    - {pool: aws/west/V100, at: 2d, nodes: 0}\n"),
            "s.yaml:18: faults.revocations[0].nodes: 0 is out of range; expected an integer in [1, "
            "2^24]");
  EXPECT_EQ(FaultsError("faults:\n  backoff: 1h\n  max_backoff: 10m\n"),
            "s.yaml:18: faults.max_backoff: is shorter than backoff; expected at least backoff, "
            "or 0");
  EXPECT_EQ(FaultsError("faults:\n  egress:\n    - {provider: aws, per_gb: cheap}\n"),
            "s.yaml:18: faults.egress[0].per_gb: 'cheap' is not a price; expected dollars in [0, "
            "1000000] "
            "with at most six decimals, e.g. 2.49");
}

TEST(FaultsYaml, SpotNeedsExactlyOneOfTraceAndRate) {
  EXPECT_EQ(FaultsError("faults:\n  spot:\n    - {pool: aws/west/V100}\n"),
            "s.yaml:18: faults.spot[0]: no trace and no rate; expected either trace: <spot trace "
            "JSON> or mean_time_between: <duration>");
  EXPECT_EQ(FaultsError("faults:\n  spot:\n    - {pool: aws/west/V100, trace: t.json, "
                        "mean_time_between: 1h}\n"),
            "s.yaml:18: faults.spot[0]: both trace and mean_time_between; expected either "
            "trace: <spot trace JSON> or mean_time_between: <duration>");
  EXPECT_EQ(FaultsError("faults:\n  spot:\n    - {pool: aws/west/V100, mean_time_between: 1h, "
                        "start: 1h}\n"),
            "s.yaml:18: faults.spot[0].start: only meaningful with 'trace'; expected trace: "
            "<path>");
}

TEST(FaultsYaml, AMissingOrBrokenTraceNamesTheKeyAndTheFile) {
  const std::string missing =
      FaultsError("faults:\n  spot:\n    - {pool: aws/west/V100, trace: no-such-trace.json}\n");
  EXPECT_THAT(missing, HasSubstr("s.yaml:18: faults.spot[0].trace: "));
  EXPECT_THAT(missing, HasSubstr("no-such-trace.json"));
  EXPECT_THAT(missing, HasSubstr("expected a spot trace"));
}

}  // namespace
}  // namespace arbiter
