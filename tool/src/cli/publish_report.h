// What `xship publish` prints: a line per file as it finishes, the summary, the dry run's
// list and the merge's result, each as text or (--json) one JSON document on stdout.
#pragma once
#include <string>
#include <vector>

#include "core/result.h"
#include "publish/merge.h"
#include "publish/plan.h"
#include "publish/uploader.h"

namespace xship::cli {

// The per-file line (nothing with --json); `tty` clears the progress bar first.
publish::FileCallback file_printer(bool json, bool tty);
void print_publish_summary(const publish::PublishReport& report, double seconds, bool json);
// The keys a publish would write. A key that is not valid ends it with a Usage error.
Status print_dry_run(const publish::PublishOptions& opts, const std::vector<publish::PlannedFile>& files, bool json);
void print_merge_report(const publish::MergeReport& report, bool json);

}  // namespace xship::cli
