#include "formats/spot_trace.h"

#include <string>

#include "gtest/gtest.h"

namespace arbiter {
namespace {

std::string Error(const std::string& json) {
  absl::StatusOr<SpotTrace> t = ParseSpotTrace("t.json", json);
  EXPECT_FALSE(t.ok()) << json;
  return t.ok() ? "" : std::string(t.status().message());
}

TEST(SpotTrace, ParsesGapAndCounts) {
  absl::StatusOr<SpotTrace> t =
      ParseSpotTrace("t.json", R"({"metadata": {"gap_seconds": 32}, "data": [0, 1, 1, 3]})");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->gap, 32);
  EXPECT_EQ(t->counts, (std::vector<int32_t>{0, 1, 1, 3}));
}

TEST(SpotTrace, ReadsTheBundledTraces) {
  absl::StatusOr<SpotTrace> t =
      LoadSpotTrace("data/spot-traces/availability/1-node/aws-10-26-2022/us-west-2a_v100_8.json");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->gap, 600);
  ASSERT_EQ(t->counts.size(), 3895u);
  int ones = 0;
  for (int32_t c : t->counts) ones += c;
  EXPECT_EQ(ones, 1869);
  t = LoadSpotTrace("data/spot-traces/preemption/1-node/aws-04-22-2023/us-west-2b_v100_1.json");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->gap, 32);
  EXPECT_EQ(t->counts.size(), 19961u);
}

TEST(SpotTrace, ErrorsSayWhatIsWrongAndWhatWasExpected) {
  EXPECT_EQ(Error(R"({"data": [1]})"),
            "t.json: metadata.gap_seconds: missing; expected a spot trace: {\"metadata\": "
            "{\"gap_seconds\": N}, \"data\": [counts]}");
  EXPECT_EQ(Error(R"({"metadata": {"gap_seconds": 0}, "data": [1]})"),
            "t.json: metadata.gap_seconds: '0' is not valid; expected a whole number of seconds in "
            "[1, 2^40]");
  EXPECT_EQ(Error(R"({"metadata": {"gap_seconds": 60}, "data": []})"),
            "t.json: data: missing or empty; expected a list of available counts");
  EXPECT_EQ(Error(R"({"metadata": {"gap_seconds": 60}, "data": [1, -2]})"),
            "t.json: data[1]: '-2' is not a count; expected a whole number >= 0");
  EXPECT_NE(Error("[1, 2").find("t.json: not valid JSON"), std::string::npos);
  // A number beyond a double is an error too (nlohmann throws out_of_range for it).
  EXPECT_NE(Error(R"({"metadata": {"gap_seconds": 60}, "data": [1e999]})").find("not valid JSON"),
            std::string::npos);
}

}  // namespace
}  // namespace arbiter
