// Which jobs of a scenario the core will reject at submission, and why: the core's own admission
// rule (ValidateJob, then an eligible pool from the contracts, sched/eligibility.h), run ahead of
// a simulation so that `arbiter validate` reports what `simulate` would reject.
#ifndef ARBITER_CORE_ADMISSION_H_
#define ARBITER_CORE_ADMISSION_H_

#include <cstddef>
#include <vector>

#include "model/scenario.h"
#include "sched/eligibility.h"

namespace arbiter {

struct Unrunnable {
  size_t job = 0;  // index in Scenario::jobs
  NoPool why;
};

// Every job of `scenario` that can never run, in job order. `scenario` must have its holdings
// expanded (market/holdings.h) if it has any, as the simulator does before it runs.
std::vector<Unrunnable> UnrunnableJobs(const Scenario& scenario);

}  // namespace arbiter

#endif  // ARBITER_CORE_ADMISSION_H_
