#[=======================================================================[.rst:
XShip
-----

Cross-build, test, compress and publish a CMake project's program with ``xship``:
one call defines the targets a developer or a CI job runs, across a matrix of
``OS/ARCH`` targets (Go's names: ``linux/amd64``, ``linux/arm64``, ``windows/amd64``...).

Getting the module
^^^^^^^^^^^^^^^^^^

Any of these makes :command:`xship_add_targets` available:

``add_subdirectory(path/to/xship)`` (e.g. a git submodule)
  xship adds nothing to the consumer's build; the module builds the ``xship``
  helper for the *host* (an external project with no toolchain file), even when
  the consumer itself is being cross-compiled, and only when an ``xship-*``
  target is built.

``FetchContent_Declare(xship ...)`` + ``FetchContent_MakeAvailable(xship)``
  The same as ``add_subdirectory``.

``find_package(XShip)`` after ``cmake --install`` of xship
  The package's ``bin/xship`` is the helper; nothing is built.

The ``CMAKE_MODULE_PATH`` then holds this module, so ``include(XShip)`` works too.

Commands
^^^^^^^^

.. command:: xship_add_targets

  ::

    xship_add_targets(NAME <name>
                      [TARGETS <target>...] [PROGRAMS <name-or-path>...]
                      [INSTALL] [FILES <file-or-dir>...]
                      [ARCHIVE auto|tar.gz|tar.zst|zip|none] [ARCHIVE_NAME <template>]
                      [OS_ARCH <os/arch>...]
                      [MAX_GLIBC <version>] [SHARED_RUNTIME]
                      [FORMAT gz|zst|none]
                      [TO <s3://bucket/prefix>]
                      [ENDPOINT <url>]
                      [LIBS <lib>...]
                      [LIBS_EXCLUDE <os/arch>...]
                      [DIST <dir>]
                      [PREFIX <prefix>]
                      [BUILD_ARGS <arg>...])

  Defines four custom targets, none of them part of ``ALL`` (CTest owns ``test``,
  hence the prefix):

  ``xship-deps``
    ``xship deps --targets ... [--libs ...] --install``: installs the cross
    compilers, emulators and target libraries (apt-get; root or sudo).
  ``xship-test``
    ``xship test``: configures and builds the project once per target below
    ``${CMAKE_BINARY_DIR}/xship/<os>_<arch>`` with a cross toolchain file, then
    runs its CTest tests under the target's emulator (qemu, wine).
  ``xship-build``
    ``xship build ...``: builds again (incrementally) and writes each target's
    release into ``<dist>``: an archive ``<name>_<version>_<os>_<arch>.tar.gz``
    (``.zip`` on windows) holding the programs and ``FILES`` (or the ``INSTALL``
    tree), or, for one program alone, ``<name>.<os>.<arch>[.exe]`` compressed
    with ``FORMAT``. Every program is checked for its machine and for what it
    needs (DLLs, glibc). Runs after ``xship-test``, so only tested builds are
    collected.
  ``xship-publish``
    The whole job: ``xship publish --check`` (the credentials, then one signed
    request on the destination, so a missing secret or a wrong bucket fails in
    seconds), then the test and build steps above, then ``xship publish``:
    everything in ``<dist>`` with MD5-verified PUTs, then ``SHA256SUMS`` and
    ``manifest.json``. Only tested builds are published. Ask for it alone: it
    runs the tests and the build itself.
  ``xship-publish-check``
    ``xship publish --check`` alone.
  ``xship-prune``
    ``xship prune --keep <XSHIP_KEEP>`` on the folder holding ``TO``: keeps the
    newest releases beside it and deletes the older ones (never one an alias
    points to). Defined when ``XSHIP_KEEP`` is set; ``xship-publish`` then runs
    it last.

  The options are:

  ``NAME <name>``
    Required. The release's name (archives are named after it).
  ``TARGETS <target>...`` (or ``TARGET``)
    The executable targets to ship; they must already exist. Their output names
    are the programs xship collects from each per-target build. Required unless
    ``PROGRAMS`` or ``INSTALL`` says what to ship.
  ``PROGRAMS <name-or-path>...``
    Programs by file name (without ``.exe``) or by path in the build tree,
    instead of or besides ``TARGETS``.
  ``INSTALL``
    Ship what the project's own ``install()`` rules install: each target's build
    is installed into a staging prefix (``bin/``, ``lib/``, ``include/``,
    ``share/``) and that tree is archived. The programs are ``TARGETS`` and
    ``PROGRAMS`` when given, else every executable in ``bin/``.
  ``FILES <file-or-dir>...``
    README, LICENSE, docs: copied into every target's archive (relative paths
    are taken from the current source directory).
  ``ARCHIVE auto|tar.gz|tar.zst|zip|none``
    The per-target archive (windows always gets zip). Default ``auto``: an
    archive when the release is more than one program.
  ``ARCHIVE_NAME <template>``
    Default ``{name}_{version}_{os}_{arch}``; also ``{commit}``, ``{short_commit}``.
  ``MAX_GLIBC <version>``
    Fail a Linux target whose programs need a newer glibc, e.g. ``2.31``.
  ``SHARED_RUNTIME``
    Link the C++ runtime the toolchain's way. By default libstdc++ is linked
    in on Linux and everything is linked statically on windows, so programs
    run on machines without this compiler's runtime.
  ``OS_ARCH <os/arch>...``
    The targets, as ``xship targets`` lists them, or ``all``, ``linux/*``,
    ``host`` (the machine xship runs on). Default: ``host``.
  ``FORMAT gz|zst|none``
    How collected programs are compressed. Default: ``gz``.
  ``TO <s3://bucket/prefix>``
    Where ``xship-publish`` uploads; may hold xship's placeholders ``{repo}``,
    ``{branch}``, ``{commit}``, ``{os}``... Default: xship's own,
    ``s3://$ARTIFACTS_BUCKET/artifacts/{repo}/{branch}`` with the variable read
    when the target runs, not when CMake configures.
  ``ENDPOINT <url>``
    An S3-compatible endpoint (default: AWS, or ``AWS_ENDPOINT_URL`` at run time).
  ``LIBS <lib>...``
    Target libraries ``xship-deps`` installs (``zlib``, ``zstd``, ``openssl``...
    or Debian ``-dev`` package names; commas work too).
  ``LIBS_EXCLUDE <os/arch>...``
    Targets the project builds without ``LIBS`` (e.g. ``windows/amd64``, for
    which Debian may have no mingw build of a library): ``xship-deps`` checks
    only their compilers and emulators. Written exactly as in ``OS_ARCH``.
  ``DIST <dir>``
    Where programs are collected. Default: ``${CMAKE_BINARY_DIR}/dist``.
  ``PREFIX <prefix>``
    The targets' name prefix. Default: ``xship-``. A second call needs another.
  ``BUILD_ARGS <arg>...``
    More ``xship test``/``xship build`` options, e.g. ``--static`` or ``--keep-going``.

  A missing ``NAME``, nothing to ship (no ``TARGETS``, ``PROGRAMS`` or
  ``INSTALL``), a target that does not exist or is not an executable, or a
  ``FORMAT`` other than the three is a fatal error; unknown arguments are an
  author warning.

Cache variables
^^^^^^^^^^^^^^^

Each defaults from the environment variable of the same name when first
configured; a non-empty value overrides the argument of the call, so a CI job
can pick its targets or bucket without editing ``CMakeLists.txt``.

``XSHIP_BIN``
  The ``xship`` helper to run. Empty: the installed package's ``bin/xship``,
  else the one the module builds from the xship source tree it lives in, else
  ``xship`` on ``PATH``.
``XSHIP_HELPER_BUILD_TYPE``
  The ``CMAKE_BUILD_TYPE`` of the helper the module builds from the xship source
  tree. Empty: ``Release``. ``None`` (no optimisation, no debug information)
  compiles with a third less CPU time, for throwaway builds such as CI tests.
``XSHIP_TARGETS``
  Comma- or semicolon-separated targets replacing ``OS_ARCH`` (one per CI job).
``XSHIP_FORMAT``
  Replaces ``FORMAT``.
``XSHIP_TO``
  Replaces ``TO``.
``XSHIP_ENDPOINT``
  Replaces ``ENDPOINT``.
``XSHIP_ALIAS``
  Semicolon- or comma-separated aliases: once the release is complete,
  ``xship-publish`` mirrors it under each (``latest`` is the release's
  sibling, ``s3://BUCKET/PREFIX`` a prefix of its own), with a short
  ``Cache-Control`` and ``manifest.json`` copied last.
``XSHIP_KEEP``
  A number N: ``xship-publish`` ends with ``xship prune --keep N`` on the
  folder holding ``TO`` (see ``xship-prune``).
``XSHIP_SIGN_KEY``
  A minisign secret key file (``xship keygen`` or ``minisign -G``):
  ``xship-publish`` signs ``SHA256SUMS``, ``manifest.json`` and the build
  provenance with it, the password read from ``XSHIP_SIGNING_PASSWORD`` when
  the target runs. Without it, ``XSHIP_SIGNING_KEY`` in the environment at
  run time (the key itself, for CI secrets) signs too.
``XSHIP_PUBLIC``
  ``yes``: ``xship-publish`` stores every object with ``--acl public-read``, for
  downloads without credentials (a bucket that enforces object ownership refuses
  ACLs). Default: no ACL is sent and the bucket decides.

Nested configures
^^^^^^^^^^^^^^^^^

``xship test``/``xship build`` configure the whole project again for each
target, with a cross toolchain file. The module passes ``-D_XSHIP_NESTED=ON``
to those configures, where :command:`xship_add_targets` checks its arguments
and defines nothing. So that the project finds xship again the way it did in
the outer configure, it also passes ``-DXShip_DIR=...`` (package),
``-DXSHIP_SOURCE_DIR=<xship source tree>`` (source tree; a project that
locates xship through a cache variable should use this name) and, for a
FetchContent population, ``-DFETCHCONTENT_SOURCE_DIR_<NAME>=...`` (no
download per target).

Example
^^^^^^^

.. code-block:: cmake

  add_executable(hello hello.c)
  find_package(XShip 0.1 REQUIRED)
  xship_add_targets(NAME hello TARGET hello
                    OS_ARCH linux/amd64 linux/arm64 windows/amd64
                    LIBS zlib)

then ``cmake --build build --target xship-publish``.
#]=======================================================================]

include_guard(GLOBAL)
if(CMAKE_VERSION VERSION_LESS 3.21)
  message(FATAL_ERROR "XShip.cmake needs CMake 3.21 or newer (PROJECT_IS_TOP_LEVEL), this is ${CMAKE_VERSION}")
endif()
# Our policy settings are recorded in the functions below and popped before the
# consumer's code runs again.
cmake_policy(PUSH)
cmake_policy(VERSION 3.21...3.28)

# The defaults come from the environment, the one thing a CI job sets for make and
# cmake alike. XShipConfig.cmake sets _XSHIP_PACKAGE_BIN before including us.
if(NOT "$ENV{XSHIP_BIN}" STREQUAL "")
  set(_xship_bin_default "$ENV{XSHIP_BIN}")
elseif(DEFINED _XSHIP_PACKAGE_BIN)
  set(_xship_bin_default "${_XSHIP_PACKAGE_BIN}")
else()
  set(_xship_bin_default "")
endif()
set(XSHIP_BIN "${_xship_bin_default}" CACHE FILEPATH
    "The xship helper; empty: build it from the xship source tree (or take xship from PATH)")
unset(_xship_bin_default)
set(XSHIP_HELPER_BUILD_TYPE "$ENV{XSHIP_HELPER_BUILD_TYPE}" CACHE STRING
    "CMAKE_BUILD_TYPE of the xship helper built from the source tree; empty: Release")
set(XSHIP_TARGETS "$ENV{XSHIP_TARGETS}" CACHE STRING
    "OS/ARCH targets for xship_add_targets, comma-separated; non-empty replaces OS_ARCH")
set(XSHIP_FORMAT "$ENV{XSHIP_FORMAT}" CACHE STRING "gz, zst or none; non-empty replaces FORMAT")
set_property(CACHE XSHIP_FORMAT PROPERTY STRINGS "" gz zst none)
set(XSHIP_TO "$ENV{XSHIP_TO}" CACHE STRING "s3://BUCKET/PREFIX for xship-publish; non-empty replaces TO")
set(XSHIP_ENDPOINT "$ENV{XSHIP_ENDPOINT}" CACHE STRING "S3 endpoint URL for xship-publish; non-empty replaces ENDPOINT")
set(XSHIP_ALIAS "$ENV{XSHIP_ALIAS}" CACHE STRING
    "Aliases xship-publish mirrors the complete release under (latest, or s3://BUCKET/PREFIX), comma-separated")
set(XSHIP_KEEP "$ENV{XSHIP_KEEP}" CACHE STRING "N: xship-publish ends with xship prune --keep N beside TO; empty: no prune")
set(XSHIP_SIGN_KEY "$ENV{XSHIP_SIGN_KEY}" CACHE FILEPATH
    "minisign secret key file: xship-publish signs the release (password from XSHIP_SIGNING_PASSWORD at run time)")
set(XSHIP_PUBLIC "$ENV{XSHIP_PUBLIC}" CACHE STRING "yes: xship-publish makes every object public-read (default: no ACL sent)")

# The COMMAND that prunes the releases beside TO when XSHIP_KEEP is set (empty otherwise):
# TO's parent folder, or xship's default (s3://$ARTIFACTS_BUCKET/artifacts/{repo}/, read
# when it runs) when TO is the default.
function(_xship_prune_command out bin to endpoint)
  set(${out} "" PARENT_SCOPE)
  if(XSHIP_KEEP STREQUAL "")
    return()
  endif()
  if(NOT XSHIP_KEEP MATCHES "^[1-9][0-9]*$")
    message(FATAL_ERROR "xship_add_targets: XSHIP_KEEP must be a number of releases, 1 or more, not '${XSHIP_KEEP}'")
  endif()
  set(cmd COMMAND "${bin}" prune --keep "${XSHIP_KEEP}" --repo-dir "${CMAKE_SOURCE_DIR}")
  if(NOT endpoint STREQUAL "")
    list(APPEND cmd --endpoint "${endpoint}")
  endif()
  if(NOT to STREQUAL "")
    if(NOT to MATCHES "^s3://[^/]+/.*[^/]")
      message(FATAL_ERROR "xship_add_targets: XSHIP_KEEP prunes the folder holding TO, and '${to}' has none: "
                          "give TO as s3://BUCKET/PREFIX/RELEASE")
    endif()
    string(REGEX REPLACE "[^/]+/*$" "" parent "${to}")
    list(APPEND cmd "${parent}")
  endif()
  set(${out} ${cmd} PARENT_SCOPE)
endfunction()

# Where this file came from decides how the helper is found and how nested configures
# find xship again: an installed package (XShipConfig.cmake beside us) or a source tree.
function(_xship_origin out_kind out_dir)
  set(here "${CMAKE_CURRENT_FUNCTION_LIST_DIR}")
  if(EXISTS "${here}/XShipConfig.cmake")
    set(${out_kind} package PARENT_SCOPE)
    set(${out_dir} "${here}" PARENT_SCOPE)
  elseif(EXISTS "${here}/../tool/CMakeLists.txt")
    cmake_path(GET here PARENT_PATH root)
    set(${out_kind} source PARENT_SCOPE)
    set(${out_dir} "${root}" PARENT_SCOPE)
  else()
    set(${out_kind} none PARENT_SCOPE)
    set(${out_dir} "" PARENT_SCOPE)
  endif()
endfunction()

# Builds xship from SOURCE for the host, once per build tree, outside ALL. A plain
# external project: a separate CMake run that sees none of the consumer's toolchain
# file or compilers, with the variables that could carry a cross compiler in from the
# environment removed, so a consumer cross-compiled for arm64 still gets an amd64 helper.
function(_xship_helper_from_source source out_bin)
  set(dir "${CMAKE_BINARY_DIR}/_xship_helper")
  get_property(multi GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
  set(type "${XSHIP_HELPER_BUILD_TYPE}")
  if(type STREQUAL "")
    set(type Release)
  endif()
  # All of xship without its tests is the helper. Make joins the consumer's jobserver;
  # a multi-config generator is told which configuration.
  if(CMAKE_GENERATOR MATCHES "Makefiles")
    set(build_command "$(MAKE)")
  else()
    set(build_command "${CMAKE_COMMAND}" --build <BINARY_DIR> --config ${type})
  endif()
  if(multi)
    set(bin "${dir}/build/tool/${type}/xship")
  else()
    set(bin "${dir}/build/tool/xship")
  endif()
  if(CMAKE_HOST_WIN32)
    string(APPEND bin ".exe")
  endif()
  set(${out_bin} "${bin}" PARENT_SCOPE)
  if(TARGET _xship_helper)
    return()
  endif()
  set(generator -G "${CMAKE_GENERATOR}")
  if(CMAKE_GENERATOR_PLATFORM)
    list(APPEND generator -A "${CMAKE_GENERATOR_PLATFORM}")
  endif()
  if(CMAKE_GENERATOR_TOOLSET)
    list(APPEND generator -T "${CMAKE_GENERATOR_TOOLSET}")
  endif()
  if(CMAKE_MAKE_PROGRAM)
    list(APPEND generator "-DCMAKE_MAKE_PROGRAM=${CMAKE_MAKE_PROGRAM}")
  endif()
  set(clean_env)
  foreach(var IN ITEMS CC CXX CFLAGS CXXFLAGS CPPFLAGS LDFLAGS CMAKE_TOOLCHAIN_FILE
                       PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR)
    list(APPEND clean_env "--unset=${var}")
  endforeach()
  include(ExternalProject)
  ExternalProject_Add(_xship_helper
    SOURCE_DIR "${source}"
    PREFIX "${dir}"
    BINARY_DIR "${dir}/build"
    CONFIGURE_COMMAND "${CMAKE_COMMAND}" -E env ${clean_env}
                      "${CMAKE_COMMAND}" ${generator} -S <SOURCE_DIR> -B <BINARY_DIR>
                      -DCMAKE_BUILD_TYPE=${type} -DXSHIP_BUILD_TESTS=OFF -DXSHIP_UNITY=ON
    BUILD_COMMAND ${build_command}
    # The source may change under a vendored checkout; an up-to-date build is a no-op.
    BUILD_ALWAYS TRUE
    BUILD_BYPRODUCTS "${bin}"
    INSTALL_COMMAND ""
    EXCLUDE_FROM_ALL TRUE
    USES_TERMINAL_CONFIGURE TRUE
    USES_TERMINAL_BUILD TRUE)
endfunction()

# The helper's path, and the target building it ("" when there is none to build).
function(_xship_helper out_bin out_dep)
  set(${out_dep} "" PARENT_SCOPE)
  if(NOT XSHIP_BIN STREQUAL "")
    cmake_path(ABSOLUTE_PATH XSHIP_BIN BASE_DIRECTORY "${CMAKE_BINARY_DIR}" OUTPUT_VARIABLE bin)
    if(NOT EXISTS "${bin}" OR IS_DIRECTORY "${bin}")
      message(FATAL_ERROR "xship_add_targets: XSHIP_BIN '${XSHIP_BIN}' is not a file: set it to the xship "
                          "program, or empty to build xship from its source tree")
    endif()
    set(${out_bin} "${bin}" PARENT_SCOPE)
    return()
  endif()
  _xship_origin(kind dir)
  if(kind STREQUAL "source")
    _xship_helper_from_source("${dir}" bin)
    set(${out_bin} "${bin}" PARENT_SCOPE)
    set(${out_dep} _xship_helper PARENT_SCOPE)
    return()
  endif()
  find_program(XSHIP_PROGRAM xship DOC "xship found on PATH (used when XSHIP_BIN is empty and there is no source tree)")
  if(NOT XSHIP_PROGRAM)
    message(FATAL_ERROR "xship_add_targets: no xship helper: set XSHIP_BIN, put xship on PATH, or use the module "
                        "from an xship source tree (add_subdirectory, FetchContent) or an installed XShip package")
  endif()
  set(${out_bin} "${XSHIP_PROGRAM}" PARENT_SCOPE)
endfunction()

# The -D options that let a nested configure find xship as the outer one did.
function(_xship_nested_args out)
  set(args "--cmake-arg=-D_XSHIP_NESTED=ON")
  _xship_origin(kind dir)
  if(kind STREQUAL "package")
    list(APPEND args "--cmake-arg=-DXShip_DIR=${dir}")
  elseif(kind STREQUAL "source")
    list(APPEND args "--cmake-arg=-DXSHIP_SOURCE_DIR=${dir}")
    # FetchContent populates <base>/<name>-src: point the nested configure at it
    # instead of downloading again for every target.
    if(FETCHCONTENT_BASE_DIR)
      cmake_path(GET dir PARENT_PATH parent)
      cmake_path(GET dir FILENAME leaf)
      cmake_path(ABSOLUTE_PATH FETCHCONTENT_BASE_DIR BASE_DIRECTORY "${CMAKE_BINARY_DIR}" OUTPUT_VARIABLE base)
      if(parent STREQUAL base AND leaf MATCHES "^(.+)-src$")
        string(TOUPPER "${CMAKE_MATCH_1}" upper)
        list(APPEND args "--cmake-arg=-DFETCHCONTENT_SOURCE_DIR_${upper}=${dir}")
      endif()
    endif()
  endif()
  set(${out} "${args}" PARENT_SCOPE)
endfunction()

function(xship_add_targets)
  cmake_parse_arguments(PARSE_ARGV 0 arg "INSTALL;SHARED_RUNTIME"
    "NAME;TARGET;FORMAT;TO;ENDPOINT;DIST;PREFIX;ARCHIVE;ARCHIVE_NAME;MAX_GLIBC"
    "OS_ARCH;LIBS;LIBS_EXCLUDE;BUILD_ARGS;TARGETS;PROGRAMS;FILES")
  if(arg_UNPARSED_ARGUMENTS)
    message(AUTHOR_WARNING "xship_add_targets: ignoring unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  foreach(kw IN LISTS arg_KEYWORDS_MISSING_VALUES)
    if(kw MATCHES "^(NAME|TARGET|FORMAT|TO|ENDPOINT|DIST|PREFIX|ARCHIVE|ARCHIVE_NAME|MAX_GLIBC|TARGETS|PROGRAMS|FILES)$")
      message(FATAL_ERROR "xship_add_targets: keyword ${kw} needs a value")
    endif()
  endforeach()
  if(NOT DEFINED arg_NAME)
    message(FATAL_ERROR "xship_add_targets: missing required keyword NAME")
  endif()
  if(arg_NAME MATCHES "[/\\\\]")
    message(FATAL_ERROR "xship_add_targets: NAME '${arg_NAME}' is a path: give the release's name")
  endif()
  set(exe_targets ${arg_TARGET} ${arg_TARGETS})
  if(NOT exe_targets AND NOT arg_PROGRAMS AND NOT arg_INSTALL)
    message(FATAL_ERROR "xship_add_targets: nothing to ship: name the executables with TARGETS (or PROGRAMS), "
                        "or pass INSTALL to ship what the install rules install")
  endif()
  # The programs xship collects: each target's output file name, then PROGRAMS.
  set(programs)
  foreach(t IN LISTS exe_targets)
    if(NOT TARGET "${t}")
      message(FATAL_ERROR "xship_add_targets: TARGET '${t}' is not a target: call add_executable first")
    endif()
    get_target_property(type "${t}" TYPE)
    if(NOT type STREQUAL "EXECUTABLE")
      message(FATAL_ERROR "xship_add_targets: TARGET '${t}' is a ${type}, not an executable")
    endif()
    get_target_property(output "${t}" OUTPUT_NAME)
    if(NOT output)
      set(output "${t}")
    endif()
    if(output MATCHES "\\$<")
      message(FATAL_ERROR "xship_add_targets: TARGET '${t}' has a generator expression as OUTPUT_NAME: name its "
                          "program with PROGRAMS instead")
    endif()
    list(APPEND programs "${output}")
  endforeach()
  list(APPEND programs ${arg_PROGRAMS})
  set(files)
  foreach(f IN LISTS arg_FILES)
    cmake_path(ABSOLUTE_PATH f BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" OUTPUT_VARIABLE abs)
    list(APPEND files "${abs}")
  endforeach()
  if(DEFINED arg_ARCHIVE AND NOT arg_ARCHIVE MATCHES "^(auto|tar\\.gz|tar\\.zst|zip|none)$")
    message(FATAL_ERROR "xship_add_targets: ARCHIVE must be auto, tar.gz, tar.zst, zip or none, not '${arg_ARCHIVE}'")
  endif()
  if(DEFINED arg_MAX_GLIBC AND NOT arg_MAX_GLIBC MATCHES "^[0-9]+(\\.[0-9]+)*$")
    message(FATAL_ERROR "xship_add_targets: MAX_GLIBC must be a version such as 2.31, not '${arg_MAX_GLIBC}'")
  endif()

  if(NOT XSHIP_TARGETS STREQUAL "")
    string(REPLACE "," ";" targets "${XSHIP_TARGETS}")
    set(targets_from XSHIP_TARGETS)
  elseif(arg_OS_ARCH)
    string(REPLACE "," ";" targets "${arg_OS_ARCH}")
    set(targets_from OS_ARCH)
  else()
    set(targets host)
  endif()
  list(REMOVE_ITEM targets "")
  foreach(t IN LISTS targets)
    if(NOT t MATCHES "^(host|all|[a-z0-9]+/([a-z0-9]+|\\*))$")
      message(FATAL_ERROR "xship_add_targets: ${targets_from} entry '${t}' is not OS/ARCH (e.g. linux/arm64), "
                          "'all', 'OS/*' or 'host'")
    endif()
  endforeach()
  string(JOIN "," target_list ${targets})

  if(NOT XSHIP_FORMAT STREQUAL "")
    set(format "${XSHIP_FORMAT}")
    set(format_from XSHIP_FORMAT)
  elseif(DEFINED arg_FORMAT)
    set(format "${arg_FORMAT}")
    set(format_from FORMAT)
  else()
    set(format gz)
  endif()
  if(NOT format MATCHES "^(gz|zst|none)$")
    message(FATAL_ERROR "xship_add_targets: ${format_from} must be gz, zst or none, not '${format}'")
  endif()

  set(to "${arg_TO}")
  set(to_from TO)
  if(NOT XSHIP_TO STREQUAL "")
    set(to "${XSHIP_TO}")
    set(to_from XSHIP_TO)
  endif()
  if(NOT to STREQUAL "" AND NOT to MATCHES "^s3://[^/]+")
    message(FATAL_ERROR "xship_add_targets: ${to_from} must be s3://BUCKET[/PREFIX], not '${to}'")
  endif()
  set(endpoint "${arg_ENDPOINT}")
  if(NOT XSHIP_ENDPOINT STREQUAL "")
    set(endpoint "${XSHIP_ENDPOINT}")
  endif()

  string(REPLACE "," ";" libs "${arg_LIBS}")
  list(REMOVE_ITEM libs "")
  string(JOIN "," lib_list ${libs})
  set(dist "${CMAKE_BINARY_DIR}/dist")
  if(DEFINED arg_DIST)
    cmake_path(ABSOLUTE_PATH arg_DIST BASE_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}" OUTPUT_VARIABLE dist)
  endif()
  set(prefix xship-)
  if(DEFINED arg_PREFIX)
    set(prefix "${arg_PREFIX}")
  endif()
  foreach(step IN ITEMS deps test build publish)
    if(TARGET "${prefix}${step}")
      message(FATAL_ERROR "xship_add_targets: target '${prefix}${step}' already exists: give this call "
                          "another PREFIX")
    endif()
  endforeach()

  # Inside `xship test`/`xship build` the project is configured again per target, with a
  # cross compiler: nothing to define there, and above all no helper to build with it.
  if(_XSHIP_NESTED)
    return()
  endif()

  _xship_helper(bin helper_target)
  _xship_nested_args(nested)
  set(release_args)
  # One program named like the release is xship's default: the command stays short.
  if(NOT programs STREQUAL arg_NAME AND programs)
    string(JOIN "," program_list ${programs})
    list(APPEND release_args --programs "${program_list}")
  endif()
  if(files)
    string(JOIN "," file_list ${files})
    list(APPEND release_args --files "${file_list}")
  endif()
  if(arg_INSTALL)
    list(APPEND release_args --install)
  endif()
  foreach(kw IN ITEMS ARCHIVE ARCHIVE_NAME MAX_GLIBC)
    if(DEFINED arg_${kw})
      string(TOLOWER "${kw}" flag)
      string(REPLACE "_" "-" flag "${flag}")
      list(APPEND release_args "--${flag}" "${arg_${kw}}")
    endif()
  endforeach()
  if(arg_SHARED_RUNTIME)
    list(APPEND release_args --shared-runtime)
  endif()
  set(project_args --name "${arg_NAME}" --cmake "${CMAKE_SOURCE_DIR}" --build-dir "${CMAKE_BINARY_DIR}/xship"
                   --out "${dist}" ${nested} ${release_args} ${arg_BUILD_ARGS})

  # Targets built without LIBS are checked on their own; the others skip them.
  set(deps_commands)
  set(deps_excludes)
  set(no_libs)
  if(lib_list)
    foreach(t IN LISTS arg_LIBS_EXCLUDE)
      list(APPEND deps_excludes --exclude "${t}")
      if(t IN_LIST targets)
        list(APPEND no_libs "${t}")
      endif()
    endforeach()
    set(with_libs ${targets})
    if(no_libs)
      list(REMOVE_ITEM with_libs ${no_libs})
    endif()
    if(with_libs)
      list(APPEND deps_commands COMMAND "${bin}" deps --targets "${target_list}" ${deps_excludes}
                                        --libs "${lib_list}" --install)
    endif()
    if(no_libs)
      string(JOIN "," no_libs_list ${no_libs})
      list(APPEND deps_commands COMMAND "${bin}" deps --targets "${no_libs_list}" --install)
    endif()
  else()
    set(deps_commands COMMAND "${bin}" deps --targets "${target_list}" --install)
  endif()

  set(publish_args)
  if(NOT to STREQUAL "")
    list(APPEND publish_args --to "${to}")
  endif()
  if(NOT endpoint STREQUAL "")
    list(APPEND publish_args --endpoint "${endpoint}")
  endif()
  # --repo-dir: {repo}, {branch} and {commit} are the project's, wherever the build tree is.
  list(APPEND publish_args --repo-dir "${CMAKE_SOURCE_DIR}")
  # The check needs no key: it signs nothing.
  set(check_args ${publish_args})
  if(XSHIP_PUBLIC)
    list(APPEND publish_args --acl public-read)
  endif()
  if(NOT XSHIP_SIGN_KEY STREQUAL "")
    list(APPEND publish_args --sign-key "${XSHIP_SIGN_KEY}")
  endif()
  string(REPLACE "," ";" aliases "${XSHIP_ALIAS}")
  foreach(alias IN LISTS aliases)
    if(NOT alias STREQUAL "")
      list(APPEND publish_args --alias "${alias}")
    endif()
  endforeach()
  _xship_prune_command(prune_command "${bin}" "${to}" "${endpoint}")

  # One working directory for all four: xship's digest cache (.xship/) written by build
  # is read by publish, and publish's resumable-upload state stays in the build tree.
  set(common WORKING_DIRECTORY "${CMAKE_BINARY_DIR}" USES_TERMINAL VERBATIM)
  add_custom_target(${prefix}deps ${deps_commands}
    COMMENT "xship: installing compilers, emulators and libraries for ${target_list}" ${common})
  add_custom_target(${prefix}test
    COMMAND "${bin}" test --targets "${target_list}" ${project_args}
    COMMENT "xship: testing ${arg_NAME} for ${target_list}" ${common})
  add_custom_target(${prefix}build
    COMMAND "${bin}" build --targets "${target_list}" ${project_args} --format "${format}"
    COMMENT "xship: building ${arg_NAME} for ${target_list} into ${dist}" ${common})
  add_custom_target(${prefix}publish-check
    COMMAND "${bin}" publish --check ${check_args}
    COMMENT "xship: checking the credentials and the destination" ${common})
  # publish checks the credentials and the destination first, so a missing secret or a
  # wrong bucket costs seconds, not the whole build; then it tests, builds and uploads.
  # CMake's dependencies cannot put the check before test only when publish is asked for,
  # so publish runs the four steps itself, in order, stopping at the first that fails.
  add_custom_target(${prefix}publish
    COMMAND "${bin}" publish --check ${check_args}
    COMMAND "${bin}" test --targets "${target_list}" ${project_args}
    COMMAND "${bin}" build --targets "${target_list}" ${project_args} --format "${format}"
    COMMAND "${bin}" publish ${publish_args} "${dist}"
    ${prune_command}
    COMMENT "xship: checking, testing, building and publishing ${dist}" ${common})
  if(prune_command)
    add_custom_target(${prefix}prune ${prune_command}
      COMMENT "xship: keeping the newest ${XSHIP_KEEP} releases" ${common})
  endif()
  # Only tested builds are collected.
  add_dependencies(${prefix}build ${prefix}test)
  if(helper_target)
    foreach(step IN ITEMS deps test build publish publish-check)
      add_dependencies(${prefix}${step} ${helper_target})
    endforeach()
    foreach(step IN ITEMS prune)
      if(TARGET ${prefix}${step})
        add_dependencies(${prefix}${step} ${helper_target})
      endif()
    endforeach()
  endif()
endfunction()

cmake_policy(POP)
