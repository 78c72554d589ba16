#include "serve/auth.h"

#include "gtest/gtest.h"
#include "model/sha256.h"

namespace arbiter::serve {
namespace {

std::vector<ApiToken> Tokens() {
  return {{"admin", TokenScope::kAdmin, TenantId(), ProviderId(), Sha256("s3cret-admin")},
          {"tenant lab", TokenScope::kTenant, TenantId(1), ProviderId(), Sha256("lab-token")},
          {"provider p", TokenScope::kProvider, TenantId(), ProviderId(2), Sha256("p-token")}};
}

TEST(AuthTest, FindsTheTokenBehindABearerSecret) {
  absl::StatusOr<Principal> lab = Authenticate("Bearer lab-token", Tokens());
  ASSERT_TRUE(lab.ok()) << lab.status();
  EXPECT_EQ(lab->scope, TokenScope::kTenant);
  EXPECT_EQ(lab->tenant, TenantId(1));
  EXPECT_EQ(lab->name, "tenant lab");
  EXPECT_TRUE(lab->SpeaksFor(TenantId(1)));
  EXPECT_FALSE(lab->SpeaksFor(TenantId(0)));
  EXPECT_FALSE(lab->SpeaksFor(ProviderId(2)));
  absl::StatusOr<Principal> p = Authenticate("Bearer p-token", Tokens());
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->SpeaksFor(ProviderId(2)));
  EXPECT_FALSE(p->SpeaksFor(ProviderId(1)));
  EXPECT_FALSE(p->SpeaksFor(TenantId(1)));
  absl::StatusOr<Principal> admin = Authenticate("Bearer s3cret-admin ", Tokens());
  ASSERT_TRUE(admin.ok());
  EXPECT_TRUE(admin->SpeaksFor(TenantId(1)));
  EXPECT_TRUE(admin->SpeaksFor(ProviderId(0)));
}

TEST(AuthTest, MissingMalformedAndUnknownTokensAreUnauthenticated) {
  for (std::string_view header : {"", "Bearer", "Bearer ", "Basic bGFiOnRva2Vu", "lab-token",
                                  "Bearer lab-token2", "bearer lab-token"}) {
    absl::StatusOr<Principal> p = Authenticate(header, Tokens());
    ASSERT_FALSE(p.ok()) << header;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated) << header;
  }
}

}  // namespace
}  // namespace arbiter::serve
