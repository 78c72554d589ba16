#include "model/strings.h"

#include <string>

#include "gtest/gtest.h"

namespace arbiter {
namespace {

constexpr size_t kNone = std::string_view::npos;

TEST(FindInvalidUtf8, WellFormedText) {
  EXPECT_EQ(FindInvalidUtf8(""), kNone);
  EXPECT_EQ(FindInvalidUtf8("plain ascii, with\ttabs\n"), kNone);
  EXPECT_EQ(FindInvalidUtf8("caf\xC3\xA9"), kNone);                // U+00E9
  EXPECT_EQ(FindInvalidUtf8("\xE2\x82\xAC 3"), kNone);             // U+20AC
  EXPECT_EQ(FindInvalidUtf8("\xF0\x9F\x9A\x80"), kNone);           // U+1F680
  EXPECT_EQ(FindInvalidUtf8("\xEF\xBB\xBFname"), kNone);           // a byte order mark
  EXPECT_EQ(FindInvalidUtf8("\xF4\x8F\xBF\xBF"), kNone);           // U+10FFFF, the last
  EXPECT_EQ(FindInvalidUtf8(std::string_view("a\0b", 3)), kNone);  // NUL is UTF-8
}

TEST(FindInvalidUtf8, TheFirstBadByte) {
  EXPECT_EQ(FindInvalidUtf8("lab\xFF"), 3u);           // never in UTF-8
  EXPECT_EQ(FindInvalidUtf8("ab\x80"), 2u);            // a continuation byte alone
  EXPECT_EQ(FindInvalidUtf8("\xC3"), 0u);              // cut short at the end
  EXPECT_EQ(FindInvalidUtf8("\xC3(x"), 0u);            // cut short by another byte
  EXPECT_EQ(FindInvalidUtf8("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("\xE0\x80\xAF"), 0u);      // overlong, three bytes
  EXPECT_EQ(FindInvalidUtf8("\xF0\x80\x80\xAF"), 0u);  // overlong, four bytes
  EXPECT_EQ(FindInvalidUtf8("ok \xED\xA0\x80"), 3u);   // a UTF-16 surrogate
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("\xF5\x80\x80\x80"), 0u);
  EXPECT_EQ(FindInvalidUtf8("\xE2\x82"), 0u);  // three bytes cut at two
  EXPECT_EQ(FindInvalidUtf8("caf\xC3\xA9 \xE2\x28\xA1"), 6u);
}

}  // namespace
}  // namespace arbiter
