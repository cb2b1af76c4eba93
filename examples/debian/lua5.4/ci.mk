# lua's release through xship: what a project adds (the include and two rules) to build and test
# one target. Lua's Makefile sets CC, AR and RANLIB itself, so they go on its command line.
XSHIP_NAME := lua
XSHIP_PROGRAMS := src/lua src/luac
XSHIP_FILES := README doc
XSHIP_TARGETS ?= linux/amd64 linux/arm64 linux/s390x windows/amd64
# xship vendored as a git submodule in xship/ (the tests point XSHIP_MK at this tree).
XSHIP_MK ?= xship/make-include/xship.mk
include $(XSHIP_MK)

__lua_plat = $(if $(filter windows,$(XSHIP_OS)),mingw,linux)
__lua_vars = CC="$(CC) -std=gnu99" AR="$(AR) rcu" RANLIB="$(RANLIB)"
# Lua's mingw target strips lua54.dll with the host's `strip`, which writes the time of the
# build into a PE header; the target's $(STRIP) writes SOURCE_DATE_EPOCH, as ld does.
xship-target:
	$(MAKE) $(__lua_plat) $(__lua_vars)
	$(if $(filter windows,$(XSHIP_OS)),$(STRIP) --strip-unneeded src/lua54.dll)
xship-target-test:
	$(MAKE) test $(if $(filter windows,$(XSHIP_OS)),LUA_T=lua.exe)
