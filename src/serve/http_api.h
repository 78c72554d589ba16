// The daemon's REST API under /v1/ (docs/api.yaml is its OpenAPI description), /healthz and
// /metrics, served with cpp-httplib on a pool of threads.
//
// Every /v1/ request and /metrics needs "Authorization: Bearer TOKEN" (serve/auth.h): a missing,
// malformed or unknown token is 401, a token whose scope may not use the endpoint is 403, and a
// job the token may not see is 404, as if it did not exist. Nothing is changed by a refused
// request. Bad input is a 4xx whose message names the field; a body over the limit is 413; an
// event the log could not commit (a full disk) is 507 or 503 and the request is not
// acknowledged. Errors are JSON: {"error": "message"}.
//
// Thread-safety: handlers run on the server's threads; they read the driver's state under its
// read lock and queue changes to the driver thread (serve/driver.h).
#ifndef ARBITER_SERVE_HTTP_API_H_
#define ARBITER_SERVE_HTTP_API_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "serve/driver.h"

namespace arbiter::serve {

struct ApiOptions {
  std::string host = "127.0.0.1";
  int port = 8470;                  // 0: a port the OS chooses
  size_t max_body_bytes = 1 << 20;  // larger request bodies are refused (413)
  int threads = 64;                 // one per open connection at most
  int64_t max_log_bytes = 1 << 20;  // per GET of a job's logs
};

class ApiServer {
 public:
  // Binds host:port and serves until Stop. `driver` must outlive the server.
  static absl::StatusOr<std::unique_ptr<ApiServer>> Start(Driver& driver, ApiOptions options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  int port() const;
  // "host:port" as bound.
  std::string address() const;
  // Stops accepting and waits for the handlers in progress.
  void Stop();

  class Impl;

 private:
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The HTTP status for an error status of the daemon: InvalidArgument 400, Unauthenticated 401,
// PermissionDenied 403, NotFound 404, FailedPrecondition 409, ResourceExhausted 507 (the event
// log is full), Unavailable 503, anything else 500.
int HttpStatusOf(const absl::Status& status);

}  // namespace arbiter::serve

#endif  // ARBITER_SERVE_HTTP_API_H_
