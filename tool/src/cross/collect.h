// From a target's build tree to its stage: the directory holding exactly what the release
// will hold (its programs, the project's README/LICENSE/docs, or the tree `cmake --install`
// made), each program and library in it checked for the target's machine and read for what
// it needs at run time (shared libraries, glibc version, DLLs).
#pragma once
#include <string>
#include <vector>

#include "cross/artifact.h"
#include "cross/targets.h"

namespace xship::cross {

struct StageRequest {
  const TargetInfo* info = nullptr;
  std::vector<std::string> search;  // build trees to look for programs in, in order (absolute)
  std::vector<std::string> programs;  // names ("lua") or paths relative to a search tree ("src/lua"); no .exe
  std::vector<std::string> files;  // copied in under their base names; relative ones are looked up
                                   // in the search trees, then in `source`
  std::string source;  // the project's own tree
  std::string stage;  // the stage directory (absolute); already filled when `installed`
  bool installed = false;  // the stage is an install tree: programs are found inside it
  std::string max_glibc;  // "2.31"; "" no limit
};

enum class StageProblem {
  None,
  NoOutput,  // a program or file is not where the request says
  WrongMachine,  // a program or library in the stage is for another machine
  NotPortable,  // it imports a DLL that is neither a Windows system DLL nor shipped, or needs a
                // newer glibc than max_glibc
  Io,  // the stage could not be written
};

struct StageResult {
  StageProblem problem = StageProblem::None;
  std::string message;  // one line naming the file and the fix
  std::vector<std::string> programs;  // relative to the stage, sorted
  Requirements needs;
};

// Empties the stage (unless `installed`), copies the programs and files in, then checks
// every ELF/PE file in it.
StageResult stage_release(const StageRequest& req);

// The program file below `tree`: tree/NAME first, else the shallowest regular file called
// NAME (CMake puts programs in subdirectories), skipping CMakeFiles, .git and the stage.
std::string find_program_in(const std::string& tree, const std::string& file, const std::string& skip);

}  // namespace xship::cross
