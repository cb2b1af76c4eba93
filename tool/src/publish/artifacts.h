// The link from `xship build` to `xship publish`: what build recorded each file to be (a
// release archive or program for a target, its contents and requirements; kept in the
// digest cache beside the file's sums and trusted only while the file is unchanged) is
// attached to the planned file, so manifest.json can say it.
#pragma once
#include <vector>

#include "compress/digest_cache.h"
#include "publish/plan.h"

namespace xship::publish {

// Files without a (valid, current) record are left as they are. A file whose name already
// says NAME.OS.ARCH keeps that os/arch unless the record names a target.
void attach_artifacts(std::vector<PlannedFile>& files, const compress::DigestCache& cache);

}  // namespace xship::publish
