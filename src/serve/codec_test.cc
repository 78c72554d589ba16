#include "serve/codec.h"

#include "gtest/gtest.h"

namespace arbiter::serve {
namespace {

Submission FullSubmission() {
  Submission s;
  s.idempotency_key = "retry-7";
  s.job.name = "train-llm";
  s.job.tenant = TenantId(2);
  s.job.submit = 1234;
  s.job.accelerators = 16;
  s.job.nodes = 2;
  s.job.throughputs.push_back({AcceleratorTypeId(0), 1'000'000});
  s.job.throughputs.push_back({AcceleratorTypeId(3), 2'500'000});
  s.job.work = 3'600'000'000;
  s.job.priority = -3;
  s.job.deadline = 99'999;
  s.job.checkpoint_interval = 600;
  s.job.checkpoint_bytes = int64_t{40} << 30;
  s.launch.env = {{"LR", "0.1"}, {"EMPTY", ""}};
  s.launch.workdir = "/tmp/w";
  s.launch.setup = "pip install x";
  s.launch.run = "python train.py --steps 10\necho done";
  s.job.max_restarts = 4;
  auto placement = std::make_shared<Placement>();
  placement->rules.push_back(
      {AcceleratorTypeId(0), ProviderId(1), RegionId(2), SpotChoice::kOnly, 0});
  placement->rules.push_back(
      {AcceleratorTypeId(3), ProviderId(), RegionId(), SpotChoice::kNever, 1});
  s.job.placement = std::move(placement);
  s.spec_json = R"({"name":"train-llm"})";
  return s;
}

TEST(CodecTest, SubmissionsRoundTripEveryField) {
  const Submission s = FullSubmission();
  absl::StatusOr<Submission> back = DecodeSubmission(EncodeSubmission(s));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->idempotency_key, "retry-7");
  const Job& j = back->job;
  EXPECT_EQ(j.name, "train-llm");
  EXPECT_EQ(j.tenant, TenantId(2));
  EXPECT_EQ(j.submit, 1234);
  EXPECT_EQ(j.accelerators, 16);
  EXPECT_EQ(j.nodes, 2);
  ASSERT_EQ(j.throughputs.size(), 2u);
  EXPECT_EQ(j.throughputs[1].type, AcceleratorTypeId(3));
  EXPECT_EQ(j.throughputs[1].rate, 2'500'000);
  EXPECT_EQ(j.work, 3'600'000'000);
  EXPECT_EQ(j.priority, -3);
  EXPECT_EQ(j.deadline, 99'999);
  EXPECT_EQ(j.checkpoint_interval, 600);
  EXPECT_EQ(j.checkpoint_bytes, int64_t{40} << 30);
  EXPECT_EQ(back->launch, s.launch);
  EXPECT_EQ(j.max_restarts, 4);
  ASSERT_NE(j.placement, nullptr);
  EXPECT_EQ(*j.placement, *s.job.placement);
  EXPECT_EQ(back->spec_json, R"({"name":"train-llm"})");
}

TEST(CodecTest, ANeverDeadlineAndInvalidIdsSurvive) {
  Submission s;
  s.job.deadline = kNever;
  s.job.tenant = TenantId();
  absl::StatusOr<Submission> back = DecodeSubmission(EncodeSubmission(s));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->job.deadline, kNever);
  EXPECT_FALSE(back->job.tenant.valid());
  EXPECT_EQ(back->job.placement, nullptr);
}

TEST(CodecTest, DamagedRecordsAreDataLossErrors) {
  const std::string body = EncodeSubmission(FullSubmission());
  for (size_t cut : {size_t{0}, size_t{3}, body.size() / 2, body.size() - 1}) {
    absl::StatusOr<Submission> back = DecodeSubmission(body.substr(0, cut));
    ASSERT_FALSE(back.ok()) << "cut at " << cut;
    EXPECT_EQ(back.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_NE(std::string(back.status().message()).find("submission record"), std::string::npos);
  }
  absl::StatusOr<Submission> trailing = DecodeSubmission(body + "x");
  ASSERT_FALSE(trailing.ok());
  EXPECT_NE(std::string(trailing.status().message()).find("trailing bytes"), std::string::npos);
  // A string length beyond the record.
  absl::StatusOr<Cancellation> huge = DecodeCancellation(std::string("\x02\xff\x7f", 3));
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(std::string(huge.status().message()).find("truncated string"), std::string::npos);
}

TEST(CodecTest, RunReportsRoundTrip) {
  RunReport rep;
  rep.key = {JobId(4), 12};
  rep.status = RunStatus::kFailed;
  rep.exit_code = 3;
  rep.reason = "node 1 exited with status 3";
  absl::StatusOr<RunReport> back = DecodeReport(EncodeReport(rep));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->key, (RunKey{JobId(4), 12}));
  EXPECT_EQ(back->status, RunStatus::kFailed);
  EXPECT_EQ(back->exit_code, 3);
  EXPECT_EQ(back->reason, "node 1 exited with status 3");
  rep.exit_code = -9;  // killed by a signal
  rep.status = RunStatus::kLost;
  back = DecodeReport(EncodeReport(rep));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->exit_code, -9);
  EXPECT_EQ(back->status, RunStatus::kLost);
  std::string bad = EncodeReport(rep);
  bad[2] = 9;  // the status byte
  absl::StatusOr<RunReport> unknown = DecodeReport(bad);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(std::string(unknown.status().message()).find("unknown run status"), std::string::npos);
}

TEST(CodecTest, AnswersTimersCancelsAndCapacityRoundTrip) {
  ProviderAnswered a;
  a.answer.request = 77;
  a.answer.provider = ProviderId(1);
  a.answer.offers.push_back(std::nullopt);
  a.answer.offers.push_back(Offer{PoolId(3), 2'500'000, 40});
  absl::StatusOr<AnswerRecord> record = DecodeAnswer(EncodeAnswer({31, a}));
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->ask, 31);
  const ProviderAnswered* answer = &record->answered;
  EXPECT_EQ(answer->answer.request, 77);
  EXPECT_EQ(answer->answer.provider, ProviderId(1));
  ASSERT_EQ(answer->answer.offers.size(), 2u);
  EXPECT_FALSE(answer->answer.offers[0].has_value());
  EXPECT_EQ(answer->answer.offers[1]->pool, PoolId(3));
  EXPECT_EQ(answer->answer.offers[1]->price_per_accel_hour, 2'500'000);
  EXPECT_EQ(answer->answer.offers[1]->start, 40);

  absl::StatusOr<TimerRecord> timer = DecodeTimer(EncodeTimer({9, uint64_t{5} << 56 | 3}));
  ASSERT_TRUE(timer.ok());
  EXPECT_EQ(timer->seq, 9);
  EXPECT_EQ(timer->tag, uint64_t{5} << 56 | 3);

  absl::StatusOr<Cancellation> cancel = DecodeCancellation(EncodeCancellation({JobId(8), "admin"}));
  ASSERT_TRUE(cancel.ok());
  EXPECT_EQ(cancel->job, JobId(8));
  EXPECT_EQ(cancel->by, "admin");

  absl::StatusOr<CapacityChanged> capacity = DecodeCapacity(EncodeCapacity({PoolId(2), 7}));
  ASSERT_TRUE(capacity.ok());
  EXPECT_EQ(capacity->pool, PoolId(2));
  EXPECT_EQ(capacity->nodes, 7);
}

}  // namespace
}  // namespace arbiter::serve
