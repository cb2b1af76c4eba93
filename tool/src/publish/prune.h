// `xship prune`'s I/O around prune_plan.h: list the prefix, read each manifest (verified,
// bounded), plan, and delete the removed releases with DeleteObjects batches.
#pragma once
#include <atomic>
#include <string>
#include <vector>

#include "core/result.h"
#include "publish/prune_plan.h"
#include "s3/client.h"
#include "s3/location.h"

namespace xship::publish {

struct PruneOptions {
  int keep = 0;
  bool dry_run = false;
  bool etag_check = true;
};

struct PruneReport {
  PrunePlan plan;
  std::size_t deleted = 0;  // keys the store confirmed (0 with dry_run)
  std::vector<s3::DeleteOutcome::Refused> refused;
};

// `prefix`'s key ends in '/' (or is empty: the bucket's top). Keys the store refused are in
// the report; the caller decides the exit code.
Result<PruneReport> run_prune(s3::Client& client, const S3Location& prefix, const PruneOptions& opts,
                              const std::atomic<bool>* cancel);

}  // namespace xship::publish
