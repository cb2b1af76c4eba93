#include "process/build_stamp.h"

#include <thread>

#include "core/source_date_epoch.h"
#include "process/process.h"

namespace xship::process {

Result<BuildStamp> read_build_stamp(const StampRequest& req) {
  BuildStamp s{req.version, req.commit, std::nullopt};
  if (req.epoch && !req.epoch->empty()) {
    auto parsed = parse_source_date_epoch(*req.epoch);  // checked before git runs: bad input fails fast
    if (!parsed) return parsed.error();
    s.epoch = *parsed;
  }
  // The two git calls run side by side: xship's own time here is mostly process starts.
  std::thread describe;
  if (req.need_version && !s.version)
    describe = std::thread([&] { s.version = git_output(req.dir, {"describe", "--tags", "--always", "--dirty"}); });
  if ((req.need_commit && !s.commit) || !s.epoch) {
    // Hash and commit time in one call.
    std::string head = git_output(req.dir, {"log", "-1", "--format=%H %ct"}).value_or("");
    auto space = head.find(' ');
    if (space != std::string::npos) {
      if (req.need_commit && !s.commit) s.commit = head.substr(0, space);
      if (!s.epoch)
        if (auto t = parse_source_date_epoch(head.substr(space + 1))) s.epoch = *t;
    }
  }
  if (describe.joinable()) describe.join();
  return s;
}

}  // namespace xship::process
