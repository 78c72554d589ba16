// A SkyPilot catalog (vms.csv), and a price looked up in it.
#include "formats/catalog.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbiter;
  absl::StatusOr<std::vector<CatalogRow>> rows =
      ParseSkyPilotCatalog("vms.csv", fuzz::Text(data, size));
  if (!rows.ok() || rows->empty()) return 0;
  const CatalogRow& first = (*rows)[size % rows->size()];
  absl::StatusOr<CatalogPrice> price =
      LookUpCatalogPrice("vms.csv", *rows, {first.accelerator, first.region, ""});
  fuzz::Require(price.ok(), "a row's own accelerator and region have no price");
  fuzz::Require(price->on_demand >= 0 && price->spot.value_or(0) >= 0, "a negative price");
  return 0;
}
