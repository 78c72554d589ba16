// Bearer tokens and what each scope may see and change (docs/live.md#tokens).
//
// A request presents "Authorization: Bearer SECRET"; the daemon hashes SECRET (SHA-256) and looks
// for a fleet token with that hash (model/live.h). A token speaks for the admin (everything), one
// tenant (its own jobs and costs, the pools it may use, the providers it has contracts with), or
// one provider (its own pools and the capacity requests addressed to it, never which other
// providers were asked or what they offered).
#ifndef ARBITER_SERVE_AUTH_H_
#define ARBITER_SERVE_AUTH_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/ids.h"
#include "model/live.h"

namespace arbiter::serve {

struct Principal {
  TokenScope scope = TokenScope::kAdmin;
  TenantId tenant;      // kTenant
  ProviderId provider;  // kProvider
  std::string name;     // the token's name (never its secret)

  bool admin() const { return scope == TokenScope::kAdmin; }
  // May see and change `tenant`'s jobs and costs.
  bool SpeaksFor(TenantId t) const {
    return admin() || (scope == TokenScope::kTenant && tenant == t);
  }
  bool SpeaksFor(ProviderId p) const {
    return admin() || (scope == TokenScope::kProvider && provider == p);
  }
};

// The principal behind an Authorization header value. Unauthenticated (the HTTP layer's 401)
// when it is missing, not "Bearer <secret>", or no token has that secret.
absl::StatusOr<Principal> Authenticate(std::string_view authorization,
                                       const std::vector<ApiToken>& tokens);

}  // namespace arbiter::serve

#endif  // ARBITER_SERVE_AUTH_H_
