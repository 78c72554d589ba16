#include "cli/client.h"

#include <httplib.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "formats/job_spec.h"
#include "formats/parse.h"
#include "model/strings.h"
#include "nlohmann/json.hpp"

namespace arbiter {

namespace {

using Json = nlohmann::json;

constexpr int kOk = 0;
constexpr int kFailure = 1;
constexpr int kBadInput = 2;
constexpr int kRefused = 3;

struct Connection {
  std::string url;  // as shown in messages
  std::string host;
  int port = 8470;
  std::string token;
};

std::string Trim(std::string_view s) { return std::string(StripWhitespace(s)); }

absl::StatusOr<std::string> ReadToken(const std::string& file, std::string_view what) {
  absl::StatusOr<std::string> text = ReadFile(file);
  if (!text.ok()) return absl::InvalidArgumentError(StrCat(what, ": ", text.status().message()));
  std::string token = Trim(*text);
  if (token.empty()) return absl::InvalidArgumentError(StrCat(what, ": ", file, " is empty"));
  return token;
}

// The config file's "key: value" lines.
absl::Status ReadConfig(const std::string& path, std::string& server, std::string& token,
                        std::string& token_file) {
  std::ifstream in(path);
  if (!in) return absl::OkStatus();  // no config file
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    const size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    const std::string text = Trim(line);
    if (text.empty()) continue;
    const size_t colon = text.find(':');
    if (colon == std::string::npos) {
      return absl::InvalidArgumentError(
          StrCat(path, ":", number, ": expected \"key: value\" (server, token or token_file)"));
    }
    const std::string key = Trim(std::string_view(text).substr(0, colon));
    const std::string value = Trim(std::string_view(text).substr(colon + 1));
    if (key == "server") {
      if (server.empty()) server = value;
    } else if (key == "token") {
      if (token.empty() && token_file.empty()) token = value;
    } else if (key == "token_file") {
      if (token.empty() && token_file.empty()) token_file = ResolvePath(path, value);
    } else {
      return absl::InvalidArgumentError(StrCat(path, ":", number, ": unknown key '", key,
                                               "'; expected server, token or token_file"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Connection> Resolve(const ClientArgs& args) {
  std::string server = args.server;
  std::string token = args.token;
  std::string token_file = args.token_file;
  const auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  if (server.empty()) server = env("ARBITER_SERVER");
  if (token.empty() && token_file.empty()) {
    token = env("ARBITER_TOKEN");
    if (token.empty()) token_file = env("ARBITER_TOKEN_FILE");
  }
  std::string config = env("ARBITER_CONFIG");
  if (config.empty() && !env("HOME").empty()) {
    config = StrCat(env("HOME"), "/.config/arbiter/client.conf");
  }
  if (!config.empty()) {
    if (absl::Status s = ReadConfig(config, server, token, token_file); !s.ok()) return s;
  }
  if (server.empty()) server = "http://127.0.0.1:8470";
  if (token.empty() && !token_file.empty()) {
    absl::StatusOr<std::string> t = ReadToken(token_file, "token file");
    if (!t.ok()) return t.status();
    token = *t;
  }
  if (token.empty()) {
    return absl::InvalidArgumentError(
        "no token: give --token or --token-file, or set ARBITER_TOKEN (see docs/live.md)");
  }
  Connection c;
  c.url = server;
  c.token = token;
  std::string_view rest = server;
  if (rest.substr(0, 7) == "http://") {
    rest.remove_prefix(7);
  } else if (rest.find("://") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        StrCat("--server: '", server, "': only http:// is supported (the daemon serves HTTP)"));
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    c.host = std::string(rest);
  } else {
    c.host = std::string(rest.substr(0, colon));
    const std::optional<int64_t> port = ParseInt(rest.substr(colon + 1));
    if (!port || *port <= 0 || *port > 65535) {
      return absl::InvalidArgumentError(StrCat("--server: '", server, "': bad port"));
    }
    c.port = static_cast<int>(*port);
  }
  if (c.host.empty())
    return absl::InvalidArgumentError(StrCat("--server: '", server, "': no host"));
  c.url = StrCat("http://", c.host, ":", c.port);
  return c;
}

struct Reply {
  int status = 0;
  std::string body;
  Json json;
  httplib::Headers headers;
};

absl::StatusOr<Reply> Call(const Connection& c, const std::string& method, const std::string& path,
                           const std::string& body = "", httplib::Headers headers = {}) {
  httplib::Client client(c.host, c.port);
  client.set_connection_timeout(5);
  client.set_tcp_nodelay(true);
  client.set_read_timeout(60);
  headers.emplace("Authorization", StrCat("Bearer ", c.token));
  httplib::Result r = method == "POST" ? client.Post(path, headers, body, "application/json")
                                       : client.Get(path, headers);
  if (!r) {
    const httplib::Error e = r.error();
    const std::string why = e == httplib::Error::Connection ? "connection refused or unreachable"
                            : e == httplib::Error::Read     ? "no answer"
                            : e == httplib::Error::ConnectionTimeout ? "timed out connecting"
                                                                     : httplib::to_string(e);
    return absl::UnavailableError(
        StrCat("cannot reach the daemon at ", c.url, " (", why,
               "); is `arbiter serve` running there? (set --server or ARBITER_SERVER)"));
  }
  Reply reply;
  reply.status = r->status;
  reply.body = r->body;
  reply.headers = r->headers;
  reply.json = Json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  return reply;
}

// Prints the daemon's error for a non-2xx reply and returns the exit code.
int ReportError(const Reply& r, std::FILE* err) {
  std::string message = r.body;
  if (r.json.is_object() && r.json.contains("error") && r.json["error"].is_string()) {
    message = r.json["error"].get<std::string>();
  }
  if (r.status == 401 || r.status == 403) {
    std::fprintf(err, "arbiter: the daemon refused the token (HTTP %d): %s\n", r.status,
                 message.c_str());
    return kRefused;
  }
  std::fprintf(err, "arbiter: %s (HTTP %d)\n", message.c_str(), r.status);
  return r.status >= 400 && r.status < 500 ? kBadInput : kFailure;
}

// Resolves the connection and makes one call; on failure prints why and sets `code`.
std::optional<Reply> Request(const ClientArgs& args, const std::string& method,
                             const std::string& path, std::FILE* err, int& code,
                             const std::string& body = "", httplib::Headers headers = {}) {
  absl::StatusOr<Connection> c = Resolve(args);
  if (!c.ok()) {
    std::fprintf(err, "arbiter: %s\n", std::string(c.status().message()).c_str());
    code = kBadInput;
    return std::nullopt;
  }
  absl::StatusOr<Reply> r = Call(*c, method, path, body, std::move(headers));
  if (!r.ok()) {
    std::fprintf(err, "arbiter: %s\n", std::string(r.status().message()).c_str());
    code = kFailure;
    return std::nullopt;
  }
  if (r->status < 200 || r->status >= 300) {
    code = ReportError(*r, err);
    return std::nullopt;
  }
  code = kOk;
  return *std::move(r);
}

std::string Str(const Json& j, const char* key, std::string_view fallback = "-") {
  if (!j.contains(key) || j[key].is_null()) return std::string(fallback);
  if (j[key].is_string()) return j[key].get<std::string>();
  return j[key].dump();
}

// A Unix time as "2025-06-01 12:00:00" (UTC).
std::string When(const Json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number_integer()) return "-";
  const time_t t = j[key].get<int64_t>();
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

void PrintTable(std::FILE* out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t i = 0; i < cells.size(); ++i) {
      text += cells[i];
      if (i + 1 < cells.size()) text += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    std::fprintf(out, "%s\n", text.c_str());
  };
  line(header);
  for (const auto& row : rows) line(row);
}

void PrintJson(std::FILE* out, const Reply& r) {
  std::fprintf(out, "%s\n", r.json.is_discarded() ? r.body.c_str() : r.json.dump(2).c_str());
}

std::vector<std::string> JobRow(const Json& j) {
  return {Str(j, "id"),
          Str(j, "name"),
          Str(j, "tenant"),
          Str(j, "state"),
          Str(j, "pool"),
          When(j, "submitted_at"),
          StrCat("$", Str(j, "cost_usd"))};
}
const std::vector<std::string> kJobHeader = {"ID",   "NAME",      "TENANT", "STATE",
                                             "POOL", "SUBMITTED", "COST"};

// Every job of the listing at `path` (following the pages).
std::optional<Json> AllJobs(const ClientArgs& args, const std::string& query, std::FILE* err,
                            int& code) {
  Json all = Json::array();
  int64_t after = -1;
  while (true) {
    std::optional<Reply> r = Request(
        args, "GET", StrCat("/v1/jobs?limit=1000&after=", after, query.empty() ? "" : "&", query),
        err, code);
    if (!r) return std::nullopt;
    for (const Json& j : r->json["jobs"]) all.push_back(j);
    if (r->json["next_after"].is_null()) break;
    after = r->json["next_after"].get<int64_t>();
  }
  return all;
}

bool Final(std::string_view state) {
  return state == "finished" || state == "rejected" || state == "failed" || state == "cancelled";
}

std::string EventLine(const Json& e) {
  const std::string kind = Str(e, "kind");
  std::string text = kind;
  if (e.contains("attempt")) text += StrCat(" (attempt ", Str(e, "attempt"), ")");
  if (kind == "launched") {
    text += StrCat(": ", Str(e, "why"));
  } else if (kind == "charge") {
    text += StrCat(": $", Str(e, "amount_usd"), " ", Str(e, "charge"), " on ", Str(e, "pool"), " (",
                   Str(e, "accelerators"), " accelerators at $",
                   Str(e, "price_per_accelerator_hour_usd"), "/h)");
  } else if (kind.substr(0, 7) == "market_") {
    if (e.contains("provider")) text += StrCat(" ", Str(e, "provider"));
    if (e.contains("phase")) text += StrCat(" [", Str(e, "phase"), "]");
    if (e.contains("pool")) text += StrCat(" on ", Str(e, "pool"));
    if (e.contains("price_per_accelerator_hour_usd")) {
      text += StrCat(" at $", Str(e, "price_per_accelerator_hour_usd"), "/h");
    }
  } else if (e.contains("pool")) {
    text += StrCat(" on ", Str(e, "pool"));
  }
  if (e.contains("exit_code")) text += StrCat(", exit code ", Str(e, "exit_code"));
  if (e.contains("reason")) text += StrCat(": ", Str(e, "reason"));
  if (e.contains("by")) text += StrCat(" by ", Str(e, "by"));
  return text;
}

}  // namespace

int ClientSubmit(const ClientArgs& args, const std::string& job_file,
                 const std::string& idempotency_key, std::FILE* out, std::FILE* err) {
  absl::StatusOr<JobSpec> spec = LoadJobSpec(job_file);
  if (!spec.ok()) {
    std::fprintf(err, "arbiter: %s\n", std::string(spec.status().message()).c_str());
    return kBadInput;
  }
  httplib::Headers headers;
  if (!idempotency_key.empty()) headers.emplace("Idempotency-Key", idempotency_key);
  int code = kOk;
  std::optional<Reply> r =
      Request(args, "POST", "/v1/jobs", err, code, JobSpecToJson(*spec), std::move(headers));
  if (!r) return code;
  if (args.json) {
    PrintJson(out, *r);
    return kOk;
  }
  const Json& j = r->json;
  if (r->status == 201) {
    std::fprintf(out, "job %s submitted (%s, tenant %s): %s\n", Str(j, "id").c_str(),
                 Str(j, "name").c_str(), Str(j, "tenant").c_str(), Str(j, "state").c_str());
  } else {
    std::fprintf(out, "job %s was already submitted with this idempotency key: %s\n",
                 Str(j, "id").c_str(), Str(j, "state").c_str());
  }
  return kOk;
}

int ClientStatus(const ClientArgs& args, std::optional<int64_t> job, std::FILE* out,
                 std::FILE* err) {
  int code = kOk;
  if (!job) {
    std::optional<Json> all = AllJobs(args, "", err, code);
    if (!all) return code;
    if (args.json) {
      std::fprintf(out, "%s\n", Json{{"jobs", *all}}.dump(2).c_str());
      return kOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const Json& j : *all) rows.push_back(JobRow(j));
    PrintTable(out, kJobHeader, rows);
    return kOk;
  }
  std::optional<Reply> r = Request(args, "GET", StrCat("/v1/jobs/", *job), err, code);
  if (!r) return code;
  std::optional<Reply> events =
      Request(args, "GET", StrCat("/v1/jobs/", *job, "/events"), err, code);
  if (!events) return code;
  if (args.json) {
    Json both = r->json;
    both["events"] = events->json["events"];
    std::fprintf(out, "%s\n", both.dump(2).c_str());
    return kOk;
  }
  const Json& j = r->json;
  std::fprintf(out, "job %s  %s  (tenant %s)\n", Str(j, "id").c_str(), Str(j, "name").c_str(),
               Str(j, "tenant").c_str());
  std::string state = Str(j, "state");
  if (j.contains("reason")) state += StrCat(": ", Str(j, "reason"));
  std::fprintf(out, "  state       %s\n", state.c_str());
  std::fprintf(out, "  pool        %s (attempt %s)\n", Str(j, "pool").c_str(),
               Str(j, "attempts").c_str());
  std::fprintf(out, "  gang        %s accelerators on %s nodes\n", Str(j, "accelerators").c_str(),
               Str(j, "nodes").c_str());
  std::fprintf(out, "  submitted   %s\n  started     %s\n  ended       %s\n",
               When(j, "submitted_at").c_str(), When(j, "started_at").c_str(),
               When(j, "ended_at").c_str());
  std::fprintf(out, "  cost        $%s (%s accelerator-seconds)\n", Str(j, "cost_usd").c_str(),
               Str(j, "accelerator_seconds").c_str());
  std::fprintf(out, "  history\n");
  for (const Json& e : events->json["events"]) {
    std::fprintf(out, "    %s  %s\n", When(e, "time").c_str(), EventLine(e).c_str());
  }
  return kOk;
}

int ClientQueue(const ClientArgs& args, std::FILE* out, std::FILE* err) {
  int code = kOk;
  std::optional<Json> pending = AllJobs(args, "state=pending", err, code);
  if (!pending) return code;
  std::optional<Json> starting = AllJobs(args, "state=starting", err, code);
  if (!starting) return code;
  std::vector<Json> jobs(pending->begin(), pending->end());
  jobs.insert(jobs.end(), starting->begin(), starting->end());
  std::sort(jobs.begin(), jobs.end(), [](const Json& a, const Json& b) {
    return a["id"].get<int64_t>() < b["id"].get<int64_t>();
  });
  if (args.json) {
    std::fprintf(out, "%s\n", Json{{"jobs", jobs}}.dump(2).c_str());
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  rows.reserve(jobs.size());
  for (const Json& j : jobs) {
    rows.push_back({Str(j, "id"), Str(j, "name"), Str(j, "tenant"), Str(j, "state"),
                    Str(j, "accelerators"), Str(j, "priority"), When(j, "submitted_at")});
  }
  PrintTable(out, {"ID", "NAME", "TENANT", "STATE", "ACCELERATORS", "PRIORITY", "SUBMITTED"}, rows);
  return kOk;
}

int ClientLogs(const ClientArgs& args, int64_t job, int32_t node, int64_t attempt, bool follow,
               std::FILE* out, std::FILE* err) {
  int64_t offset = 0;
  int64_t shown = attempt;
  while (true) {
    int code = kOk;
    std::optional<Reply> r = Request(
        args, "GET",
        StrCat("/v1/jobs/", job, "/logs?node=", node, "&attempt=", shown, "&offset=", offset), err,
        code);
    if (!r) return code;
    const auto header = [&](const char* name) {
      auto it = r->headers.find(name);
      return it == r->headers.end() ? std::string() : it->second;
    };
    const int64_t this_attempt = ParseInt(header("Arbiter-Attempt")).value_or(0);
    if (shown == 0 && this_attempt > 0) shown = this_attempt;
    std::fwrite(r->body.data(), 1, r->body.size(), out);
    std::fflush(out);
    offset = ParseInt(header("Arbiter-Next-Offset")).value_or(offset);
    if (!follow) return kOk;
    const bool ended = Final(header("Arbiter-Job-State"));
    if (r->body.empty()) {
      if (ended) return kOk;
      // A run that came up after this one (a restart) is followed from its start.
      if (attempt == 0) {
        std::optional<Reply> j = Request(args, "GET", StrCat("/v1/jobs/", job), err, code);
        if (!j) return code;
        const int64_t latest = j->json["attempts"].get<int64_t>();
        if (latest > shown && Str(j->json, "state") == "running") {
          std::fprintf(out, "--- attempt %lld ---\n", static_cast<long long>(latest));
          shown = latest;
          offset = 0;
          continue;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
}

int ClientCancel(const ClientArgs& args, int64_t job, std::FILE* out, std::FILE* err) {
  int code = kOk;
  std::optional<Reply> r = Request(args, "POST", StrCat("/v1/jobs/", job, "/cancel"), err, code);
  if (!r) return code;
  if (args.json) {
    PrintJson(out, *r);
    return kOk;
  }
  std::fprintf(out, "job %lld: %s\n", static_cast<long long>(job), Str(r->json, "state").c_str());
  return kOk;
}

int ClientCost(const ClientArgs& args, const std::string& tenant, std::FILE* out, std::FILE* err) {
  int code = kOk;
  std::optional<Reply> r = Request(
      args, "GET", tenant.empty() ? "/v1/costs" : StrCat("/v1/costs?tenant=", tenant), err, code);
  if (!r) return code;
  if (args.json) {
    PrintJson(out, *r);
    return kOk;
  }
  const Json& j = r->json;
  const auto breakdown = [](const Json& o) {
    std::vector<std::string> parts;
    if (o.is_object()) {
      for (auto it = o.begin(); it != o.end(); ++it) {
        parts.push_back(StrCat(it.key(), " $", it.value().get<std::string>()));
      }
    }
    return parts.empty() ? std::string("-") : StrJoin(parts, ", ");
  };
  std::vector<std::vector<std::string>> rows;
  if (j.contains("provider")) {
    std::fprintf(out, "provider %s: revenue $%s (billed until %s UTC)\n",
                 Str(j, "provider").c_str(), Str(j, "revenue_usd").c_str(),
                 When(j, "billed_until").c_str());
    for (const Json& t : j["tenants"]) {
      rows.push_back({Str(t, "tenant"), StrCat("$", Str(t, "total_usd")), breakdown(t["by_kind"])});
    }
    PrintTable(out, {"TENANT", "REVENUE", "BY KIND"}, rows);
    return kOk;
  }
  for (const Json& t : j["tenants"]) {
    rows.push_back({Str(t, "tenant"), Str(t, "jobs"), Str(t, "running_jobs"),
                    StrCat("$", Str(t, "total_usd")), breakdown(t["by_provider"]),
                    breakdown(t["by_kind"])});
  }
  PrintTable(out, {"TENANT", "JOBS", "RUNNING", "COST", "BY PROVIDER", "BY KIND"}, rows);
  std::fprintf(out, "(billed until %s UTC)\n", When(j, "billed_until").c_str());
  return kOk;
}

int ClientPools(const ClientArgs& args, std::FILE* out, std::FILE* err) {
  int code = kOk;
  std::optional<Reply> r = Request(args, "GET", "/v1/pools", err, code);
  if (!r) return code;
  if (args.json) {
    PrintJson(out, *r);
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  const Json& pools = r->json["pools"];
  const bool tenant_view = !pools.empty() && pools[0].contains("your_accelerators");
  for (const Json& p : pools) {
    const std::string shape =
        StrCat(Str(p, "nodes"), " x ", Str(p, "accelerators_per_node"), " ", Str(p, "type"));
    if (tenant_view) {
      rows.push_back({Str(p, "name"), shape, StrCat("$", Str(p, "price_per_accelerator_hour_usd")),
                      Str(p, "charge"), Str(p, "your_running_jobs"), Str(p, "your_accelerators")});
    } else {
      rows.push_back({Str(p, "name"), shape, Str(p, "used"), Str(p, "capacity"),
                      Str(p, "running_jobs"), Str(p, "backend")});
    }
  }
  if (tenant_view) {
    PrintTable(out, {"POOL", "NODES", "PRICE/ACC-HOUR", "CHARGE", "YOUR JOBS", "YOUR ACCELERATORS"},
               rows);
  } else {
    PrintTable(out, {"POOL", "NODES", "USED", "CAPACITY", "RUNNING JOBS", "BACKEND"}, rows);
  }
  return kOk;
}

}  // namespace arbiter
