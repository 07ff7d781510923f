#include "tests/support/ingestd_process.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "tests/support/temp_dir.hpp"

namespace ingestd::testing {

ProcessResult RunIngestdProcess(const std::string& ingestd, const std::string& spec, const std::string& data_dir,
                                const IngestdRunOptions& options) {
  std::string command = options.environment.empty() ? "" : options.environment + " ";
  command += "exec '" + ingestd + "' run '" + spec + "' --data-dir '" + data_dir + "'";
  if (!options.extra_args.empty()) command += " " + options.extra_args;
  std::string err_file;
  if (options.separate_stderr) {
    char name[] = "/tmp/ingestd_stderr_XXXXXX";
    const int fd = ::mkstemp(name);
    if (fd >= 0) ::close(fd);
    err_file = name;
    command += " 2>'" + err_file + "'";
  } else {
    command += " 2>&1";
  }
  ProcessResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) result.output.append(buf, n);
  int status = pclose(pipe);
  result.killed_by_sigkill = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (!err_file.empty()) {
    result.error_output = ReadAll(err_file);
    std::remove(err_file.c_str());
  }
  return result;
}

}  // namespace ingestd::testing
