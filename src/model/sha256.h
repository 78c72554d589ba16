// SHA-256 (FIPS 180-4), for API tokens: a fleet file keeps only their hashes, and the daemon
// hashes the token a request presents to compare it with them.
#ifndef ARBITER_MODEL_SHA256_H_
#define ARBITER_MODEL_SHA256_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace arbiter {

using Sha256Digest = std::array<uint8_t, 32>;

// The SHA-256 digest of `data`'s bytes.
Sha256Digest Sha256(std::string_view data);

// 64 lowercase hex digits.
std::string Sha256Hex(const Sha256Digest& digest);

// Parses 64 hex digits (either case); nullopt for anything else.
std::optional<Sha256Digest> ParseSha256Hex(std::string_view hex);

// Compares two digests in time independent of where they differ (for token checks).
bool DigestsEqual(const Sha256Digest& a, const Sha256Digest& b);

}  // namespace arbiter

#endif  // ARBITER_MODEL_SHA256_H_
