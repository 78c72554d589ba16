#include "model/sha256.h"

#include <cctype>
#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace arbiter {
namespace {

// The examples of FIPS 180-4 (NIST's "SHA256.pdf") and the empty string.
TEST(Sha256Test, KnownDigests) {
  EXPECT_EQ(Sha256Hex(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(Sha256(std::string(1'000'000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Lengths around the block boundaries (55, 56, 63, 64, 65 bytes) take one or two padding blocks;
// digests from sha256sum.
TEST(Sha256Test, PaddingBoundaries) {
  EXPECT_EQ(Sha256Hex(Sha256(std::string(55, 'x'))),
            "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072");
  EXPECT_EQ(Sha256Hex(Sha256(std::string(56, 'x'))),
            "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e");
  EXPECT_EQ(Sha256Hex(Sha256(std::string(63, 'x'))),
            "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2");
  EXPECT_EQ(Sha256Hex(Sha256(std::string(64, 'x'))),
            "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
  EXPECT_EQ(Sha256Hex(Sha256(std::string(65, 'x'))),
            "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9");
}

TEST(Sha256Test, HexRoundTripAndComparison) {
  const Sha256Digest d = Sha256("arbiter");
  const std::optional<Sha256Digest> parsed = ParseSha256Hex(Sha256Hex(d));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(DigestsEqual(*parsed, d));
  std::string upper = Sha256Hex(d);
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_TRUE(ParseSha256Hex(upper).has_value());
  EXPECT_FALSE(ParseSha256Hex("abc").has_value());
  EXPECT_FALSE(ParseSha256Hex(std::string(63, '0') + "g").has_value());
  Sha256Digest other = d;
  other[31] ^= 1;
  EXPECT_FALSE(DigestsEqual(other, d));
}

}  // namespace
}  // namespace arbiter
