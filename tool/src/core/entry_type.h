// What an archive entry is: one type for the archives xship writes (cross/artifact.h's
// release contents) and the ones it unpacks (compress/extract_check.h).
#pragma once

namespace xship {

enum class EntryType { File, Directory, Symlink };

}  // namespace xship
