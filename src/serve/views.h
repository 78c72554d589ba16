// What the API shows: the daemon's state rendered as JSON (and /metrics as Prometheus text),
// filtered by what the asking principal may see (serve/auth.h). Pure functions of the driver's
// state; the caller holds the driver's read lock.
//
// Visibility: a tenant sees its own jobs, their history and costs, the pools it may use (with
// its price and its own use, never others' use) and the providers it has contracts with; a
// provider sees its own pools (with their use) and the capacity requests addressed to it; the
// admin sees everything. A job the principal may not see is reported as absent (NotFound), so
// that nobody learns which job ids other tenants have; an endpoint a scope may not use at all is
// PermissionDenied.
#ifndef ARBITER_SERVE_VIEWS_H_
#define ARBITER_SERVE_VIEWS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "serve/auth.h"
#include "serve/driver.h"

namespace arbiter::serve {

// {"error": message}, valid JSON whatever bytes the message holds (an error may quote a request's
// path): like every view, written with bytes that are not UTF-8 as U+FFFD.
std::string ErrorJson(std::string_view message);

// The job, if `who` may see it (NotFound otherwise; PermissionDenied for a provider's token).
absl::Status CheckJobVisible(const Driver& d, const Principal& who, JobId job);

// One job (with its spec as submitted).
std::string JobJson(const Driver& d, JobId job);

struct JobQuery {
  std::string state;   // empty: any; else a state name (pending, running, ...)
  std::string tenant;  // admin only; empty: every tenant
  int64_t after = -1;  // ids greater than this
  int64_t limit = 100;
};
// {"jobs": [...], "next_after": id or null}: the jobs `who` may see, ascending by id.
absl::StatusOr<std::string> JobsJson(const Driver& d, const Principal& who, const JobQuery& q);

// The job's history: the daemon's notes (submitted, launched where and why, at what price and
// under which contract, started, ended), the market's records about it, and its charges.
absl::StatusOr<std::string> JobEventsJson(const Driver& d, const Principal& who, JobId job);

absl::StatusOr<std::string> PoolsJson(const Driver& d, const Principal& who);
absl::StatusOr<std::string> ProvidersJson(const Driver& d, const Principal& who);
// The capacity requests addressed to `provider` and its own answers (the provider or the admin).
absl::StatusOr<std::string> ProviderRequestsJson(const Driver& d, const Principal& who,
                                                 std::string_view provider);
// Costs from the ledger: a tenant's own; a provider's revenue; the admin's view of every tenant
// (or of `tenant`).
absl::StatusOr<std::string> CostsJson(const Driver& d, const Principal& who,
                                      std::string_view tenant);
std::string WhoamiJson(const Driver& d, const Principal& who);

// /metrics: queue, jobs by state, running jobs and accelerators per pool, decisions, the market's
// asks and answers, ledger totals, the event log's commits; plus the daemon's request latency.
std::string MetricsText(const Driver& d, const Histogram::Snapshot& requests);

// Micro-dollars as dollars with six decimals ("12.345678").
std::string Dollars(Micros micros);

}  // namespace arbiter::serve

#endif  // ARBITER_SERVE_VIEWS_H_
