// The API over real HTTP on a port the OS chooses, with the real driver and a scripted backend:
// every endpoint for every scope (who sees and changes what), bad input, idempotency.
#include "serve/http_api.h"

#include <httplib.h>

#include <atomic>

#include "formats/testing.h"
#include "gtest/gtest.h"
#include "model/sha256.h"
#include "model/testing.h"
#include "nlohmann/json.hpp"
#include "serve/testing.h"

namespace arbiter::serve {
namespace {

using arbiter::testing::AddTestPool;
using arbiter::testing::ScratchDir;
using testing::Eventually;
using testing::ScriptedBackend;
using Json = nlohmann::json;

constexpr const char* kAdmin = "admin-secret";
constexpr const char* kLab = "lab-secret";
constexpr const char* kStartup = "startup-secret";
constexpr const char* kP = "p-secret";
constexpr const char* kQ = "q-secret";

// Providers p (pool p/r1/H100: 2 nodes x 4, $3.60) and q (pool q/r2/H100: 1 node x 4, $7.20),
// both answering at once. Tenant lab buys on demand from both (10% off at q), tenant startup from
// q only. One token per scope.
class HttpApiTest : public ::testing::Test {
 protected:
  HttpApiTest() {
    Fleet& fleet = scenario_.fleet;
    const AcceleratorTypeId h100 = fleet.AddAcceleratorType("H100");
    p_ = fleet.AddProvider("p");
    q_ = fleet.AddProvider("q");
    AddTestPool(fleet, fleet.AddRegion(p_, "r1"), h100, 2, 4, 3'600'000);
    AddTestPool(fleet, fleet.AddRegion(q_, "r2"), h100, 1, 4, 7'200'000);
    lab_ = fleet.AddTenant({"lab", 1});
    startup_ = fleet.AddTenant({"startup", 1});
    fleet.AddContract({lab_, p_, OnDemandTerms{0}});
    fleet.AddContract({lab_, q_, OnDemandTerms{100'000}});
    fleet.AddContract({startup_, q_, OnDemandTerms{0}});
    scenario_.live.tokens = {
        {"admin", TokenScope::kAdmin, TenantId(), ProviderId(), Sha256(kAdmin)},
        {"tenant lab", TokenScope::kTenant, lab_, ProviderId(), Sha256(kLab)},
        {"tenant startup", TokenScope::kTenant, startup_, ProviderId(), Sha256(kStartup)},
        {"provider p", TokenScope::kProvider, TenantId(), p_, Sha256(kP)},
        {"provider q", TokenScope::kProvider, TenantId(), q_, Sha256(kQ)}};
    Boot();
  }
  ~HttpApiTest() override {
    server_->Stop();
    driver_->Stop();
  }

  // Starts the driver and the API on the event log in the scratch directory (whose database may
  // grow to `max_pages`; 0: no limit).
  void Boot(int64_t max_pages = 0) {
    if (server_) server_->Stop();
    if (driver_) driver_->Stop();
    EventLogOptions log_options;
    log_options.max_pages = max_pages;
    absl::StatusOr<std::unique_ptr<EventLog>> log =
        EventLog::Open(dir_.File("events.db"), log_options);
    ASSERT_TRUE(log.ok()) << log.status();
    DriverOptions options;
    options.state_dir = dir_.path().string();
    options.epoch = 1'700'000'000;
    options.clock = [] { return 1'700'000'100.0; };
    options.poll_interval = std::chrono::milliseconds(1);
    absl::StatusOr<std::unique_ptr<Driver>> driver =
        Driver::Create(scenario_, *std::move(log), {&backend_, &backend_}, options);
    EXPECT_TRUE(driver.ok()) << driver.status();
    driver_ = *std::move(driver);
    EXPECT_TRUE(driver_->Recover().ok());
    driver_->Start();
    ApiOptions api;
    api.port = 0;
    api.max_body_bytes = 16 * 1024;
    absl::StatusOr<std::unique_ptr<ApiServer>> server = ApiServer::Start(*driver_, api);
    EXPECT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  struct Reply {
    int status = 0;
    std::string body;
    Json json;
    httplib::Headers headers;
  };
  Reply Call(const std::string& method, const std::string& path, const char* token,
             const std::string& body = "", httplib::Headers headers = {}) {
    httplib::Client client("127.0.0.1", server_->port());
    if (token != nullptr) headers.emplace("Authorization", StrCat("Bearer ", token));
    httplib::Result r = method == "GET"    ? client.Get(path, headers)
                        : method == "POST" ? client.Post(path, headers, body, "application/yaml")
                                           : client.Delete(path, headers);
    Reply reply;
    if (!r) {
      ADD_FAILURE() << method << " " << path << ": " << httplib::to_string(r.error());
      return reply;
    }
    reply.status = r->status;
    reply.body = r->body;
    reply.headers = r->headers;
    reply.json = Json::parse(r->body, nullptr, /*allow_exceptions=*/false);
    return reply;
  }
  // Submits a one-node job of `accelerators` H100 for `tenant` with `token`.
  Reply SubmitJob(const char* token, std::string_view tenant, int accelerators = 4,
                  httplib::Headers headers = {}) {
    std::string body = StrCat("name: job\nresources:\n  accelerators: H100:", accelerators,
                              "\nrun: echo hi\nduration: 1h\n");
    if (!tenant.empty()) body += StrCat("tenant: ", tenant, "\n");
    return Call("POST", "/v1/jobs", token, body, std::move(headers));
  }
  int64_t Jobs() {
    auto lock = driver_->ReadLock();
    return driver_->jobs();
  }

  ScratchDir dir_;
  Scenario scenario_;
  ProviderId p_, q_;
  TenantId lab_, startup_;
  ScriptedBackend backend_;
  std::unique_ptr<Driver> driver_;
  std::unique_ptr<ApiServer> server_;
};

TEST_F(HttpApiTest, HealthNeedsNoTokenButEverythingElseDoes) {
  EXPECT_EQ(Call("GET", "/healthz", nullptr).status, 200);
  EXPECT_EQ(Call("GET", "/healthz", nullptr).json["status"], "ok");
  for (const char* path :
       {"/metrics", "/v1/jobs", "/v1/jobs/0", "/v1/jobs/0/events", "/v1/jobs/0/logs", "/v1/pools",
        "/v1/providers", "/v1/providers/p/requests", "/v1/costs", "/v1/whoami"}) {
    for (const char* token : {static_cast<const char*>(nullptr), "wrong-secret"}) {
      const Reply r = Call("GET", path, token);
      EXPECT_EQ(r.status, 401) << path;
      EXPECT_TRUE(r.json.contains("error")) << path;
    }
  }
  EXPECT_EQ(Call("POST", "/v1/jobs", nullptr, "name: x\n").status, 401);
  EXPECT_EQ(Call("POST", "/v1/jobs/0/cancel", "wrong-secret").status, 401);
  EXPECT_EQ(Jobs(), 0);
}

TEST_F(HttpApiTest, TenantsSubmitForThemselvesOnlyAndSeeOnlyTheirOwnJobs) {
  const Reply lab = SubmitJob(kLab, "");
  ASSERT_EQ(lab.status, 201) << lab.body;
  EXPECT_EQ(lab.json["tenant"], "lab");
  EXPECT_EQ(lab.json["id"], 0);
  const Reply startup = SubmitJob(kStartup, "startup");
  ASSERT_EQ(startup.status, 201) << startup.body;
  // A tenant cannot submit for another; a provider cannot submit; nothing is stored.
  const Reply other = SubmitJob(kLab, "startup");
  EXPECT_EQ(other.status, 403);
  EXPECT_NE(other.json["error"].get<std::string>().find("tenant"), std::string::npos);
  EXPECT_EQ(SubmitJob(kP, "lab").status, 403);
  // The admin must name the tenant.
  const Reply nameless = SubmitJob(kAdmin, "");
  EXPECT_EQ(nameless.status, 400);
  EXPECT_NE(nameless.json["error"].get<std::string>().find("tenant"), std::string::npos);
  EXPECT_EQ(Jobs(), 2);
  EXPECT_EQ(SubmitJob(kAdmin, "lab").status, 201);

  // Lists.
  const Reply lab_list = Call("GET", "/v1/jobs", kLab);
  ASSERT_EQ(lab_list.status, 200);
  ASSERT_EQ(lab_list.json["jobs"].size(), 2u);
  EXPECT_EQ(lab_list.json["jobs"][0]["id"], 0);
  EXPECT_EQ(lab_list.json["jobs"][1]["id"], 2);
  const Reply startup_list = Call("GET", "/v1/jobs", kStartup);
  ASSERT_EQ(startup_list.json["jobs"].size(), 1u);
  EXPECT_EQ(startup_list.json["jobs"][0]["id"], 1);
  EXPECT_EQ(Call("GET", "/v1/jobs", kAdmin).json["jobs"].size(), 3u);
  EXPECT_EQ(Call("GET", "/v1/jobs?tenant=startup", kAdmin).json["jobs"].size(), 1u);
  EXPECT_EQ(Call("GET", "/v1/jobs?tenant=startup", kLab).status, 404);
  EXPECT_EQ(Call("GET", "/v1/jobs", kP).status, 403);
  // Pages.
  const Reply page = Call("GET", "/v1/jobs?limit=1", kAdmin);
  ASSERT_EQ(page.json["jobs"].size(), 1u);
  EXPECT_EQ(page.json["next_after"], 0);
  EXPECT_EQ(Call("GET", "/v1/jobs?after=0&limit=5", kAdmin).json["jobs"].size(), 2u);

  // One job: its tenant and the admin see it; another tenant gets 404 as for a job that does
  // not exist; providers may not read jobs at all.
  for (const char* path : {"/v1/jobs/0", "/v1/jobs/0/events", "/v1/jobs/0/logs"}) {
    EXPECT_EQ(Call("GET", path, kLab).status, 200) << path;
    EXPECT_EQ(Call("GET", path, kAdmin).status, 200) << path;
    const Reply hidden = Call("GET", path, kStartup);
    EXPECT_EQ(hidden.status, 404) << path;
    EXPECT_EQ(hidden.json["error"], "no job 0") << path;
    EXPECT_EQ(Call("GET", path, kP).status, 403) << path;
  }
  EXPECT_EQ(Call("GET", "/v1/jobs/99", kLab).json["error"], "no job 99");
}

TEST_F(HttpApiTest, CancelIsRefusedToOtherTenantsAndProvidersAndChangesNothing) {
  ASSERT_EQ(SubmitJob(kLab, "").status, 201);
  EXPECT_EQ(Call("POST", "/v1/jobs/0/cancel", kStartup).status, 404);
  EXPECT_EQ(Call("POST", "/v1/jobs/0/cancel", kP).status, 403);
  EXPECT_EQ(Call("POST", "/v1/jobs/0/cancel", nullptr).status, 401);
  EXPECT_EQ(Call("POST", "/v1/jobs/7/cancel", kAdmin).status, 404);
  auto lock = driver_->ReadLock();
  for (const Note& n : driver_->job(JobId(0)).notes) EXPECT_NE(n.kind, NoteKind::kCancelled);
  EXPECT_NE(driver_->broker().outcome(JobId(0)).state, JobState::kCancelled);
}

TEST_F(HttpApiTest, ATenantCancelsItsOwnJobOnceAndTheBackendIsToldToStopIt) {
  ASSERT_EQ(SubmitJob(kLab, "").status, 201);
  ASSERT_TRUE(Eventually([&] { return !backend_.launched().empty(); }));
  const RunKey key = backend_.launched()[0].key;
  backend_.Report(key, RunStatus::kRunning);
  ASSERT_TRUE(Eventually([&] {
    auto lock = driver_->ReadLock();
    return driver_->broker().outcome(JobId(0)).state == JobState::kRunning;
  }));
  const Reply r = Call("POST", "/v1/jobs/0/cancel", kLab);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["state"], "cancelled");
  EXPECT_EQ(r.json["reason"], "cancelled by tenant lab");
  EXPECT_EQ(backend_.cancelled(), (std::vector<RunKey>{key}));
  const Reply again = Call("POST", "/v1/jobs/0/cancel", kLab);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.json["error"], "job 0 has already ended (cancelled)");
}

TEST_F(HttpApiTest, PoolsAndProvidersShowEachScopeItsOwnPart) {
  // Tenants: the pools they may use, their price, their own use; never the pool's use.
  const Reply startup = Call("GET", "/v1/pools", kStartup);
  ASSERT_EQ(startup.status, 200);
  ASSERT_EQ(startup.json["pools"].size(), 1u);
  EXPECT_EQ(startup.json["pools"][0]["name"], "q/r2/H100");
  EXPECT_EQ(startup.json["pools"][0]["price_per_accelerator_hour_usd"], "7.200000");
  EXPECT_FALSE(startup.json["pools"][0].contains("used"));
  const Reply lab = Call("GET", "/v1/pools", kLab);
  ASSERT_EQ(lab.json["pools"].size(), 2u);
  EXPECT_EQ(lab.json["pools"][1]["price_per_accelerator_hour_usd"], "6.480000");  // 10% off
  // Providers: their own pools, with use.
  const Reply q = Call("GET", "/v1/pools", kQ);
  ASSERT_EQ(q.json["pools"].size(), 1u);
  EXPECT_EQ(q.json["pools"][0]["name"], "q/r2/H100");
  EXPECT_EQ(q.json["pools"][0]["capacity"], 4);
  EXPECT_EQ(q.json["pools"][0]["used"], 0);
  EXPECT_EQ(Call("GET", "/v1/pools", kAdmin).json["pools"].size(), 2u);

  const Reply providers_q = Call("GET", "/v1/providers", kQ);
  ASSERT_EQ(providers_q.json["providers"].size(), 1u);
  EXPECT_EQ(providers_q.json["providers"][0]["name"], "q");
  const Reply providers_startup = Call("GET", "/v1/providers", kStartup);
  ASSERT_EQ(providers_startup.json["providers"].size(), 1u);
  EXPECT_FALSE(providers_startup.json["providers"][0].contains("market"));
  EXPECT_FALSE(providers_startup.json["providers"][0].contains("used"));
  EXPECT_EQ(Call("GET", "/v1/providers", kLab).json["providers"].size(), 2u);
  EXPECT_EQ(Call("GET", "/v1/providers", kAdmin).json["providers"].size(), 2u);
  EXPECT_EQ(Call("GET", "/metrics", kLab).status, 403);
  EXPECT_EQ(Call("GET", "/metrics", kQ).status, 403);
  const Reply metrics = Call("GET", "/metrics", kAdmin);
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("arbiter_queue_jobs 0"), std::string::npos) << metrics.body;
}

// A request put to both providers: each sees its own ask and its own offer, never the other
// provider or its offer; tenants cannot read providers' requests.
TEST_F(HttpApiTest, AProviderSeesOnlyTheRequestsAddressedToItAndItsOwnAnswers) {
  // 8 accelerators fit only p; 4 fit both, so lab's request for 4 goes to p and q.
  ASSERT_EQ(SubmitJob(kLab, "", 4).status, 201);
  ASSERT_TRUE(Eventually([&] { return !backend_.launched().empty(); }));
  const Reply p = Call("GET", "/v1/providers/p/requests", kP);
  ASSERT_EQ(p.status, 200) << p.body;
  ASSERT_EQ(p.json["requests"].size(), 1u);
  const Json& ask = p.json["requests"][0];
  EXPECT_EQ(ask["tenant"], "lab");
  EXPECT_EQ(ask["items"][0]["accelerators"], 4);
  EXPECT_EQ(ask["items"][0]["your_offer"]["pool"], "p/r1/H100");
  EXPECT_EQ(p.body.find("q/r2"), std::string::npos) << p.body;
  EXPECT_EQ(p.body.find("\"q\""), std::string::npos) << p.body;
  const Reply q = Call("GET", "/v1/providers/q/requests", kQ);
  ASSERT_EQ(q.json["requests"].size(), 1u);
  EXPECT_EQ(q.json["requests"][0]["items"][0]["your_offer"]["pool"], "q/r2/H100");
  EXPECT_EQ(q.json["requests"][0]["items"][0]["your_offer"]["price_per_accelerator_hour_usd"],
            "6.480000");
  EXPECT_EQ(q.body.find("p/r1"), std::string::npos) << q.body;
  // Another provider's requests do not exist for it; tenants may not read them.
  EXPECT_EQ(Call("GET", "/v1/providers/q/requests", kP).status, 404);
  EXPECT_EQ(Call("GET", "/v1/providers/p/requests", kLab).status, 403);
  EXPECT_EQ(Call("GET", "/v1/providers/p/requests", kAdmin).status, 200);
  EXPECT_EQ(Call("GET", "/v1/providers/nobody/requests", kAdmin).status, 404);
}

TEST_F(HttpApiTest, CostsAreEachTenantsOwnAndEachProvidersRevenue) {
  ASSERT_EQ(SubmitJob(kStartup, "").status, 201);
  ASSERT_TRUE(Eventually([&] { return !backend_.launched().empty(); }));
  const RunKey key = backend_.launched()[0].key;
  backend_.Report(key, RunStatus::kRunning);
  backend_.Report(key, RunStatus::kSucceeded);
  ASSERT_TRUE(Eventually([&] {
    auto lock = driver_->ReadLock();
    return driver_->broker().outcome(JobId(0)).state == JobState::kFinished;
  }));
  // The clock stands still, so the run is billed zero seconds: the figures are all zero, and
  // who sees which lines is what counts here.
  const Reply startup = Call("GET", "/v1/costs", kStartup);
  ASSERT_EQ(startup.status, 200);
  ASSERT_EQ(startup.json["tenants"].size(), 1u);
  EXPECT_EQ(startup.json["tenants"][0]["tenant"], "startup");
  EXPECT_EQ(startup.json["tenants"][0]["jobs"], 1);
  EXPECT_EQ(Call("GET", "/v1/costs?tenant=lab", kStartup).status, 404);
  EXPECT_EQ(Call("GET", "/v1/costs", kAdmin).json["tenants"].size(), 2u);
  EXPECT_EQ(Call("GET", "/v1/costs?tenant=lab", kAdmin).json["tenants"][0]["tenant"], "lab");
  const Reply q = Call("GET", "/v1/costs", kQ);
  ASSERT_EQ(q.status, 200);
  EXPECT_EQ(q.json["provider"], "q");
  EXPECT_EQ(Call("GET", "/v1/costs?tenant=lab", kQ).status, 403);
}

TEST_F(HttpApiTest, BadInputIsA4xxNamingTheFieldAndStoresNothing) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"name\": ", "request body"},                                    // malformed JSON
      {"name: [unclosed\n", "request body"},                              // malformed YAML
      {"name: x\nresources: {accelerators: H100:4}\nrunn: a\n", "runn"},  // unknown key
      {"name: x\nresources: {accelerators: H100:4}\nnum_nodes: two\n", "num_nodes"},
      {"name: x\nresources: {accelerators: TPU:4}\n", "TPU"},  // unknown type
      {"name: x\nresources: {accelerators: H100:4}\npriority: 1.5\n", "priority"},
      {"name: x\nresources: {accelerators: H100:4}\nrun: echo \xFF\n", "UTF-8"},
  };
  for (const auto& [body, field] : cases) {
    const Reply r = Call("POST", "/v1/jobs", kLab, body);
    EXPECT_EQ(r.status, 400) << body;
    ASSERT_TRUE(r.json.contains("error")) << body << " -> " << r.body;
    EXPECT_NE(r.json["error"].get<std::string>().find(field), std::string::npos)
        << body << " -> " << r.body;
  }
  // 16 accelerators fit no pool of the fleet (the largest holds 8).
  const Reply never = SubmitJob(kLab, "", 16);
  EXPECT_EQ(never.status, 400);
  EXPECT_NE(never.json["error"].get<std::string>().find("resources: this job can never run"),
            std::string::npos)
      << never.body;
  const Reply big = Call("POST", "/v1/jobs", kLab, std::string(20 * 1024, '#'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(Call("GET", "/v1/jobs?limit=0", kLab).status, 400);
  EXPECT_EQ(Call("GET", "/v1/jobs?state=sleeping", kLab).status, 400);
  EXPECT_EQ(Call("GET", "/v1/nothing", kLab).status, 404);
  // An error that quotes a path with bytes that are not UTF-8 is still valid JSON.
  const Reply odd = Call("GET", "/v1/no%FFthing", kLab);
  EXPECT_EQ(odd.status, 404);
  ASSERT_TRUE(odd.json.contains("error")) << odd.body;
  EXPECT_EQ(odd.json["error"], "no such endpoint: GET /v1/no\uFFFDthing");
  EXPECT_EQ(Jobs(), 0);
  auto lock = driver_->ReadLock();
  EXPECT_EQ(driver_->log().last_seq(), 0);
}

// A commit that fails (here the log may not grow: a full disk) is a 5xx: the job is not
// acknowledged and nothing of it is stored; once there is room, the next submission is job 0.
TEST_F(HttpApiTest, AFailingCommitIsA5xxAndTheJobIsNotAcknowledged) {
  Boot(/*max_pages=*/8);
  const std::string big = StrCat("name: big\nresources: {accelerators: H100:4}\nrun: echo ",
                                 std::string(12 * 1024, 'x'), "\n");
  const Reply full = Call("POST", "/v1/jobs", kLab, big);
  EXPECT_EQ(full.status, 507) << full.body;
  EXPECT_NE(full.json["error"].get<std::string>().find("not stored"), std::string::npos);
  EXPECT_EQ(Jobs(), 0);
  EXPECT_EQ(Call("GET", "/v1/jobs", kLab).json["jobs"].size(), 0u);
  Boot();
  const Reply ok = SubmitJob(kLab, "");
  EXPECT_EQ(ok.status, 201);
  EXPECT_EQ(ok.json["id"], 0);
}

TEST_F(HttpApiTest, ARetriedSubmissionWithAnIdempotencyKeyReturnsTheFirstJob) {
  const Reply first = SubmitJob(kLab, "", 4, {{"Idempotency-Key", "k1"}});
  ASSERT_EQ(first.status, 201);
  const Reply again = SubmitJob(kLab, "", 4, {{"Idempotency-Key", "k1"}});
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.json["id"], first.json["id"]);
  EXPECT_EQ(again.json["idempotency_key"], "k1");
  EXPECT_EQ(Jobs(), 1);
}

TEST_F(HttpApiTest, AJobsEventsSayWhereItWasPlacedAtWhatPriceAndUnderWhichContract) {
  ASSERT_EQ(SubmitJob(kStartup, "").status, 201);
  ASSERT_TRUE(Eventually([&] { return !backend_.launched().empty(); }));
  const Reply r = Call("GET", "/v1/jobs/0/events", kStartup);
  ASSERT_EQ(r.status, 200);
  const Json& events = r.json["events"];
  std::vector<std::string> kinds;
  for (const Json& e : events) kinds.push_back(e["kind"]);
  EXPECT_EQ(kinds,
            (std::vector<std::string>{"submitted", "market_request", "market_ask", "market_offer",
                                      "market_award", "market_deliver", "launched"}));
  const Json& launched = events.back();
  EXPECT_EQ(launched["pool"], "q/r2/H100");
  EXPECT_EQ(launched["charge"], "on_demand");
  EXPECT_EQ(launched["price_per_accelerator_hour_usd"], "7.200000");
  EXPECT_EQ(launched["contract"], "on_demand contract with q (contract 2, discount 0.00%)");
  EXPECT_EQ(launched["time"], 1'700'000'100);
}

// What a backend reports may hold any bytes (a Slurm reason, an error naming a file); the views
// that show it stay valid JSON, with U+FFFD for each byte that is not UTF-8.
TEST_F(HttpApiTest, ABackendsReasonThatIsNotUtf8IsShownAsValidJson) {
  ASSERT_EQ(SubmitJob(kLab, "").status, 201);
  ASSERT_TRUE(Eventually([&] { return !backend_.launched().empty(); }));
  const RunKey key = backend_.launched()[0].key;
  backend_.Report(key, RunStatus::kRunning);
  backend_.Report(key, RunStatus::kFailed, 3, "exit 3 in /scratch/caf\xE9");
  ASSERT_TRUE(Eventually([&] {
    auto lock = driver_->ReadLock();
    return driver_->broker().outcome(JobId(0)).state == JobState::kFailed;
  }));
  const Reply job = Call("GET", "/v1/jobs/0", kLab);
  ASSERT_EQ(job.status, 200) << job.body;
  EXPECT_EQ(job.json.value("reason", ""), "exit 3 in /scratch/caf\uFFFD") << job.body;
  const Reply events = Call("GET", "/v1/jobs/0/events", kLab);
  ASSERT_EQ(events.status, 200) << events.body;
  std::vector<std::string> reasons;
  for (const Json& e : events.json["events"]) {
    if (e.contains("reason")) reasons.push_back(e["reason"]);
  }
  EXPECT_EQ(reasons, std::vector<std::string>{"exit 3 in /scratch/caf\uFFFD"}) << events.body;
}

}  // namespace
}  // namespace arbiter::serve
