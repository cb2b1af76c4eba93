#include "core/dynlib.h"

#include <dlfcn.h>

namespace xship::dynlib {

Library::Library(const char* soname, const char* package) : soname_(soname), package_(package) {
  handle_ = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!handle_) {
    const char* why = dlerror();
    error_ = "cannot load " + soname_ + " (" + (why ? why : "not found") + "): install Debian's " + package_ +
             " (apt-get install " + package_ + ")";
  }
}

void* Library::address(const char* symbol) {
  if (!handle_) return nullptr;
  void* p = dlsym(handle_, symbol);
  if (!p && error_.empty())
    error_ = soname_ + " has no " + symbol + ": it is not the library Debian's " + package_ + " provides";
  return p;
}

}  // namespace xship::dynlib
