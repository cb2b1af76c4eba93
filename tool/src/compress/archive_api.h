// libarchive's functions as xship calls them, for archive.cpp (writing, listing) and
// extract.cpp (reading untrusted archives): the only two files that include <archive.h>.
// libarchive is opened on first use, not linked (core/dynlib.h): with libxml2 and ICU
// behind it, linking it cost every start 1.8 ms, paid by build and publish, which write
// no archive.
#pragma once
#include <archive.h>
#include <archive_entry.h>

#include "core/dynlib.h"
#include "core/result.h"

namespace xship::compress {

// All the functions xship calls, their types from archive.h.
#define XSHIP_LIBARCHIVE_FUNCTIONS(X) \
  X(archive_entry_copy_pathname) \
  X(archive_entry_copy_symlink) \
  X(archive_entry_filetype) \
  X(archive_entry_free) \
  X(archive_entry_gid) \
  X(archive_entry_gname) \
  X(archive_entry_hardlink) \
  X(archive_entry_mtime) \
  X(archive_entry_mtime_nsec) \
  X(archive_entry_new) \
  X(archive_entry_pathname) \
  X(archive_entry_pathname_utf8) \
  X(archive_entry_perm) \
  X(archive_entry_set_filetype) \
  X(archive_entry_set_gid) \
  X(archive_entry_set_mtime) \
  X(archive_entry_set_perm) \
  X(archive_entry_set_size) \
  X(archive_entry_set_uid) \
  X(archive_entry_size) \
  X(archive_entry_size_is_set) \
  X(archive_entry_symlink) \
  X(archive_entry_symlink_utf8) \
  X(archive_entry_uid) \
  X(archive_entry_uname) \
  X(archive_error_string) \
  X(archive_filter_bytes) \
  X(archive_filter_count) \
  X(archive_read_data) \
  X(archive_read_free) \
  X(archive_read_new) \
  X(archive_read_next_header) \
  X(archive_read_open_fd) \
  X(archive_read_open_filename) \
  X(archive_read_support_filter_all) \
  X(archive_read_support_filter_gzip) \
  X(archive_read_support_filter_zstd) \
  X(archive_read_support_format_all) \
  X(archive_read_support_format_tar) \
  X(archive_read_support_format_zip) \
  X(archive_write_add_filter_none) \
  X(archive_write_close) \
  X(archive_write_data) \
  X(archive_write_finish_entry) \
  X(archive_write_free) \
  X(archive_write_header) \
  X(archive_write_new) \
  X(archive_write_open2) \
  X(archive_write_set_bytes_in_last_block) \
  X(archive_write_set_format_pax_restricted) \
  X(archive_write_set_format_zip) \
  X(archive_write_set_option)

struct ArchiveApi {
  XSHIP_DYNLIB_POINTERS(XSHIP_LIBARCHIVE_FUNCTIONS)
};

// The bound API, or the one-line error that says what to install.
Result<const ArchiveApi*> libarchive();

}  // namespace xship::compress
