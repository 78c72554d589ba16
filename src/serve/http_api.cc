#include "serve/http_api.h"

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "formats/job_spec.h"
#include "formats/parse.h"
#include "model/strings.h"
#include "serve/views.h"

namespace arbiter::serve {

int HttpStatusOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 507;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

namespace {

constexpr const char* kJson = "application/json";

void Fail(httplib::Response& res, const absl::Status& status) {
  res.status = HttpStatusOf(status);
  if (res.status == 401) res.set_header("WWW-Authenticate", "Bearer");
  res.set_content(ErrorJson(std::string(status.message())), kJson);
}

// A query parameter as an integer in [min, max], or `fallback` when absent.
absl::StatusOr<int64_t> IntParam(const httplib::Request& req, const char* name, int64_t fallback,
                                 int64_t min, int64_t max) {
  if (!req.has_param(name)) return fallback;
  const std::string value = req.get_param_value(name);
  const std::optional<int64_t> v = ParseInt(value);
  if (!v || *v < min || *v > max) {
    return absl::InvalidArgumentError(
        StrCat(name, ": '", value, "' is not an integer from ", min, " to ", max));
  }
  return *v;
}

absl::StatusOr<JobId> JobParam(const httplib::Request& req) {
  const std::optional<int64_t> id = ParseInt(req.matches[1].str());
  if (!id || *id < 0 || *id > INT32_MAX) {
    return absl::NotFoundError(StrCat("no job ", req.matches[1].str()));
  }
  return JobId(static_cast<int32_t>(*id));
}

// cpp-httplib 0.11 (Debian's, compiled) listens with a backlog of 5: more clients connecting at
// once than that see their SYN dropped and retried a second later. Linux lets a listening socket
// be given a new backlog by calling listen() again; this finds the server's socket (listening,
// bound to `port`) among the process's descriptors and does that.
void RaiseBacklog(int port) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    const std::optional<int64_t> fd = ParseInt(entry.path().filename().string());
    if (!fd) continue;
    int listening = 0;
    socklen_t len = sizeof(listening);
    if (getsockopt(static_cast<int>(*fd), SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 ||
        !listening) {
      continue;
    }
    sockaddr_storage addr{};
    socklen_t addr_len = sizeof(addr);
    if (getsockname(static_cast<int>(*fd), reinterpret_cast<sockaddr*>(&addr), &addr_len) != 0) {
      continue;
    }
    int bound = -1;
    if (addr.ss_family == AF_INET) {
      bound = ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      bound = ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    }
    if (bound == port) ::listen(static_cast<int>(*fd), SOMAXCONN);
  }
}

}  // namespace

class ApiServer::Impl {
 public:
  Impl(Driver& driver, ApiOptions options) : driver_(driver), options_(std::move(options)) {}
  ~Impl() { Stop(); }

  absl::Status Start() {
    const int threads = options_.threads;
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_.set_payload_max_length(options_.max_body_bytes);
    server_.set_keep_alive_max_count(1'000'000);
    server_.set_keep_alive_timeout(30);
    server_.set_tcp_nodelay(true);
    Routes();
    if (options_.port == 0) {
      port_ = server_.bind_to_any_port(options_.host);
    } else {
      port_ = server_.bind_to_port(options_.host, options_.port) ? options_.port : -1;
    }
    if (port_ <= 0) {
      return absl::UnavailableError(StrCat("cannot listen on ", options_.host, ":", options_.port,
                                           " (in use, or not an address of this machine)"));
    }
    RaiseBacklog(port_);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // Until the server thread runs, httplib's stop() would not stop it: wait for it to start.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!server_.is_running()) {
      if (std::chrono::steady_clock::now() > deadline) {
        return absl::UnavailableError(StrCat("the API on ", address(), " did not start"));
      }
      std::this_thread::yield();
    }
    return absl::OkStatus();
  }

  void Stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  int port() const { return port_; }
  std::string address() const { return StrCat(options_.host, ":", port_); }

 private:
  using Handler =
      std::function<void(const httplib::Request&, httplib::Response&, const Principal&)>;

  // Wraps a handler: authenticates (unless `open`), answers errors, times the request.
  httplib::Server::Handler Wrap(Handler handler, bool open = false) {
    return [this, handler = std::move(handler), open](const httplib::Request& req,
                                                      httplib::Response& res) {
      const auto started = std::chrono::steady_clock::now();
      Principal who;
      if (!open) {
        absl::StatusOr<Principal> p =
            Authenticate(req.get_header_value("Authorization"), driver_.scenario().live.tokens);
        if (!p.ok()) {
          Fail(res, p.status());
          return;
        }
        who = *std::move(p);
      }
      handler(req, res, who);
      latency_.Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    };
  }

  // Renders a read-only view under the driver's read lock.
  template <typename F>
  void View(httplib::Response& res, F render) {
    absl::StatusOr<std::string> body;
    {
      auto lock = driver_.ReadLock();
      body = render();
    }
    if (!body.ok()) {
      Fail(res, body.status());
      return;
    }
    res.set_content(*std::move(body), kJson);
  }

  void Routes() {
    server_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      if (res.status == 413) {
        res.set_content(ErrorJson("request body too large"), kJson);
      } else if (res.status == 404) {
        res.set_content(ErrorJson(StrCat("no such endpoint: ", req.method, " ", req.path)), kJson);
      } else {
        res.set_content(ErrorJson(StrCat("HTTP ", res.status)), kJson);
      }
    });
    server_.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
          std::string what = "internal error";
          try {
            std::rethrow_exception(std::move(ep));
          } catch (const std::exception& e) {
            what = StrCat("internal error: ", e.what());
          } catch (...) {
          }
          res.status = 500;
          res.set_content(ErrorJson(what), kJson);
        });
    server_.Get("/healthz",
                Wrap(
                    [this](const httplib::Request&, httplib::Response& res, const Principal&) {
                      res.set_content(
                          driver_.recovered() ? R"({"status":"ok"})" : R"({"status":"starting"})",
                          kJson);
                    },
                    /*open=*/true));
    server_.Get("/metrics",
                Wrap([this](const httplib::Request&, httplib::Response& res, const Principal& who) {
                  if (!who.admin()) {
                    Fail(res, absl::PermissionDeniedError("/metrics needs an admin token"));
                    return;
                  }
                  std::string text;
                  {
                    auto lock = driver_.ReadLock();
                    text = MetricsText(driver_, latency_.Take());
                  }
                  res.set_content(text, "text/plain; version=0.0.4");
                }));
    server_.Get("/v1/whoami",
                Wrap([this](const httplib::Request&, httplib::Response& res, const Principal& who) {
                  View(res,
                       [&]() -> absl::StatusOr<std::string> { return WhoamiJson(driver_, who); });
                }));
    server_.Post("/v1/jobs", Wrap([this](const httplib::Request& req, httplib::Response& res,
                                         const Principal& who) { SubmitJob(req, res, who); }));
    server_.Get("/v1/jobs", Wrap([this](const httplib::Request& req, httplib::Response& res,
                                        const Principal& who) {
                  JobQuery q;
                  q.state = req.get_param_value("state");
                  q.tenant = req.get_param_value("tenant");
                  absl::StatusOr<int64_t> after = IntParam(req, "after", -1, -1, INT32_MAX);
                  absl::StatusOr<int64_t> limit = IntParam(req, "limit", 100, 1, 10'000);
                  if (!after.ok() || !limit.ok()) {
                    Fail(res, after.ok() ? limit.status() : after.status());
                    return;
                  }
                  q.after = *after;
                  q.limit = *limit;
                  View(res, [&] { return JobsJson(driver_, who, q); });
                }));
    server_.Get(R"(/v1/jobs/(\d+))", Wrap([this](const httplib::Request& req,
                                                 httplib::Response& res, const Principal& who) {
                  absl::StatusOr<JobId> job = JobParam(req);
                  if (!job.ok()) {
                    Fail(res, job.status());
                    return;
                  }
                  View(res, [&]() -> absl::StatusOr<std::string> {
                    if (absl::Status s = CheckJobVisible(driver_, who, *job); !s.ok()) return s;
                    return JobJson(driver_, *job);
                  });
                }));
    server_.Get(
        R"(/v1/jobs/(\d+)/events)",
        Wrap([this](const httplib::Request& req, httplib::Response& res, const Principal& who) {
          absl::StatusOr<JobId> job = JobParam(req);
          if (!job.ok()) {
            Fail(res, job.status());
            return;
          }
          View(res, [&] { return JobEventsJson(driver_, who, *job); });
        }));
    server_.Get(R"(/v1/jobs/(\d+)/logs)",
                Wrap([this](const httplib::Request& req, httplib::Response& res,
                            const Principal& who) { Logs(req, res, who); }));
    server_.Post(R"(/v1/jobs/(\d+)/cancel)",
                 Wrap([this](const httplib::Request& req, httplib::Response& res,
                             const Principal& who) { CancelJob(req, res, who); }));
    server_.Get("/v1/pools",
                Wrap([this](const httplib::Request&, httplib::Response& res, const Principal& who) {
                  View(res, [&] { return PoolsJson(driver_, who); });
                }));
    server_.Get("/v1/providers",
                Wrap([this](const httplib::Request&, httplib::Response& res, const Principal& who) {
                  View(res, [&] { return ProvidersJson(driver_, who); });
                }));
    server_.Get(
        R"(/v1/providers/([^/]+)/requests)",
        Wrap([this](const httplib::Request& req, httplib::Response& res, const Principal& who) {
          const std::string provider = req.matches[1].str();
          View(res, [&] { return ProviderRequestsJson(driver_, who, provider); });
        }));
    server_.Get("/v1/costs", Wrap([this](const httplib::Request& req, httplib::Response& res,
                                         const Principal& who) {
                  const std::string tenant = req.get_param_value("tenant");
                  View(res, [&] { return CostsJson(driver_, who, tenant); });
                }));
  }

  void SubmitJob(const httplib::Request& req, httplib::Response& res, const Principal& who) {
    if (who.scope == TokenScope::kProvider) {
      Fail(res, absl::PermissionDeniedError("a provider token cannot submit jobs"));
      return;
    }
    const std::string key = req.get_header_value("Idempotency-Key");
    if (key.size() > 256) {
      Fail(res, absl::InvalidArgumentError("Idempotency-Key: longer than 256 characters"));
      return;
    }
    absl::StatusOr<JobSpec> spec = ParseJobSpec("request body", req.body);
    if (!spec.ok()) {
      Fail(res, absl::InvalidArgumentError(spec.status().message()));
      return;
    }
    const Fleet& fleet = driver_.fleet();
    TenantId tenant;
    if (who.scope == TokenScope::kTenant) {
      const std::string& own = fleet.tenant(who.tenant).name;
      if (!spec->tenant.empty() && spec->tenant != own) {
        Fail(res, absl::PermissionDeniedError(StrCat("tenant: this token submits for tenant '", own,
                                                     "', not '", spec->tenant, "'")));
        return;
      }
      spec->tenant = own;
      tenant = who.tenant;
    } else {
      if (spec->tenant.empty()) {
        Fail(res,
             absl::InvalidArgumentError("tenant: required when submitting with an admin token"));
        return;
      }
      const std::optional<TenantId> t = fleet.FindTenant(spec->tenant);
      if (!t) {
        Fail(res, absl::InvalidArgumentError(StrCat("tenant: no tenant '", spec->tenant, "'")));
        return;
      }
      tenant = *t;
    }
    absl::StatusOr<Job> job = ToJob(*spec, fleet, JobClock{driver_.WallTime(), driver_.epoch()});
    if (!job.ok()) {
      Fail(res, absl::InvalidArgumentError(job.status().message()));
      return;
    }
    {
      // A job no pool can ever run is refused here, before anything is stored.
      auto lock = driver_.ReadLock();
      if (const std::string why = driver_.broker().WhyNeverRuns(*job); !why.empty()) {
        Fail(res, absl::InvalidArgumentError(StrCat("resources: this job can never run: ", why)));
        return;
      }
    }
    Submission s;
    s.idempotency_key = key;
    s.job = *std::move(job);
    s.launch.env = spec->envs;
    s.launch.workdir = spec->workdir;
    s.launch.setup = spec->setup;
    s.launch.run = spec->run;
    s.spec_json = JobSpecToJson(*spec);
    s.deadline_after = spec->deadline_after;
    absl::StatusOr<SubmitResult> result = driver_.Submit(std::move(s), tenant).get();
    if (!result.ok()) {
      Fail(res, result.status());
      return;
    }
    {
      auto lock = driver_.ReadLock();
      res.set_content(JobJson(driver_, result->job), kJson);
    }
    res.status = result->created ? 201 : 200;
    res.set_header("Location", StrCat("/v1/jobs/", result->job.value()));
  }

  void CancelJob(const httplib::Request& req, httplib::Response& res, const Principal& who) {
    absl::StatusOr<JobId> job = JobParam(req);
    if (!job.ok()) {
      Fail(res, job.status());
      return;
    }
    if (who.scope == TokenScope::kProvider) {
      Fail(res, absl::PermissionDeniedError("a provider token cannot cancel jobs"));
      return;
    }
    {
      auto lock = driver_.ReadLock();
      if (absl::Status s = CheckJobVisible(driver_, who, *job); !s.ok()) {
        Fail(res, s);
        return;
      }
      const JobState state = driver_.broker().outcome(*job).state;
      if (state == JobState::kFinished || state == JobState::kRejected ||
          state == JobState::kCancelled || state == JobState::kFailed) {
        Fail(res, absl::FailedPreconditionError(StrCat("job ", job->value(), " has already ended (",
                                                       JobStateName(state), ")")));
        return;
      }
    }
    absl::StatusOr<CancelResult> result = driver_.Cancel(*job, who.name).get();
    if (!result.ok()) {
      Fail(res, result.status());
      return;
    }
    auto lock = driver_.ReadLock();
    res.set_content(JobJson(driver_, *job), kJson);
  }

  void Logs(const httplib::Request& req, httplib::Response& res, const Principal& who) {
    absl::StatusOr<JobId> job = JobParam(req);
    if (!job.ok()) {
      Fail(res, job.status());
      return;
    }
    absl::StatusOr<int64_t> offset = IntParam(req, "offset", 0, 0, INT64_MAX);
    absl::StatusOr<int64_t> attempt = IntParam(req, "attempt", 0, 0, INT32_MAX);
    absl::StatusOr<int64_t> node = IntParam(req, "node", 0, 0, INT32_MAX);
    for (const auto* s : {&offset, &attempt, &node}) {
      if (!s->ok()) {
        Fail(res, s->status());
        return;
      }
    }
    std::string path;
    int64_t shown_attempt = 0;
    std::string state;
    {
      auto lock = driver_.ReadLock();
      if (absl::Status s = CheckJobVisible(driver_, who, *job); !s.ok()) {
        Fail(res, s);
        return;
      }
      const Job& spec = driver_.broker().spec(*job);
      if (*node >= spec.nodes) {
        Fail(res, absl::InvalidArgumentError(
                      StrCat("node: job ", job->value(), " has nodes 0 to ", spec.nodes - 1)));
        return;
      }
      const JobRecord& r = driver_.job(*job);
      if (*attempt > r.attempts) {
        Fail(res, absl::NotFoundError(
                      StrCat("attempt: job ", job->value(), " has ", r.attempts, " attempts")));
        return;
      }
      shown_attempt =
          *attempt > 0 ? *attempt : (r.last_run_attempt > 0 ? r.last_run_attempt : r.attempts);
      if (shown_attempt > 0) {
        path = driver_.LogPath(*job, shown_attempt, static_cast<int32_t>(*node));
      }
      state = JobStateName(driver_.broker().outcome(*job).state);
    }
    std::string text;
    int64_t next = *offset;
    if (!path.empty()) {
      std::ifstream in(path, std::ios::binary);
      if (in) {
        in.seekg(0, std::ios::end);
        const int64_t size = in.tellg();
        if (*offset < size) {
          const int64_t n = std::min<int64_t>(size - *offset, options_.max_log_bytes);
          text.resize(static_cast<size_t>(n));
          in.seekg(*offset);
          in.read(text.data(), n);
          text.resize(static_cast<size_t>(in.gcount()));
          next = *offset + static_cast<int64_t>(text.size());
        }
      }
    }
    res.set_header("Arbiter-Attempt", std::to_string(shown_attempt));
    res.set_header("Arbiter-Next-Offset", std::to_string(next));
    res.set_header("Arbiter-Job-State", state);
    res.set_content(text, "text/plain; charset=utf-8");
  }

  Driver& driver_;
  ApiOptions options_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
  Histogram latency_{Histogram::LatencyBuckets()};
};

absl::StatusOr<std::unique_ptr<ApiServer>> ApiServer::Start(Driver& driver, ApiOptions options) {
  auto impl = std::make_unique<Impl>(driver, std::move(options));
  if (absl::Status s = impl->Start(); !s.ok()) return s;
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiServer::~ApiServer() { Stop(); }
int ApiServer::port() const { return impl_->port(); }
std::string ApiServer::address() const { return impl_->address(); }
void ApiServer::Stop() { impl_->Stop(); }

}  // namespace arbiter::serve
