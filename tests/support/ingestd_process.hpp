#pragma once

#include <string>

namespace ingestd::testing {

/// How a child `ingestd` process ended.
struct ProcessResult {
  bool killed_by_sigkill = false;
  int exit_code = -1;        // when it exited normally
  std::string output;        // stdout, and stderr too unless separate_stderr
  std::string error_output;  // stderr, with separate_stderr
};

struct IngestdRunOptions {
  /// Prepended to the command line (e.g. "INGESTD_CRASH_AT=copy").
  std::string environment;
  /// Appended to the command line, shell-quoted by the caller.
  std::string extra_args;
  /// Keep stderr (run events, the failure message) apart from stdout (the
  /// load summary).
  bool separate_stderr = false;
};

/// Runs `ingestd run SPEC --data-dir DIR` (the binary at `ingestd`) and
/// waits for it.
ProcessResult RunIngestdProcess(const std::string& ingestd, const std::string& spec, const std::string& data_dir,
                                const IngestdRunOptions& options);

inline ProcessResult RunIngestdProcess(const std::string& ingestd, const std::string& spec,
                                       const std::string& data_dir, const std::string& environment = "") {
  IngestdRunOptions options;
  options.environment = environment;
  return RunIngestdProcess(ingestd, spec, data_dir, options);
}

}  // namespace ingestd::testing
