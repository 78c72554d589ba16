#include "formats/catalog.h"

#include <string>

#include "formats/parse.h"
#include "gtest/gtest.h"
#include "model/strings.h"

namespace arbiter {
namespace {

std::vector<CatalogRow> Load(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  EXPECT_TRUE(text.ok()) << text.status().message();
  absl::StatusOr<std::vector<CatalogRow>> rows = ParseSkyPilotCatalog(path, *text);
  EXPECT_TRUE(rows.ok()) << rows.status().message();
  return *rows;
}

constexpr const char* kAws = "data/skypilot-catalog/catalogs/v8/aws/vms.EXCERPT-gpu-p4de-p5-p6.csv";
constexpr const char* kGcp = "data/skypilot-catalog/catalogs/v8/gcp/vms.EXCERPT-gpu-tpu.csv";
constexpr const char* kLambda = "data/skypilot-catalog/catalogs/v8/lambda/vms.csv";

// Expected values were computed from the CSV rows with python3: min over the region's zones of
// round(price x 1e6) / AcceleratorCount, rounded half up.
TEST(Catalog, AwsInstancePricesPerAccelerator) {
  const std::vector<CatalogRow> rows = Load(kAws);
  absl::StatusOr<CatalogPrice> p =
      LookUpCatalogPrice(kAws, rows, {"H100", "us-east-1", "p5.48xlarge"});
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->rows, 7);
  EXPECT_EQ(p->on_demand, 6'880'000);  // $55.04 / 8
  EXPECT_EQ(p->spot, 1'279'963);       // $10.2397 / 8, rounded
  p = LookUpCatalogPrice(kAws, rows, {"A100-80GB", "us-west-2", ""});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->on_demand, 3'430'881);  // $27.44705 / 8
  EXPECT_EQ(p->spot, 1'291'725);
}

TEST(Catalog, GcpAcceleratorRowsAndLambdaInstances) {
  absl::StatusOr<CatalogPrice> p =
      LookUpCatalogPrice(kGcp, Load(kGcp), {"H100", "us-central1", ""});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->on_demand, 4'200'761);  // $33.60609 / 8
  EXPECT_EQ(p->spot, 2'992'600);
  const std::vector<CatalogRow> lambda = Load(kLambda);
  p = LookUpCatalogPrice(kLambda, lambda, {"H100", "europe-central-1", ""});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->on_demand, 3'290'000);  // the 1 x H100 PCIe instance is the cheapest per GPU
  EXPECT_FALSE(p->spot.has_value());   // Lambda sells no spot
  p = LookUpCatalogPrice(kLambda, lambda, {"H100", "europe-central-1", "gpu_8x_h100_sxm5"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->on_demand, 3'990'000);
}

TEST(Catalog, MissingRegionListsWhereTheAcceleratorIsSold) {
  const std::vector<CatalogRow> rows = Load(kGcp);
  absl::StatusOr<CatalogPrice> p = LookUpCatalogPrice(kGcp, rows, {"H100", "mars-1", ""});
  ASSERT_FALSE(p.ok());
  const std::string message(p.status().message());
  EXPECT_NE(message.find("no row for H100 in region mars-1; regions with it: asia-east1"),
            std::string::npos)
      << message;
  EXPECT_EQ(std::string(LookUpCatalogPrice(kGcp, rows, {"B9000", "x", ""}).status().message()),
            StrCat(kGcp, ": no row for B9000"));
}

TEST(Catalog, MalformedRowsAreLocatedErrors) {
  const std::string header = "InstanceType,AcceleratorName,AcceleratorCount,Price,Region\n";
  absl::StatusOr<std::vector<CatalogRow>> rows =
      ParseSkyPilotCatalog("c.csv", header + "x,H100,0,1.0,r\n");
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(std::string(rows.status().message()),
            "c.csv:2: AcceleratorCount: '0'; expected a whole number of accelerators >= 1");
  rows = ParseSkyPilotCatalog("c.csv", header + "x,H100,8,cheap,r\n");
  EXPECT_EQ(std::string(rows.status().message()),
            "c.csv:2: Price: 'cheap' is not a price; expected dollars per hour");
  rows = ParseSkyPilotCatalog("c.csv", "InstanceType,Price\n");
  EXPECT_NE(std::string(rows.status().message()).find("the header has no column 'AcceleratorName'"),
            std::string::npos);
  // Rows without an accelerator or a price, and TPU placeholders, are skipped.
  rows = ParseSkyPilotCatalog(
      "c.csv", header + "cpu,,,0.2,r\nx,H100,8,,r\ny,tpu-v6e-8,8,700.0,r\nz,H100,8,16,r\n");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].instance_type, "z");
  EXPECT_EQ((*rows)[0].line, 5);
}

}  // namespace
}  // namespace arbiter
