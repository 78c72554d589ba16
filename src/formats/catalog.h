// Prices from a SkyPilot catalog (skypilot-org/skypilot-catalog, catalogs/v8/<cloud>/vms.csv).
//
// The reader finds its columns by header name, so the AWS, GCP and Lambda layouts all work:
// InstanceType, AcceleratorName, AcceleratorCount, Price, SpotPrice, Region and (where present)
// AvailabilityZone. A row's price is for the whole instance; Arbiter's price is per accelerator:
// price / AcceleratorCount, rounded to the nearest micro-dollar. On GCP, accelerator rows (empty
// InstanceType) price the accelerators alone, without the VM they attach to. Rows without an
// accelerator, without a price, or priced 700.0 for a TPU (the catalog's mark for "not sold in
// this zone") are skipped.
#ifndef ARBITER_FORMATS_CATALOG_H_
#define ARBITER_FORMATS_CATALOG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model/units.h"

namespace arbiter {

struct CatalogRow {
  int64_t line = 0;
  std::string instance_type;
  std::string accelerator;
  int32_t count = 0;
  Micros price = 0;  // per instance-hour
  std::optional<Micros> spot_price;
  std::string region;
  std::string zone;
};

absl::StatusOr<std::vector<CatalogRow>> ParseSkyPilotCatalog(std::string_view file,
                                                             std::string_view text);

struct CatalogQuery {
  std::string accelerator;    // e.g. "H100"
  std::string region;         // e.g. "us-east-1"
  std::string instance_type;  // optional: only rows of this instance type
};

struct CatalogPrice {
  Micros on_demand = 0;  // per accelerator-hour: the lowest over the matching rows (zones)
  std::optional<Micros> spot;
  int64_t rows = 0;  // how many rows matched
};

// The price of `query` in `rows`; an error naming the file and what is on offer when no row
// matches.
absl::StatusOr<CatalogPrice> LookUpCatalogPrice(std::string_view file,
                                                const std::vector<CatalogRow>& rows,
                                                const CatalogQuery& query);

}  // namespace arbiter

#endif  // ARBITER_FORMATS_CATALOG_H_
