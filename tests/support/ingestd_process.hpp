#pragma once

#include <string>

namespace ingestd::testing {

/// How a child `ingestd` process ended.
struct ProcessResult {
  bool killed_by_sigkill = false;
  int exit_code = -1;   // when it exited normally
  std::string output;   // stdout and stderr together
};

/// Runs `ingestd run SPEC --data-dir DIR` (the binary at `ingestd`) and
/// waits for it. `environment` is prepended to the command line
/// (e.g. "INGESTD_CRASH_AT=copy").
ProcessResult RunIngestdProcess(const std::string& ingestd, const std::string& spec,
                                const std::string& data_dir, const std::string& environment = "");

}  // namespace ingestd::testing
