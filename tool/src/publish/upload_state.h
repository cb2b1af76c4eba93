// What a multipart upload in flight needs to survive a crash: kept under
// .xship/uploads/ from CreateMultipartUpload until Complete or Abort, so a run killed
// with SIGKILL can be resumed by the next one instead of starting over.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "publish/plan.h"

namespace xship::publish {

struct UploadState {
  std::string bucket;
  std::string key;
  std::string upload_id;
  std::string path;
  FileStamp stamp;
  std::string md5;  // whole file, hex
  std::string sha256;  // whole file, hex
  std::uint64_t part_size = 0;
};

// Whether `saved` is an upload of this very file: same path and stamp (size, mtime,
// inode), and the same whole-file MD5 when both runs know one (a cold multipart file has
// none). The part size is the saved one (the parts already sent define it); the parts
// themselves are re-verified against ListParts by their MD5s before any is kept.
bool resumable(const UploadState& saved, const PlannedFile& f, const std::string& md5hex);

class UploadStateStore {
 public:
  // An empty dir disables the store (nothing saved, nothing found).
  explicit UploadStateStore(std::string dir) : dir_(std::move(dir)) {}
  std::optional<UploadState> load(const std::string& bucket, const std::string& key) const;
  Status save(const UploadState& s) const;  // atomically: temp file, then rename
  void remove(const std::string& bucket, const std::string& key) const;
  std::vector<UploadState> all() const;

 private:
  std::string file_for(const std::string& bucket, const std::string& key) const;
  std::string dir_;
};

}  // namespace xship::publish
