#include "serve/auth.h"

#include "model/sha256.h"

namespace arbiter::serve {

absl::StatusOr<Principal> Authenticate(std::string_view authorization,
                                       const std::vector<ApiToken>& tokens) {
  if (authorization.empty()) {
    return absl::UnauthenticatedError("missing token: send the header Authorization: Bearer TOKEN");
  }
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() ||
      authorization.substr(0, kBearer.size()) != kBearer) {
    return absl::UnauthenticatedError("malformed Authorization header: expected \"Bearer TOKEN\"");
  }
  std::string_view secret = authorization.substr(kBearer.size());
  while (!secret.empty() && (secret.back() == ' ' || secret.back() == '\t')) {
    secret.remove_suffix(1);
  }
  const Sha256Digest digest = Sha256(secret);
  // Every token is compared, in time independent of where digests differ.
  const ApiToken* found = nullptr;
  for (const ApiToken& token : tokens) {
    if (DigestsEqual(digest, token.sha256)) found = &token;
  }
  if (found == nullptr) return absl::UnauthenticatedError("unknown token");
  return Principal{found->scope, found->tenant, found->provider, found->name};
}

}  // namespace arbiter::serve
