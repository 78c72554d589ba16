#include "model/units.h"

#include <cmath>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace arbiter {
namespace {

TEST(ChargeFor, ExactForWholeMicroDollars) {
  // $3.60 per accelerator-hour is 1000 micro-dollars per accelerator-second.
  EXPECT_EQ(ChargeFor(4, 100, 3'600'000), 400'000);
  EXPECT_EQ(ChargeFor(1, 3600, 2'500'000), 2'500'000);
  EXPECT_EQ(ChargeFor(0, 3600, 2'500'000), 0);
}

TEST(ChargeFor, RoundsHalfUpOncePerCharge) {
  // 1 accelerator x 1 s at $1/h = 277.77... micro-dollars -> 278.
  EXPECT_EQ(ChargeFor(1, 1, 1'000'000), 278);
  // 1 x 1 s at 1800 micro-dollars/h = exactly 0.5 -> rounds up to 1.
  EXPECT_EQ(ChargeFor(1, 1, 1800), 1);
  EXPECT_EQ(ChargeFor(1, 1, 1799), 0);
}

TEST(ChargeFor, NoOverflowAtFleetScale) {
  // 100,000 accelerators for a year at $100/h: 8.76e10 dollars, fits in micro-dollars via int128.
  const Micros charge = ChargeFor(100'000, 365 * 86400, 100'000'000);
  EXPECT_EQ(charge, int64_t{100'000} * 365 * 24 * 100'000'000);
}

TEST(RuntimeFor, RoundsUp) {
  EXPECT_EQ(RuntimeFor(200, 2), 100);
  EXPECT_EQ(RuntimeFor(201, 2), 101);
  EXPECT_EQ(RuntimeFor(1, 1'000'000), 1);
  EXPECT_EQ(RuntimeFor(0, 5), 0);
}

TEST(WorkDone, SaturatesAtCap) {
  EXPECT_EQ(WorkDone(10, 3, 100), 30);
  EXPECT_EQ(WorkDone(50, 3, 100), 100);
  EXPECT_EQ(WorkDone(0, 3, 100), 0);
  EXPECT_EQ(WorkDone(-5, 3, 100), 0);
  // No overflow: a year at 1e12 units/s against a cap.
  EXPECT_EQ(WorkDone(365 * 86400, 1'000'000'000'000, int64_t{1} << 62), int64_t{1} << 62);
}

TEST(ParseDollars, AcceptsPlainDecimals) {
  Micros m = 0;
  ASSERT_TRUE(ParseDollars("2.5", &m));
  EXPECT_EQ(m, 2'500'000);
  ASSERT_TRUE(ParseDollars("0.000001", &m));
  EXPECT_EQ(m, 1);
  ASSERT_TRUE(ParseDollars("12", &m));
  EXPECT_EQ(m, 12'000'000);
  ASSERT_TRUE(ParseDollars("3.430881", &m));
  EXPECT_EQ(m, 3'430'881);
  ASSERT_TRUE(ParseDollars(".5", &m));
  EXPECT_EQ(m, 500'000);
  ASSERT_TRUE(ParseDollars("1.2500000", &m));  // trailing zeros beyond six decimals are exact
  EXPECT_EQ(m, 1'250'000);
}

TEST(ParseDollars, RejectsAnythingElse) {
  Micros m = 0;
  for (const char* bad : {"", "-1", "1e3", "1.0000001", "abc", "1.2.3", ".", "$3", " 1"}) {
    EXPECT_FALSE(ParseDollars(bad, &m)) << bad;
  }
}

TEST(FormatDollars, SixDecimals) {
  char buf[40];
  FormatDollars(2'500'000, buf, sizeof(buf));
  EXPECT_EQ(std::string(buf), "2.500000");
  FormatDollars(-1, buf, sizeof(buf));
  EXPECT_EQ(std::string(buf), "-0.000001");
  FormatDollars(0, buf, sizeof(buf));
  EXPECT_EQ(std::string(buf), "0.000000");
}

TEST(CheckedArithmetic, ExactOrNothing) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(CheckedAdd(2, 3), 5);
  EXPECT_EQ(CheckedAdd(kMax, 1), std::nullopt);
  EXPECT_EQ(CheckedAdd(kMin, -1), std::nullopt);
  EXPECT_EQ(CheckedSub(kMin, 1), std::nullopt);
  EXPECT_EQ(CheckedSub(0, kMin), std::nullopt);
  EXPECT_EQ(CheckedSub(5, 7), -2);
  EXPECT_EQ(CheckedMul(int64_t{1} << 31, int64_t{1} << 31), int64_t{1} << 62);
  EXPECT_EQ(CheckedMul(int64_t{1} << 32, int64_t{1} << 31), std::nullopt);
  EXPECT_EQ(CheckedMul(-1, kMin), std::nullopt);
  EXPECT_EQ(SaturatingAdd(kMax, 5), kMax);
  EXPECT_EQ(SaturatingAdd(kMin, -5), kMin);
  EXPECT_EQ(SaturatingAdd(-5, 3), -2);
  EXPECT_EQ(SaturatingMul(kMax, 2), kMax);
  EXPECT_EQ(SaturatingMul(kMax, -2), kMin);
  EXPECT_EQ(SaturatingMul(-3, 4), -12);
}

TEST(CheckedChargeFor, TheChargeOrNothingWhenItDoesNotFit) {
  EXPECT_EQ(CheckedChargeFor(4, 100, 3'600'000), 400'000);
  EXPECT_EQ(CheckedChargeFor(1, 1, 1'000'000), 278);
  // The case: one on-demand job inside the old ranges, 2^24 accelerators for 2^40 s at
  // $1,000,000/h, is ~$4.7e21: it does not fit int64 micro-dollars (it wrapped to a negative
  // total before). ChargeFor's 128-bit product is exact, the narrowing is what must be checked.
  EXPECT_EQ(CheckedChargeFor(kMaxGang, kMaxTime, kMaxPrice), std::nullopt);
  EXPECT_EQ(
      CheckedChargeFor(std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::max(),
                       std::numeric_limits<int64_t>::max()),
      std::nullopt);  // even the 128-bit product overflows
  // The largest charge that fits.
  const Micros max = std::numeric_limits<Micros>::max();
  EXPECT_EQ(CheckedChargeFor(1, kSecondsPerHour, max), max);
  EXPECT_EQ(CheckedChargeFor(2, kSecondsPerHour, max), std::nullopt);
}

TEST(RoundedInRange, RoundsOrRefuses) {
  EXPECT_EQ(RoundedInRange(2.5, 0, 10), 3);
  EXPECT_EQ(RoundedInRange(-2.4, -5, 10), -2);
  EXPECT_EQ(RoundedInRange(10.4, 0, 10), 10);
  EXPECT_EQ(RoundedInRange(10.6, 0, 10), std::nullopt);
  EXPECT_EQ(RoundedInRange(1e300, 0, kMaxTime), std::nullopt);
  EXPECT_EQ(RoundedInRange(9.3e18, 0, std::numeric_limits<int64_t>::max()), std::nullopt);
  EXPECT_EQ(RoundedInRange(std::numeric_limits<double>::infinity(), 0, 10), std::nullopt);
  EXPECT_EQ(RoundedInRange(std::nan(""), 0, 10), std::nullopt);
}

TEST(Limits, InRangeSingleValuesCannotOverflowTheirSums) {
  // docs/scenario.md (Limits): a submit time, a runtime, a setup, a transfer and a launch, each at
  // most 2^40 s, add up far below int64; RuntimeFor of the largest work and rate (its ceiling was
  // once computed as work + rate - 1, which overflowed there: UBSan found it).
  EXPECT_LT(5 * kMaxTime, int64_t{1} << 43);
  EXPECT_EQ(RuntimeFor(kMaxWork, kMaxWork), 1);
  EXPECT_EQ(RuntimeFor(kMaxWork, 1), kMaxWork);
  EXPECT_EQ(RuntimeFor(kMaxWork - 1, kMaxWork), 1);
  EXPECT_EQ(RuntimeFor(std::numeric_limits<int64_t>::max(), 2), int64_t{1} << 62);
  EXPECT_EQ(kMaxPoolNodes * kMaxAcceleratorsPerNode, int64_t{1} << 34);
  EXPECT_TRUE(CheckedAdd(kMaxMoney, kMaxMoney - 1).has_value());  // two largest charges add up
}

}  // namespace
}  // namespace arbiter
