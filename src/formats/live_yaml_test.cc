// The fleet file's live parts in the scenario YAML: pools' backends and API tokens (model/live.h).
#include <string>
#include <utility>

#include "formats/scenario_yaml.h"
#include "formats/testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/sha256.h"

namespace arbiter {
namespace {

using ::testing::ElementsAre;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

// A fleet of two providers; `backend` is the first pool's backend entry, `tokens` the top-level
// tokens list (both YAML, may be empty).
std::string Fleet(const std::string& backend, const std::string& tokens) {
  std::string text = R"y(name: live
accelerator_types: [H100]
providers:
  - name: primary
    regions:
      - name: local
        pools:
          - type: H100
            nodes: 2
            accelerators_per_node: 4
            price: {on_demand: 4}
)y";
  if (!backend.empty()) text += "            backend: " + backend + "\n";
  text += R"y(            capacity: [{at: 1d, nodes: 3}]
  - name: rival
    regions:
      - name: local
        pools:
          - {type: H100, nodes: 1, accelerators_per_node: 2, price: {on_demand: 3}}
tenants:
  - {name: lab}
contracts:
  - {tenant: lab, provider: primary, kind: on_demand}
)y";
  if (!tokens.empty()) text += "tokens:\n" + tokens;
  return text;
}

absl::StatusOr<Scenario> Load(const std::string& text, const std::string& file = "fleet.yaml") {
  return ParseScenario(file, text, {});
}

TEST(LiveFleet, LocalBackendDevices) {
  // No devices: 0 .. accelerators_per_node - 1 on every node the pool ever has (3, from its
  // capacity schedule).
  absl::StatusOr<Scenario> s = Load(Fleet("{kind: local}", ""));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->live.backends.size(), 1u);
  EXPECT_EQ(s->live.backends[0].kind, "local");
  EXPECT_THAT(
      s->live.backends[0].local.devices,
      ElementsAre(ElementsAre(0, 1, 2, 3), ElementsAre(0, 1, 2, 3), ElementsAre(0, 1, 2, 3)));
  EXPECT_NE(s->live.BackendOf(PoolId(0)), nullptr);
  EXPECT_EQ(s->live.BackendOf(PoolId(1)), nullptr);  // rival's pool has no backend
  EXPECT_TRUE(s->live.tokens.empty());

  s = Load(Fleet("{kind: local, devices: [4, 5, 6, 7]}", ""));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT(
      s->live.backends[0].local.devices,
      ElementsAre(ElementsAre(4, 5, 6, 7), ElementsAre(4, 5, 6, 7), ElementsAre(4, 5, 6, 7)));

  s = Load(Fleet("{kind: local, devices: [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]}", ""));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT(
      s->live.backends[0].local.devices,
      ElementsAre(ElementsAre(0, 1, 2, 3), ElementsAre(4, 5, 6, 7), ElementsAre(8, 9, 10, 11)));
}

TEST(LiveFleet, SlurmBackend) {
  absl::StatusOr<Scenario> s =
      Load(Fleet("{kind: slurm, conf: ../slurm/primary/slurm.conf}", ""), "/fleets/lab/fleet.yaml");
  ASSERT_TRUE(s.ok()) << s.status();
  const PoolBackend& b = s->live.backends[0];
  EXPECT_EQ(b.kind, "slurm");
  EXPECT_EQ(b.slurm.conf, "/fleets/slurm/primary/slurm.conf");
  EXPECT_EQ(b.slurm.partition, "");
  EXPECT_EQ(b.slurm.gres, "gpu");
  EXPECT_FALSE(b.slurm.exclusive);
  EXPECT_EQ(b.slurm.job_prefix, "arbiter-primary_local_H100");  // the pool's name
  EXPECT_EQ(b.slurm.poll_interval_ms, 1000);
  EXPECT_EQ(b.slurm.command_timeout, 30);
  EXPECT_EQ(b.slurm.lost_after, 300);
  EXPECT_EQ(b.slurm.start_timeout, 600);

  s =
      Load(Fleet("{kind: slurm, conf: /etc/slurm/slurm.conf, partition: gpu, account: lab, "
                 "qos: high, gres: a100, exclusive: true, job_prefix: lab-east, "
                 "poll_interval: 250ms, "
                 "command_timeout: 1m, lost_after: 10m, start_timeout: 0s}",
                 ""));
  ASSERT_TRUE(s.ok()) << s.status();
  const SlurmBackendSettings& slurm = s->live.backends[0].slurm;
  EXPECT_EQ(slurm.conf, "/etc/slurm/slurm.conf");
  EXPECT_EQ(slurm.partition, "gpu");
  EXPECT_EQ(slurm.account, "lab");
  EXPECT_EQ(slurm.qos, "high");
  EXPECT_EQ(slurm.gres, "a100");
  EXPECT_TRUE(slurm.exclusive);
  EXPECT_EQ(slurm.job_prefix, "lab-east");
  EXPECT_EQ(slurm.poll_interval_ms, 250);
  EXPECT_EQ(slurm.command_timeout, 60);
  EXPECT_EQ(slurm.lost_after, 600);
  EXPECT_EQ(slurm.start_timeout, 0);
  EXPECT_EQ(Load(Fleet("{kind: slurm, conf: c, poll_interval: 3s}", ""))
                ->live.backends[0]
                .slurm.poll_interval_ms,
            3000);
}

TEST(LiveFleet, SlurmBackendErrorsAreLocated) {
  EXPECT_EQ(Message(Load(Fleet("{kind: slurm}", "")).status()),
            "fleet.yaml:12: providers[0].regions[0].pools[0].backend.conf: missing; expected a "
            "value");
  EXPECT_EQ(
      Message(Load(Fleet("{kind: slurm, conf: c, nodes: 3}", "")).status()),
      "fleet.yaml:12: providers[0].regions[0].pools[0].backend.nodes: unknown key 'nodes'; "
      "expected "
      "one of kind, conf, partition, account, qos, gres, exclusive, job_prefix, poll_interval, "
      "command_timeout, lost_after, start_timeout");
  EXPECT_EQ(Message(Load(Fleet("{kind: slurm, conf: c, job_prefix: 'a b'}", "")).status()),
            "fleet.yaml:12: providers[0].regions[0].pools[0].backend.job_prefix: 'a b'; expected "
            "letters, digits, '.', '_' and '-'");
  EXPECT_EQ(Message(Load(Fleet("{kind: slurm, conf: c, poll_interval: 5ms}", "")).status()),
            "fleet.yaml:12: providers[0].regions[0].pools[0].backend.poll_interval: '5ms'; "
            "expected a duration of at least 10ms, e.g. 500ms or 2s");
  EXPECT_EQ(Message(Load(Fleet("{kind: pbs}", "")).status()),
            "fleet.yaml:12: providers[0].regions[0].pools[0].backend.kind: unknown backend kind "
            "'pbs'; expected local or slurm");
}

TEST(LiveFleet, BackendErrorsAreLocated) {
  const std::pair<std::string, std::string> cases[] = {
      {"{kind: cloud}",
       "fleet.yaml:12: providers[0].regions[0].pools[0].backend.kind: unknown backend kind "
       "'cloud'; expected local or slurm"},
      {"{devices: [0]}",
       "fleet.yaml:12: providers[0].regions[0].pools[0].backend.kind: missing; expected a value"},
      {"{kind: local, device: [0]}",
       "fleet.yaml:12: providers[0].regions[0].pools[0].backend.device: unknown key 'device'; "
       "expected one of kind, devices"},
      {"{kind: local, devices: [0, 1, 2]}",
       "fleet.yaml:12: providers[0].regions[0].pools[0].backend.devices: 3 devices; expected 4 "
       "device ids, one per accelerator of a node"},
      {"{kind: local, devices: [0, 1, 1, 2]}",
       "fleet.yaml:12: providers[0].regions[0].pools[0].backend.devices[2]: device 1 listed "
       "twice on one node"},
      {"{kind: local, devices: [0, 1, 2, -3]}",
       "fleet.yaml:12: providers[0].regions[0].pools[0].backend.devices[3]: -3 is out of range; "
       "expected an integer in [0, 2^20]"},
      {"{kind: local, devices: [[0, 1, 2, 3], [4, 5, 6, 7]]}",
       "fleet.yaml:12: providers[0].regions[0].pools[0].backend.devices: 2 lists; expected one "
       "list per node: 3 (the pool's largest size)"},
      {"{kind: local, devices: 4}",
       "fleet.yaml:12: providers[0].regions[0].pools[0].backend.devices: not a list; expected "
       "[0, 1, ...] for every node, or a list per node"},
  };
  for (const auto& [backend, expected] : cases) {
    absl::StatusOr<Scenario> s = Load(Fleet(backend, ""));
    EXPECT_FALSE(s.ok()) << backend;
    EXPECT_EQ(Message(s.status()), expected) << backend;
  }
}

TEST(LiveFleet, TokensKeepOnlyHashes) {
  testing::ScratchDir dir;
  dir.Write("admin.token", "admin-secret-0123456789\n");
  dir.Write("lab.token", "  lab-secret-0123456789abcdef \r\n");
  const std::string hash = Sha256Hex(Sha256("primary-secret-0123456789"));
  const std::string fleet =
      dir.Write("fleet.yaml", Fleet("",
                                    "  - {scope: admin, file: admin.token}\n"
                                    "  - {tenant: lab, file: lab.token, name: lab-ci}\n"
                                    "  - {provider: primary, sha256: " +
                                        hash + "}\n"));
  absl::StatusOr<Scenario> s = LoadScenario(fleet);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->live.tokens.size(), 3u);
  const ApiToken& admin = s->live.tokens[0];
  EXPECT_EQ(admin.name, "admin");
  EXPECT_EQ(admin.scope, TokenScope::kAdmin);
  EXPECT_EQ(admin.sha256, Sha256("admin-secret-0123456789"));
  const ApiToken& lab = s->live.tokens[1];
  EXPECT_EQ(lab.name, "lab-ci");
  EXPECT_EQ(lab.scope, TokenScope::kTenant);
  EXPECT_EQ(lab.tenant, TenantId(0));
  EXPECT_EQ(lab.sha256, Sha256("lab-secret-0123456789abcdef"));  // surrounding blanks trimmed
  const ApiToken& primary = s->live.tokens[2];
  EXPECT_EQ(primary.name, "provider primary");
  EXPECT_EQ(primary.scope, TokenScope::kProvider);
  EXPECT_EQ(primary.provider, ProviderId(0));
  EXPECT_EQ(Sha256Hex(primary.sha256), hash);
}

TEST(LiveFleet, TokenErrorsAreLocated) {
  testing::ScratchDir dir;
  dir.Write("short.token", "abc\n");
  dir.Write("spaces.token", "a secret with spaces inside\n");
  dir.Write("ok.token", "0123456789abcdef0123\n");
  const std::string hash = Sha256Hex(Sha256("0123456789abcdef0123"));
  const std::pair<std::string, std::string> cases[] = {
      {"  - {file: ok.token}\n",
       "fleet.yaml:23: tokens[0]: no scope; expected one of scope: admin, tenant: NAME, "
       "provider: NAME"},
      {"  - {scope: admin, tenant: lab, file: ok.token}\n",
       "fleet.yaml:23: tokens[0]: more than one scope; expected one of scope: admin, tenant: "
       "NAME, provider: NAME"},
      {"  - {scope: root, file: ok.token}\n",
       "fleet.yaml:23: tokens[0].scope: unknown scope 'root'; expected admin (a tenant's or "
       "provider's token says tenant: NAME or provider: NAME)"},
      {"  - {tenant: nobody, file: ok.token}\n",
       "fleet.yaml:23: tokens[0].tenant: unknown tenant 'nobody'; expected a tenant's name"},
      {"  - {provider: nobody, file: ok.token}\n",
       "fleet.yaml:23: tokens[0].provider: unknown provider 'nobody'; expected a provider's name"},
      {"  - {scope: admin}\n",
       "fleet.yaml:23: tokens[0]: no secret; expected file: <path of a file holding the token> "
       "or sha256: <its 64 hex digits>"},
      {"  - {scope: admin, file: ok.token, sha256: " + hash + "}\n",
       "fleet.yaml:23: tokens[0]: both file and sha256; expected file: <path of a file holding "
       "the token> or sha256: <its 64 hex digits>"},
      {"  - {scope: admin, file: short.token}\n",
       "fleet.yaml:23: tokens[0].file: the token in short.token is not usable; expected at least "
       "16 characters of A-Z a-z 0-9 - . _ ~ + / = (a bearer token)"},
      {"  - {scope: admin, file: spaces.token}\n",
       "fleet.yaml:23: tokens[0].file: the token in spaces.token is not usable; expected at "
       "least 16 characters of A-Z a-z 0-9 - . _ ~ + / = (a bearer token)"},
      {"  - {scope: admin, sha256: abc}\n",
       "fleet.yaml:23: tokens[0].sha256: not a SHA-256 digest; expected 64 hex digits (e.g. from "
       "sha256sum)"},
      {"  - {scope: admin, file: ok.token}\n  - {tenant: lab, sha256: " + hash + "}\n",
       "fleet.yaml:24: tokens[1]: the same secret as the token of admin; expected a different "
       "secret for every token"},
      {"  - {scope: admin, file: ok.token, secret: x}\n",
       "fleet.yaml:23: tokens[0].secret: unknown key 'secret'; expected one of name, scope, "
       "tenant, provider, file, sha256"},
  };
  for (const auto& [tokens, expected] : cases) {
    absl::StatusOr<Scenario> s = Load(Fleet("", tokens), dir.File("fleet.yaml"));
    EXPECT_FALSE(s.ok()) << tokens;
    EXPECT_EQ(Message(s.status()), dir.File("") + expected) << tokens;
  }
  absl::StatusOr<Scenario> missing =
      Load(Fleet("", "  - {scope: admin, file: gone.token}\n"), dir.File("fleet.yaml"));
  EXPECT_EQ(Message(missing.status()), dir.File("") + "fleet.yaml:23: tokens[0].file: " +
                                           dir.File("gone.token") + ": no such file");
}

}  // namespace
}  // namespace arbiter
